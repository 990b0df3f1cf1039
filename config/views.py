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

from config.errors import NOT_FOUND_DETAIL, DatabaseUnavailable, error_response
from config.schema import error_responses


class HealthSerializer(serializers.Serializer):
    """The service is up and its database answers."""

    status = serializers.CharField()
    database = serializers.CharField()


class HealthView(APIView):
    """Report whether the service and its database answer."""

    authentication_classes = []
    permission_classes = [AllowAny]

    @swagger_auto_schema(responses={200: HealthSerializer, **error_responses(503)})
    def get(self, request: Request) -> Response:
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1")
        except DatabaseError:
            raise DatabaseUnavailable() from None
        return Response({"status": "ok", "database": "ok"})


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
