"""OpenAPI (Swagger 2.0) generation: one error schema, tags and security per area."""

from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.db import models
from drf_yasg import openapi
from drf_yasg.app_settings import swagger_settings
from drf_yasg.inspectors import FieldInspector, SwaggerAutoSchema
from rest_framework import serializers
from rest_framework.views import APIView


class ErrorSerializer(serializers.Serializer):
    """Every error body: a sentence for people and a stable code for programs."""

    detail = serializers.CharField()
    code = serializers.CharField()
    fields = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        required=False,
        help_text="Only with code `invalid`: the messages for each field.",
    )


ERROR_DESCRIPTIONS = {
    400: "Invalid input: `invalid` (with `fields`), `invalid_credentials`, "
    "`parse_error`.",
    401: "No or unknown credentials: `not_authenticated`, `authentication_failed`; "
    "an access token past its lifetime or idle timeout: `token_expired` (refresh it).",
    403: "The credential's session has ended (`session_superseded`, "
    "`session_terminated`, `session_expired`, `session_logged_out`, "
    "`session_password_changed`, `session_revoked`, "
    "`account_disabled`) or the route is for staff (`permission_denied`, also a "
    "missing CSRF token on a cookie request; `mfa_required` under the staff policy "
    "of two factors); a sensitive change without a recent step-up: "
    "`reauthentication_required`.",
    404: "Not found, or not yours: `not_found`.",
    409: "The session policy refuses a new session: `session_limit_reached`; a "
    "refresh token sent again just after its exchange: `refresh_conflict`.",
    413: "The body is larger than 64 KiB: `request_too_large`.",
    415: "The body is not JSON or form data: `unsupported_media_type`.",
    429: "Too many requests: `throttled` (see `Retry-After`).",
    503: "The database does not answer: `database_unavailable`.",
}

# Path prefix -> tag, most specific first; Swagger UI groups operations by tag.
TAGS = [
    ("/api/v1/auth/users/me/sessions", "sessions"),
    ("/api/v1/auth/users/me/activity", "activity"),
    ("/api/v1/auth/users/me/events", "events"),
    ("/api/v1/auth/users/me", "me"),
    ("/api/v1/auth/", "auth"),
    ("/api/v1/users/{mobile}/sessions", "staff"),
    ("/api/v1/sessions/", "staff"),
    ("/api/v1/events/", "staff"),
    ("/api/v1/users/", "users"),
    ("/api/v1/activity/", "activity"),
    ("/api/v1/health/", "health"),
    ("/api/v1/messages/", "messaging"),
    ("/api/v1/blocks/", "messaging"),
    ("/", "original routes"),
]


def error_responses(*statuses: int) -> dict[int, openapi.Response]:
    """Declare error answers in the shared error schema, for `swagger_auto_schema`."""
    return {
        status: openapi.Response(ERROR_DESCRIPTIONS[status], ErrorSerializer)
        for status in statuses
    }


def _model_field(field: serializers.Field) -> models.Field | None:
    meta = getattr(field.parent, "Meta", None)
    model = getattr(meta, "model", None)
    if model is None or not field.source or "." in field.source or field.source == "*":
        return None
    try:
        model_field = model._meta.get_field(field.source)
    except FieldDoesNotExist:
        return None
    return (
        model_field if isinstance(model_field, models.Field) else None
    )  # not a relation


class ModelBlankAndNullInspector(FieldInspector):
    """Read-only model fields may be blank or null as the model allows: say so.

    DRF builds read-only fields without `allow_blank`/`allow_null`, so drf-yasg would
    promise `minLength: 1` (and an email format) for a value that can be "".
    """

    def process_result(
        self, result: Any, method_name: str, obj: Any, **kwargs: Any
    ) -> Any:
        if not (
            isinstance(result, openapi.Schema)
            and isinstance(obj, serializers.Field)
            and obj.read_only
        ):
            return result
        model_field = _model_field(obj)
        if model_field is None:
            return result
        if model_field.null:
            result["x-nullable"] = True
        if model_field.blank and result.get("type") == openapi.TYPE_STRING:
            result.pop("minLength", None)
            result.pop("format", None)
            if "enum" in result and "" not in result["enum"]:
                result["enum"] = [*result["enum"], ""]
        return result


class ApiAutoSchema(SwaggerAutoSchema):
    """Add the error answers every operation can give, and its tag and security."""

    field_inspectors = [
        ModelBlankAndNullInspector,
        *swagger_settings.DEFAULT_FIELD_INSPECTORS,
    ]

    def get_response_serializers(self) -> dict:
        responses = super().get_response_serializers()
        for status, response in error_responses(*self._implied_errors()).items():
            responses.setdefault(str(status), response)
        return responses

    def _implied_errors(self) -> list[int]:
        statuses = []
        if getattr(self.view, "authentication_classes", None):
            statuses += [401, 403]
        if self.method in ("POST", "PUT", "PATCH"):
            statuses += [400, 413, 415]
        elif self.get_query_parameters():
            statuses.append(400)  # a bad filter or flag in the query string
        if "{" in self.path or (self.method == "GET" and self.should_page()):
            statuses.append(404)
        if getattr(self.view, "throttle_classes", None):
            statuses.append(429)
        return statuses

    def get_security(self) -> list | None:
        security = super().get_security()
        if security is None and not getattr(self.view, "authentication_classes", None):
            return []  # a public endpoint: no credentials needed
        return security

    def get_tags(self, operation_keys: tuple[str, ...] | None = None) -> list[str]:
        if self.overrides.get("tags"):
            return self.overrides["tags"]
        for prefix, tag in TAGS:
            if self.path.startswith(prefix):
                return [tag]
        return super().get_tags(operation_keys)


API_INFO = openapi.Info(
    title="Session-managed authentication API",
    default_version="v1",
    description=(
        "Sign up, sign in from a browser (cookie) or a REST client (token), and manage "
        "sessions under a policy (default: one live session per user). Send "
        "`Authorization: Token <token>` from `POST /api/v1/auth/login/`. Every error "
        "is "
        '`{"detail", "code"}` (+ `fields` on 400).'
    ),
)


def build_schema_view() -> type[APIView]:
    """The public schema view behind `/swagger.json`, `/docs/` and `/redoc/`.

    It reads the browser's cookie session (never required) so Swagger UI can offer
    "Django Logout" to a signed-in visitor; the schema is the same for everybody.
    """
    from drf_yasg.views import get_schema_view
    from rest_framework.permissions import AllowAny

    from sessions_app.authentication import CookieSessionAuthentication

    return get_schema_view(
        API_INFO,
        public=True,
        permission_classes=[AllowAny],
        authentication_classes=[CookieSessionAuthentication],
    )
