"""Renewing a token session: a refresh token buys a new access and refresh token."""

from drf_yasg.utils import swagger_auto_schema
from rest_framework.request import Request
from rest_framework.response import Response

from config.api_views import PublicAPIView
from config.schema import error_responses
from sessions_app import services
from sessions_app.devices import request_origin
from sessions_app.serializers import (
    TokenRefreshResponseSerializer,
    TokenRefreshSerializer,
)
from sessions_app.views.signin import token_answer


class TokenRefreshView(PublicAPIView):
    """Exchange the refresh token for a new access token and a new refresh token.

    The session stays the same (same id, same activity period); the previous access
    token and refresh token stop working at once. A refresh token that was already
    exchanged ends its session (403 `session_revoked`), unless it comes again within
    `REFRESH_REUSE_GRACE` of its exchange: then 409 `refresh_conflict`, nothing ends.
    An ended session cannot be refreshed (403 with its reason).
    """

    @swagger_auto_schema(
        request_body=TokenRefreshSerializer,
        responses={
            200: TokenRefreshResponseSerializer,
            **error_responses(401, 403, 409),
        },
    )
    def post(self, request: Request) -> Response:
        serializer = TokenRefreshSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        refreshed = services.session_refresh(
            refresh_token=serializer.validated_data["refresh_token"],
            **request_origin(request)._asdict(),
        )
        body = {
            **token_answer(refreshed.session, refreshed.token, refreshed.refresh_token),
            "session": refreshed.session,
        }
        context = {"current_session": refreshed.session}
        return Response(TokenRefreshResponseSerializer(body, context=context).data)

    def get_authenticate_header(self, request: Request) -> str:
        return "Token"  # an unknown refresh token is a 401 like an unknown token
