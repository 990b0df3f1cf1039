"""Bench-only views for `make bench`: one tiny view behind four kinds of
authentication, and the stock-DRF peer of `GET /api/v1/auth/users/me/`."""

from rest_framework.authentication import TokenAuthentication as DrfTokenAuthentication
from rest_framework.authentication import get_authorization_header
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.generics import RetrieveAPIView
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import ModelSerializer
from rest_framework.views import APIView

from accounts.models import User
from accounts.serializers import UserSerializer
from sessions_app import services
from sessions_app.authentication import TokenAuthentication
from sessions_app.crypto import digest
from sessions_app.models import UserSession
from sessions_app.permissions import HasLiveSession
from sessions_app.token_lookup import session_by_token_digest


class UnpreparedTokenAuthentication(TokenAuthentication):
    """`TokenAuthentication` with the token statement never PREPAREd (bench only).

    The same lookup, its SQL compiled once but run plain on every request, so next to
    the `session_token` scenario it measures what PREPARE alone gains. The bench always
    sends a well-formed `Token <token>` of a live session, so our header checks and the
    explanation of an ended session (microseconds, never reached here) are left out;
    it still fails closed.
    """

    def authenticate(self, request: Request) -> tuple[User, UserSession] | None:
        parts = get_authorization_header(request).split()
        if len(parts) != 2:
            raise AuthenticationFailed()
        token_digest = digest(parts[1].decode("ascii", errors="replace"))
        session = session_by_token_digest(token_digest, prepare=False)
        if session is None or not services.session_check_live(session=session):
            raise AuthenticationFailed()
        return session.user, session


class BareView(APIView):
    """No authentication at all: the ceiling."""

    authentication_classes = []
    permission_classes = [AllowAny]

    def get(self, request: Request) -> Response:
        return Response({"ok": True})


class DrfTokenView(BareView):
    """DRF's stock `rest_framework.authtoken` token."""

    authentication_classes = [DrfTokenAuthentication]
    permission_classes = [IsAuthenticated]


class SessionTokenView(BareView):
    """Our session token and the live-session permission, as every API view has them."""

    authentication_classes = [TokenAuthentication]
    permission_classes = [HasLiveSession, IsAuthenticated]


class UnpreparedSessionTokenView(SessionTokenView):
    """The same, with the token statement never prepared."""

    authentication_classes = [UnpreparedTokenAuthentication]


class DrfUserSerializer(ModelSerializer):
    """The user fields of our `/me/`, as plain DRF writes them: a `ModelSerializer`."""

    class Meta:
        model = User
        fields = UserSerializer.Meta.fields
        read_only_fields = fields


class DrfMeView(RetrieveAPIView):
    """The stock-DRF peer of our `/me/`: the signed-in user through a ModelSerializer,
    behind DRF's stock `rest_framework.authtoken` token (what a team writes with plain
    DRF)."""

    authentication_classes = [DrfTokenAuthentication]
    permission_classes = [IsAuthenticated]
    serializer_class = DrfUserSerializer

    def get_object(self) -> User:
        return self.request.user
