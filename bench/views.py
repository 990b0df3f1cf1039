"""One tiny view behind three kinds of authentication, for `make bench`."""

from rest_framework.authentication import TokenAuthentication as DrfTokenAuthentication
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from sessions_app.authentication import TokenAuthentication
from sessions_app.permissions import HasLiveSession


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
