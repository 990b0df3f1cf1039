"""Plumbing endpoints: health, and the JSON 404 for unknown `/api/` URLs."""

from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse, HttpResponsePermanentRedirect
from django.urls import Resolver404, resolve
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from drf_yasg.utils import swagger_auto_schema
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from config import db
from config.cache import cache_is_available
from config.errors import NOT_FOUND_DETAIL, DatabaseUnavailable, error_response
from config.schema import error_responses

# Each dependency gets its own budget, so the whole check answers within 2 s.
HEALTH_BUDGET_SECONDS = 1.0


class HealthSerializer(serializers.Serializer):
    """The service is up and its database answers; `degraded` if the cache does not."""

    status = serializers.ChoiceField(choices=["ok", "degraded"])
    database = serializers.CharField()
    cache = serializers.ChoiceField(choices=["ok", "unavailable"])


def database_is_available() -> bool:
    """Tell whether the database answers a query within the health budget."""
    try:
        with db.deadline(HEALTH_BUDGET_SECONDS), connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError:
        return False
    return True


class HealthView(APIView):
    """Report whether the service, its database and its cache answer.

    503 when the database does not answer: nothing works without it. 200 `degraded`
    when only the cache does not: sign-in works on without it, so a load balancer must
    not take every host out because the shared cache is down.
    """

    authentication_classes = []
    permission_classes = [AllowAny]

    @swagger_auto_schema(responses={200: HealthSerializer, **error_responses(503)})
    def get(self, request: Request) -> Response:
        cache_state = "ok" if cache_is_available() else "unavailable"
        if not database_is_available():
            unavailable = DatabaseUnavailable()
            unavailable.extra = {**DatabaseUnavailable.extra, "cache": cache_state}
            raise unavailable
        status = "ok" if cache_state == "ok" else "degraded"
        return Response({"status": status, "database": "ok", "cache": cache_state})


@csrf_exempt  # it changes nothing; a CSRF page would hide the JSON 404
def api_not_found(request: HttpRequest) -> HttpResponse:
    """Answer unknown `/api/` URLs in JSON whatever DEBUG says; hint a missing slash."""
    if not request.path.endswith("/"):
        with_slash = f"{request.path}/"
        try:
            match = resolve(with_slash)
        except Resolver404:
            match = None
        if match is not None and match.func is not api_not_found:
            if request.method in ("GET", "HEAD"):
                return HttpResponsePermanentRedirect(
                    request.get_full_path(force_append_slash=True)
                )
            return error_response(
                404,
                _("Not found. Did you mean %(path)s?") % {"path": with_slash},
                "not_found",
            )
    return error_response(404, NOT_FOUND_DETAIL, "not_found")
