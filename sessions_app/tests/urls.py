"""Test-only routes: the project's URLs plus two tiny views that probe authentication.

Use with `@pytest.mark.urls("sessions_app.tests.urls")`.
"""

from django.urls import path
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from config.urls import urlpatterns as project_urlpatterns


class WhoAmIView(APIView):
    """Keep the default permissions; answer the user's name and nothing else."""

    def get(self, request: Request) -> Response:
        return Response({"username": request.user.username})


class OwnPermissionsView(WhoAmIView):
    """Replace the default permissions, as a careless view might."""

    permission_classes = [IsAuthenticated]


# Before the project's patterns: its catch-all answers every unknown /api/ path.
urlpatterns = [
    path("test-only/whoami/", WhoAmIView.as_view(), name="test-whoami"),
    path(
        "test-only/own-permissions/",
        OwnPermissionsView.as_view(),
        name="test-own-permissions",
    ),
    *project_urlpatterns,
]
