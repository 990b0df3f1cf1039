"""Request guards that must answer in JSON before or around any view."""

import logging
import uuid
from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from rest_framework.exceptions import APIException

from config import db
from config.errors import (
    NOT_FOUND_DETAIL,
    dependency_outage,
    error_response,
    json_server_error,
    service_unavailable_response,
)

logger = logging.getLogger("config.errors")


def _declared_length(request: HttpRequest) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0


class ApiMiddleware:
    """Tag each request with an id, refuse oversized bodies, answer crashes in JSON,
    and keep API answers (tokens, sessions, events) out of every cache.

    Every query a request makes runs under the database deadlines of config/db.py,
    and an unavailable database or cache is a 503 `service_unavailable`, not a 500."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        db.install()

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.request_id = uuid.uuid4().hex
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if limit is not None and _declared_length(request) > limit:
            response = error_response(
                413,
                _("The request body is larger than %(size)d KiB.")
                % {"size": limit // 1024},
                "request_too_large",
            )
        else:
            with db.web_request():
                response = self.get_response(request)
        response["X-Request-ID"] = request.request_id
        if request.path.startswith("/api/"):
            add_never_cache_headers(response)  # Cache-Control: no-store, among others
        return response

    def process_exception(
        self, request: HttpRequest, exception: Exception
    ) -> HttpResponse | None:
        if isinstance(exception, Http404) and request.path.startswith("/api/"):
            # Django's DEBUG page would answer HTML here; the API's 404 is one sentence.
            return error_response(404, NOT_FOUND_DETAIL, "not_found")
        if isinstance(exception, (Http404, PermissionDenied, SuspiciousOperation)):
            return None  # Django answers these itself
        if isinstance(
            exception, APIException
        ):  # raised outside DRF, e.g. by a receiver
            return error_response(
                exception.status_code, exception.detail, exception.get_codes()
            )
        if settings.DEBUG and not request.path.startswith("/api/"):
            return None  # keep Django's debug page for the admin and browsable pages
        dependency = dependency_outage(exception)
        if dependency is not None:
            return service_unavailable_response(request, exception, dependency)
        logger.error(
            "Unhandled %s on %s %s [request_id=%s]",
            type(exception).__name__,
            request.method,
            request.path,
            request.request_id,
            exc_info=exception,
        )
        return json_server_error(request)
