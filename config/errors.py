"""One error shape for the whole API: `{"detail", "code"}` plus `fields` on 400."""

import logging

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, status
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.serializers import as_serializer_error

logger = logging.getLogger("config.errors")

SERVER_ERROR_DETAIL = _("Something went wrong")
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
    """Django's handler500: JSON with the request id the log line carries."""
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
