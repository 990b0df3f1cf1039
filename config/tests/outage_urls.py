"""The project's routes plus views that meet an unavailable dependency, or a bug."""

from django.db import IntegrityError, OperationalError
from django.urls import path
from rest_framework.permissions import AllowAny
from rest_framework.views import APIView

from config.cache import CacheUnavailable
from config.urls import urlpatterns as project_urlpatterns

RAISED = {
    "database": OperationalError("could not connect to server: Connection refused"),
    "cache": CacheUnavailable("Redis did not answer"),
    "bug": IntegrityError("duplicate key value violates unique constraint"),
}


class OutageView(APIView):
    authentication_classes = []
    permission_classes = [AllowAny]

    def get(self, request, what):
        raise RAISED[what]


urlpatterns = [
    path("api/v1/outage/<str:what>/", OutageView.as_view(), name="outage"),
    *project_urlpatterns,
]
handler404 = "config.errors.json_not_found"
handler500 = "config.errors.json_server_error"
