"""Base classes shared by the API views of every app."""

from rest_framework.permissions import AllowAny
from rest_framework.views import APIView

from config.throttling import ClientIPThrottle


class PublicAPIView(APIView):
    """A sign-in endpoint anyone may call: no credentials read, throttled per client IP.

    No authentication classes, so a stale token left in a client's headers never blocks
    a new login.
    """

    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_classes = [ClientIPThrottle]
