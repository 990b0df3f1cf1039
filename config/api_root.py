"""`GET /api/v1/`: the API's front door, in the browsable API or as JSON."""

from drf_yasg.utils import swagger_auto_schema
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.views import APIView

from sessions_app.authentication import CookieSessionAuthentication, TokenAuthentication
from sessions_app.permissions import HasLiveSession

# name in the answer -> URL name; the main endpoints, grouped as the docs are
ENDPOINTS = {
    "sign-in": {
        "register": "sessions:register",
        "login": "sessions:login",
        "login_mfa": "mfa:login",
        "logout": "sessions:logout",
        "token_refresh": "sessions:token-refresh",
        "password_reset": "sessions:password-reset",
        "browser_csrf": "sessions:csrf",
        "browser_login": "sessions:browser-login",
    },
    "me": {
        "me": "sessions:me",
        "sessions": "sessions:session-list",
        "events": "sessions:event-list",
        "activity": "activity:my-activity",
        "password": "sessions:password-change",
        "reauthenticate": "sessions:reauthenticate",
        "two_factor": "mfa:status",
    },
    "people": {
        "users": "accounts:user-list",
        "messages": "messaging:message-list",
        "blocks": "messaging:block-list",
    },
    "staff": {
        "sessions": "sessions:staff-session-list",
        "events": "sessions:staff-event-list",
        "members_activity": "activity:member-list",
    },
}


class ApiLinksSerializer(serializers.Serializer):
    docs = serializers.URLField(help_text="Swagger UI")
    redoc = serializers.URLField(help_text="ReDoc")
    schema = serializers.URLField(help_text="The OpenAPI (Swagger 2.0) document")
    health = serializers.URLField()
    endpoints = serializers.DictField(
        child=serializers.DictField(child=serializers.URLField()),
        help_text="The main endpoints by group: sign-in, me, people, staff.",
    )


class ApiRootView(APIView):
    """The API's front door: where the docs are, and its main endpoints.

    Anyone may read it. Send `Authorization: Token <token>` (from
    `POST /api/v1/auth/login/`) to the endpoints it lists; in a browser, sign in at
    `/api-auth/login/` and follow the links.
    """

    name = "API root"
    authentication_classes = [TokenAuthentication, CookieSessionAuthentication]
    permission_classes = [HasLiveSession, AllowAny]  # an ended credential: its 403

    @swagger_auto_schema(operation_id="api_root", responses={200: ApiLinksSerializer})
    def get(self, request: Request) -> Response:
        def link(name: str) -> str:
            return reverse(name, request=request)

        return Response(
            {
                "docs": link("schema-swagger-ui"),
                "redoc": link("schema-redoc"),
                "schema": reverse(
                    "schema-json", kwargs={"format": "json"}, request=request
                ),
                "health": link("health"),
                "endpoints": {
                    group: {label: link(name) for label, name in names.items()}
                    for group, names in ENDPOINTS.items()
                },
            }
        )
