"""One error shape for the whole API: `{"detail", "code"}` plus `fields` on 400."""

import logging
import sys
import threading
import time

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DatabaseError, InterfaceError, OperationalError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, status
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.serializers import as_serializer_error

logger = logging.getLogger("config.errors")

SERVER_ERROR_DETAIL = _("Something went wrong")
SERVICE_UNAVAILABLE_DETAIL = _("The service is briefly unavailable. Please retry.")
RETRY_AFTER_SECONDS = 5
NOT_FOUND_DETAIL = _("Not found.")


class ApiError(exceptions.APIException):
    """Base for our own API errors; subclasses set status, code and sentence.

    `extra` adds documented keys to the body beside `detail` and `code`.
    """

    status_code = status.HTTP_400_BAD_REQUEST
    default_code = "error"
    default_detail = _("The request could not be completed.")
    extra: dict = {}


class InvalidCredentials(ApiError):
    default_code = "invalid_credentials"
    default_detail = _("Unable to log in with the provided credentials.")


class DatabaseUnavailable(ApiError):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_code = "database_unavailable"
    default_detail = _("The database is not answering.")
    extra = {"status": "error", "database": "unavailable"}


class RateLimitedLog:
    """Log a line at most once per `seconds` in this process; count those skipped."""

    def __init__(self, *, seconds: float) -> None:
        self.seconds = seconds
        self.skipped = 0
        self._next_at = 0.0
        self._lock = threading.Lock()

    def __call__(
        self, logger: logging.Logger, level: int, message: str, *args: object
    ) -> bool:
        with self._lock:
            now = time.monotonic()
            if now < self._next_at:
                self.skipped += 1
                return False
            self._next_at = now + self.seconds
            skipped, self.skipped = self.skipped, 0
        logger.log(level, f"{message} (%d more since the last report)", *args, skipped)
        return True


_outage_error_log = RateLimitedLog(seconds=60)


def dependency_outage(exception: BaseException) -> str | None:
    """Name the dependency an exception says is unavailable, or None if it is a bug.

    A database that refuses, drops, times out or has no free connection raises
    OperationalError or InterfaceError (or a bare DatabaseError for a connection lost
    mid-reply); IntegrityError, ProgrammingError and DataError are our own mistakes.
    """
    from config.cache import CacheUnavailable  # config.cache imports this module

    if isinstance(exception, (OperationalError, InterfaceError)):
        return "database"
    if type(exception) is DatabaseError:
        return "database"
    if isinstance(exception, CacheUnavailable):
        return "cache"
    return None


def service_unavailable_response(
    request: HttpRequest, exception: BaseException, dependency: str
) -> HttpResponse:
    """Answer 503 `service_unavailable` for an outage: one log line, no traceback."""
    request_id = getattr(request, "request_id", None)
    summary = str(exception).strip().splitlines()[0] if str(exception).strip() else ""
    logger.warning(
        "Service unavailable (%s: %s: %s) on %s %s [request_id=%s]",
        dependency,
        type(exception).__name__,
        summary,
        request.method,
        request.path,
        request_id,
    )
    _outage_error_log(
        logger,
        logging.ERROR,
        "The %s is unavailable: %s: %s; answering 503 service_unavailable",
        dependency,
        type(exception).__name__,
        summary,
    )
    response = error_response(
        503, SERVICE_UNAVAILABLE_DETAIL, "service_unavailable", request_id=request_id
    )
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response._has_been_logged = True  # django.request would log it again, with a trace
    return response


def api_exception_handler(exc: Exception, context: dict) -> Response | None:
    """Turn any API exception into the documented error body."""
    # Imported here: rest_framework.views loads the authentication classes, which
    # import this module's ApiError.
    from rest_framework.views import exception_handler

    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(as_serializer_error(exc))
    if isinstance(exc, Http404):
        # get_object_or_404's sentence names the model ("No UserSession matches the
        # given query."); views that mean a sentence raise NotFound with it.
        exc = exceptions.NotFound(NOT_FOUND_DETAIL)
    response = exception_handler(exc, context)  # DRF's default handler
    if response is None:
        return None  # not an API error: logged and answered by ApiMiddleware
    body = response.data
    if isinstance(exc, exceptions.ValidationError):
        fields = body if isinstance(body, dict) else {"non_field_errors": body}
        response.data = {
            "detail": _("Some fields are invalid."),
            "code": "invalid",
            "fields": fields,
        }
        return response
    detail = body.get("detail") if isinstance(body, dict) else None
    if detail is None:
        detail = (
            exc.default_detail if isinstance(exc, exceptions.APIException) else body
        )
    code = getattr(detail, "code", None) or getattr(exc, "default_code", "error")
    response.data = {"detail": detail, "code": code, **getattr(exc, "extra", {})}
    return response


def error_response(
    status_code: int, detail: str, code: str, **extra: object
) -> HttpResponse:
    """Build the error body outside DRF (middleware, Django's handlers, catch-alls).

    DRF's JSON renderer writes it, so these bodies are byte for byte formatted like
    the ones DRF's views answer.
    """
    renderer = JSONRenderer()
    body = renderer.render({"detail": str(detail), "code": code, **extra})
    return HttpResponse(body, status=status_code, content_type=renderer.media_type)


def json_not_found(
    request: HttpRequest, exception: Exception | None = None
) -> HttpResponse:
    """Django's handler404: JSON, like every other error."""
    return error_response(404, NOT_FOUND_DETAIL, "not_found")


def json_server_error(request: HttpRequest) -> HttpResponse:
    """Django's handler500: JSON with the request id the log line carries.

    An outage raised outside a view (a middleware's query) arrives here too: 503.
    """
    exception = sys.exc_info()[1]
    dependency = dependency_outage(exception) if exception is not None else None
    if dependency is not None:
        return service_unavailable_response(request, exception, dependency)
    request_id = getattr(request, "request_id", None)
    return error_response(
        500, SERVER_ERROR_DETAIL, "server_error", request_id=request_id
    )


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """Django's CSRF_FAILURE_VIEW: JSON under `/api/`, Django's page elsewhere."""
    if request.path.startswith("/api/"):
        return error_response(
            403, _("CSRF Failed: %(reason)s") % {"reason": reason}, "permission_denied"
        )
    from django.views.csrf import csrf_failure as django_csrf_failure

    return django_csrf_failure(request, reason=reason)
