"""The project's routes plus one that crashes, for the 500 tests."""

from django.urls import path
from rest_framework.permissions import AllowAny
from rest_framework.views import APIView

from config.urls import urlpatterns as project_urlpatterns


class CrashView(APIView):
    authentication_classes = []
    permission_classes = [AllowAny]

    def get(self, request):
        raise RuntimeError("boom")

    def post(self, request):
        _ = request.data  # parsed, as a real view would
        raise RuntimeError("boom")


urlpatterns = [
    path("api/v1/crash/", CrashView.as_view(), name="crash"),
    *project_urlpatterns,
]
