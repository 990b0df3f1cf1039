"""OpenAPI (Swagger 2.0) generation: one error schema, tags and security per area."""

from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.db import models
from drf_yasg import openapi
from drf_yasg.app_settings import swagger_settings
from drf_yasg.generators import OpenAPISchemaGenerator
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
    ("/api/v1/auth/users/me", "me"),
    ("/api/v1/auth/password/reset", "sign-in"),
    ("/api/v1/auth/password/", "me"),
    ("/api/v1/auth/reauthenticate/", "me"),
    ("/api/v1/auth/mfa/", "me"),
    ("/api/v1/auth/", "sign-in"),
    ("/api/v1/users/signup/", "sign-in"),
    ("/api/v1/users/{mobile}/", "staff"),
    ("/api/v1/sessions/", "staff"),
    ("/api/v1/events/", "staff"),
    ("/api/v1/activity/", "staff"),
    ("/api/v1/users/", "users"),
    ("/api/v1/messages/", "messaging"),
    ("/api/v1/blocks/", "messaging"),
    ("/api/v1/", "health"),  # the API root and the health check
    ("/", "original routes"),
]
# The tags in the order the docs show them, each with a line saying what it holds.
TAG_DESCRIPTIONS = {
    "sign-in": "Register, sign in (token or browser cookie), two-factor, refresh, "
    "sign out, reset a forgotten password.",
    "me": "Your account, its security events, password, step-up and two factors.",
    "sessions": "Your sessions: list them, end one, end all the others.",
    "users": "The members of the service.",
    "staff": "Staff only: anyone's sessions, events and activity; end a session.",
    "activity": "Your own activity periods (one per session).",
    "messaging": "Messages between members, and blocks.",
    "health": "The API root (where everything is) and the health check.",
    "original routes": "The original projects' routes, kept answering as their v1 "
    "twins.",
}

# (method, path) -> operation id, for ids that read well in generated clients. The
# original routes share their views with v1: theirs start with `legacy_`.
OPERATION_IDS = {
    ("post", "/api/v1/auth/register/"): "register",
    ("post", "/api/v1/auth/login/"): "login",
    ("post", "/api/v1/auth/login/mfa/"): "login_mfa",
    ("post", "/api/v1/auth/logout/"): "logout",
    ("post", "/api/v1/auth/token/refresh/"): "token_refresh",
    ("get", "/api/v1/auth/csrf/"): "browser_csrf",
    ("post", "/api/v1/auth/browser/login/"): "browser_login",
    ("post", "/api/v1/auth/browser/login/mfa/"): "browser_login_mfa",
    ("post", "/api/v1/auth/browser/logout/"): "browser_logout",
    ("post", "/api/v1/auth/password/"): "password_change",
    ("post", "/api/v1/auth/password/reset/"): "password_reset",
    ("post", "/api/v1/auth/password/reset/confirm/"): "password_reset_confirm",
    ("post", "/api/v1/auth/email/verify/"): "email_verify",
    ("post", "/api/v1/auth/reauthenticate/"): "reauthenticate",
    ("get", "/api/v1/auth/users/me/"): "me_get",
    ("patch", "/api/v1/auth/users/me/"): "me_update",
    ("get", "/api/v1/auth/users/me/events/"): "events_list",
    ("get", "/api/v1/auth/users/me/activity/"): "activity_list",
    ("get", "/api/v1/auth/users/me/sessions/"): "sessions_list",
    ("get", "/api/v1/auth/users/me/sessions/{id}/"): "sessions_get",
    ("get", "/api/v1/auth/mfa/"): "mfa_status",
    ("post", "/api/v1/auth/mfa/totp/setup/"): "mfa_totp_setup",
    ("post", "/api/v1/auth/mfa/totp/confirm/"): "mfa_totp_confirm",
    ("post", "/api/v1/auth/mfa/recovery-codes/"): "mfa_recovery_codes_regenerate",
    ("delete", "/api/v1/auth/mfa/totp/"): "mfa_totp_disable",
    ("get", "/api/v1/users/"): "users_list",
    ("post", "/api/v1/users/signup/"): "signup",
    ("get", "/api/v1/users/{mobile}/sessions/"): "staff_user_sessions",
    ("delete", "/api/v1/users/{mobile}/mfa/"): "staff_mfa_reset",
    ("get", "/api/v1/sessions/"): "staff_sessions_search",
    ("delete", "/api/v1/sessions/{id}/"): "staff_session_end",
    ("get", "/api/v1/events/"): "staff_events_search",
    ("get", "/api/v1/activity/members/"): "staff_members_activity",
    ("get", "/api/v1/health/"): "health",
    ("get", "/api/v1/messages/"): "messages_list",
    ("post", "/api/v1/messages/"): "messages_send",
    ("get", "/api/v1/messages/sent/"): "messages_sent",
    ("get", "/api/v1/messages/received/"): "messages_received",
    ("get", "/api/v1/blocks/"): "blocks_list",
    ("post", "/api/v1/blocks/"): "blocks_create",
    ("delete", "/api/v1/blocks/{username}/"): "blocks_delete",
}

# operation id -> summary, where the view's docstring gives none that reads well
SUMMARIES = {
    "me_get": "Your account and the current session",
    "sessions_list": "List your sessions",
    "sessions_get": "Read one of your sessions",
    "staff_user_sessions": "Staff: a user's sessions, by mobile number",
    "staff_sessions_search": "Staff: search everyone's sessions",
    "staff_session_end": "Staff: end a user's session",
    "staff_events_search": "Staff: search everyone's security events",
    "staff_mfa_reset": "Staff: reset a user's two-factor sign-in",
    "legacy_users_session_read": "Staff: a user's sessions, by mobile number",
    "legacy_users_session_v_list": "Staff: a user's sessions, ended ones too",
}
SUMMARY_MAX_LENGTH = 80


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

    def get_operation_id(self, operation_keys: tuple[str, ...] | None = None) -> str:
        known = OPERATION_IDS.get((self.method.lower(), self.path))
        if known:
            return known
        operation_id = super().get_operation_id(operation_keys)
        if not self.path.startswith("/api/v1/"):
            return f"legacy_{operation_id}".replace("-", "_")
        return operation_id.removeprefix("api_v1_").replace("-", "_")

    def get_summary_and_description(self) -> tuple[str | None, str]:
        """Every operation gets a summary: the table's, the docstring's first
        paragraph, or its first sentence."""
        summary, description = super().get_summary_and_description()
        known = SUMMARIES.get(self.get_operation_id())
        if known:
            return known, description
        if summary or not description:
            summary = summary or self.get_operation_id().replace("_", " ")
            return summary.rstrip("."), description
        first = description.split("\n\n", 1)[0].replace("\n", " ").strip()
        sentence = first.split(". ", 1)[0].split("; ", 1)[0].rstrip(".")
        if len(sentence) > SUMMARY_MAX_LENGTH:
            sentence = sentence[: SUMMARY_MAX_LENGTH - 1].rsplit(" ", 1)[0] + "…"
        return sentence, description

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


class ApiSchemaGenerator(OpenAPISchemaGenerator):
    """List the tags in the order the docs should show them, each described."""

    def get_schema(self, request: Any = None, public: bool = False) -> openapi.Swagger:
        schema = super().get_schema(request, public)
        used = {
            tag
            for item in schema["paths"].values()
            for operation in item.values()
            if isinstance(operation, dict)
            for tag in operation.get("tags", [])
        }
        schema["tags"] = [
            {"name": name, "description": text}
            for name, text in TAG_DESCRIPTIONS.items()
            if name in used
        ]
        return schema


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
        generator_class=ApiSchemaGenerator,
        permission_classes=[AllowAny],
        authentication_classes=[CookieSessionAuthentication],
    )
