"""Input validation and output shapes for sign-in and sessions."""

from ipaddress import IPv4Network, IPv6Network, ip_network
from typing import Any

from django.db import connection
from django.utils.translation import gettext_lazy as _
from drf_yasg.utils import swagger_serializer_method
from phonenumber_field.serializerfields import PhoneNumberField
from rest_framework import serializers

from accounts.models import User
from accounts.serializers import (
    UserSerializer,
    drf_datetime,
    user_representation,
)
from sessions_app.models import EventKind, SecurityEvent, UserSession
from sessions_app.selectors import SESSION_STATUSES


class LoginSerializer(serializers.Serializer):
    """Sign in with a username or a mobile number, and the password."""

    username = serializers.CharField(required=False, max_length=150)
    mobile = PhoneNumberField(
        required=False,
        help_text="Any spelling: 9012345678, +91 90123 45678, +919012345678.",
    )
    password = serializers.CharField(
        trim_whitespace=False, max_length=128, style={"input_type": "password"}
    )
    force = serializers.BooleanField(
        required=False,
        default=False,
        help_text="With ON_LIMIT=refuse_new: end the other sessions, do not refuse.",
    )
    device_token = serializers.CharField(
        required=False,
        max_length=512,
        help_text="The `device_token` an earlier login on this device answered.",
    )

    default_error_messages = {
        "username_and_mobile": _("Send a username or a mobile number, not both."),
    }

    def validate(self, attrs: dict) -> dict:
        if attrs.get("username") and attrs.get("mobile"):
            self.fail("username_and_mobile")  # which account was meant is ambiguous
        if not attrs.get("username") and not attrs.get("mobile"):
            raise serializers.ValidationError(
                {"username": [_("Give a username or a mobile number.")]}
            )
        return attrs


class DeviceInfoSerializer(serializers.Serializer):
    browser = serializers.CharField()
    os = serializers.CharField(
        allow_blank=True, help_text="Empty when the client says none."
    )
    device = serializers.CharField(source="device_type")


class SessionSerializer(serializers.ModelSerializer):
    """A session as its owner sees it; never a token or cookie key."""

    device_info = DeviceInfoSerializer(source="*", read_only=True)
    is_current = serializers.SerializerMethodField()

    class Meta:
        model = UserSession
        fields = [
            "id",
            "device_name",
            "device_info",
            "ip_address",
            "user_agent",
            "location",
            "login_method",
            "transport",
            "is_active",
            "is_current",
            "created_at",
            "last_activity",
            "expires_at",
            "ended_at",
            "end_reason",
        ]
        read_only_fields = fields

    def get_is_current(self, session: UserSession) -> bool:
        current = self.context.get("current_session")
        return current is not None and current.pk == session.pk


def _text(value: Any) -> str | None:
    """A value as DRF's `CharField` and `ChoiceField` give it: str, or None."""
    return None if value is None else str(value)


def session_representation(
    session: UserSession, *, current_session: UserSession | None
) -> dict[str, Any]:
    """Return `SessionSerializer(session).data`, written out (see
    `accounts.serializers.user_representation`; sessions_app/tests/
    test_fast_representation.py keeps the two identical)."""
    return {
        "id": str(session.id),
        "device_name": session.device_name,
        "device_info": {
            "browser": session.browser,
            "os": session.os,
            "device": session.device_type,
        },
        "ip_address": _text(session.ip_address),
        "user_agent": session.user_agent,
        "location": session.location,
        "login_method": _text(session.login_method),
        "transport": _text(session.transport),
        "is_active": session.is_active,
        "is_current": current_session is not None and current_session.pk == session.pk,
        "created_at": drf_datetime(session.created_at),
        "last_activity": drf_datetime(session.last_activity),
        "expires_at": drf_datetime(session.expires_at),
        "ended_at": drf_datetime(session.ended_at),
        "end_reason": _text(session.end_reason),
    }


class LoginResponseSerializer(serializers.Serializer):
    """What a token login answers: the tokens are shown this once."""

    user = UserSerializer()
    token = serializers.CharField()
    expires_at = serializers.DateTimeField(help_text="When the access token expires.")
    refresh_token = serializers.CharField()
    refresh_expires_at = serializers.DateTimeField(
        help_text="When the session ends unless it is refreshed before."
    )
    session = SessionSerializer()
    ended_sessions = SessionSerializer(many=True)
    message = serializers.CharField()
    device_token = serializers.CharField(
        help_text="This device's credential: send it back as `device_token` on the "
        "next login, so others' failed guesses never lock you out."
    )


class RegisterResponseSerializer(serializers.Serializer):
    """What registration answers: the new user and its first session's tokens."""

    user = UserSerializer()
    token = serializers.CharField()
    expires_at = serializers.DateTimeField(help_text="When the access token expires.")
    refresh_token = serializers.CharField()
    refresh_expires_at = serializers.DateTimeField(
        help_text="When the session ends unless it is refreshed before."
    )
    session = SessionSerializer()
    device_token = serializers.CharField(
        help_text="This device's credential: send it back as `device_token` on the "
        "next login, so others' failed guesses never lock you out."
    )


class TokenRefreshSerializer(serializers.Serializer):
    """The refresh token from the login (or the last refresh); nothing else."""

    refresh_token = serializers.CharField(max_length=256, trim_whitespace=False)


class TokenRefreshResponseSerializer(serializers.Serializer):
    """A new access token and refresh token for the same session, shown this once."""

    token = serializers.CharField()
    expires_at = serializers.DateTimeField(help_text="When the access token expires.")
    refresh_token = serializers.CharField()
    refresh_expires_at = serializers.DateTimeField(
        help_text="When the session ends unless it is refreshed before."
    )
    session = SessionSerializer()


class CsrfTokenSerializer(serializers.Serializer):
    csrf_token = serializers.CharField(
        help_text="Send it back in the X-CSRFToken header of unsafe requests."
    )


class BrowserLoginResponseSerializer(serializers.Serializer):
    """What the JSON cookie login answers: no token, the session is the cookie."""

    user = UserSerializer()
    session = SessionSerializer()
    ended_sessions = SessionSerializer(many=True)
    message = serializers.CharField()


class EndedCountSerializer(serializers.Serializer):
    ended_count = serializers.IntegerField()


class CurrentUserSerializer(UserSerializer):
    """The signed-in user's own data and the session making the request."""

    session = serializers.SerializerMethodField()

    class Meta(UserSerializer.Meta):
        fields = [*UserSerializer.Meta.fields, "session"]
        read_only_fields = fields

    @swagger_serializer_method(serializer_or_field=SessionSerializer)
    def get_session(self, user: User) -> dict:
        return SessionSerializer(
            self.context["current_session"], context=self.context
        ).data


def current_user_representation(user: User, *, session: UserSession) -> dict[str, Any]:
    """Return `CurrentUserSerializer(user).data` for the session making the request,
    written out (`GET /me/`: `make bench` measured 1.54-1.71x the req/s of stock
    DRF's `/me/`, a ModelSerializer of the user alone; 0.98x through the serializer).
    """
    return {
        **user_representation(user),
        "session": session_representation(session, current_session=session),
    }


class SessionListQuerySerializer(serializers.Serializer):
    status = serializers.ChoiceField(
        choices=SESSION_STATUSES,
        default="active",
        help_text="active (default), ended or all.",
    )


class EndAllSessionsQuerySerializer(serializers.Serializer):
    keep_current = serializers.BooleanField(
        default=True,
        help_text="false ends the session making the request too, as a logout.",
    )


class StaffLookupQuerySerializer(serializers.Serializer):
    verbose = serializers.BooleanField(
        default=False, help_text="true also lists the user's ended sessions."
    )


class EndedSessionSerializer(serializers.Serializer):
    ended_session = SessionSerializer()


class StaffUserSessionsSerializer(serializers.Serializer):
    """A user's sessions as staff see them."""

    id = serializers.UUIDField()
    username = serializers.CharField()
    mobile = serializers.CharField()
    mfa_enabled = serializers.BooleanField(help_text="Two-factor sign-in is on.")
    active_sessions = SessionSerializer(many=True)
    sessions = SessionSerializer(
        many=True,
        required=False,
        help_text="Only with verbose=true: the latest sessions, "
        "ended ones too (at most 100).",
    )


class SecurityEventSerializer(serializers.ModelSerializer):
    """A security event as its user sees it."""

    class Meta:
        model = SecurityEvent
        fields = [
            "id",
            "kind",
            "session",
            "ip_address",
            "device_name",
            "location",
            "created_at",
            "detail",
        ]
        read_only_fields = fields


def security_event_representation(event: SecurityEvent) -> dict[str, Any]:
    """Return `SecurityEventSerializer(event).data`, written out."""
    return {
        "id": event.id,
        "kind": _text(event.kind),
        "session": _text(event.session_id),
        "ip_address": _text(event.ip_address),
        "device_name": event.device_name,
        "location": event.location,
        "created_at": drf_datetime(event.created_at),
        "detail": event.detail,
    }


class MessageSerializer(serializers.Serializer):
    detail = serializers.CharField()


class EmailVerifySerializer(serializers.Serializer):
    """The token from an email verification link."""

    token = serializers.CharField(max_length=512)


class EmailVerifiedSerializer(serializers.Serializer):
    """The address that is now the account's verified one."""

    email = serializers.EmailField(read_only=True)
    email_verified = serializers.BooleanField(read_only=True)


class ReauthenticateSerializer(serializers.Serializer):
    """The account's password, or a code of its authenticator app, to confirm it is
    still you ("sudo mode")."""

    password = serializers.CharField(
        required=False,
        trim_whitespace=False,
        max_length=128,
        style={"input_type": "password"},
    )
    code = serializers.CharField(
        required=False,
        max_length=16,
        help_text="Instead of the password, with two-factor sign-in on: the 6-digit "
        "code your authenticator app shows.",
    )

    default_error_messages = {
        "password_and_code": _("Send the password or a code, not both."),
    }

    def validate_code(self, value: str) -> str:
        code = "".join(value.split())
        if not (len(code) == 6 and code.isascii() and code.isdigit()):
            raise serializers.ValidationError(
                _("Enter the 6-digit code from your app.")
            )
        return code

    def validate(self, attrs: dict) -> dict:
        if "password" in attrs and "code" in attrs:
            self.fail("password_and_code")
        if "password" not in attrs and "code" not in attrs:
            raise serializers.ValidationError(
                {"password": [_("This field is required.")]}
            )
        return attrs


class ReauthenticatedSerializer(serializers.Serializer):
    """Until when sensitive changes pass without asking again."""

    reauthenticated_until = serializers.DateTimeField(read_only=True)


class IPAddressOrNetworkField(serializers.CharField):
    """An IP address, or a CIDR range (`10.0.0.0/8`) where the database can search one.

    Becomes an `ip_network`: an address is a network of one. Ranges need PostgreSQL
    (`inet`); elsewhere only single addresses are accepted.
    """

    default_error_messages = {
        "invalid_network": _("Enter an IP address or a CIDR range such as 10.0.0.0/8."),
        "range_unsupported": _(
            "Address ranges need PostgreSQL; this server searches single addresses."
        ),
    }

    def to_internal_value(self, data: Any) -> IPv4Network | IPv6Network:
        text = super().to_internal_value(data)
        if len(text) > 64 or "%" in text:  # no IPv6 zone: the database stores none
            self.fail("invalid_network")
        try:
            network = ip_network(text, strict=False)
        except ValueError:
            self.fail("invalid_network")
        if network.num_addresses > 1 and connection.vendor != "postgresql":
            self.fail("range_unsupported")
        return network


class SearchPeriodMixin:
    """Refuse a period that ends before it starts (`<start>` < `<end>`)."""

    period_fields: tuple[str, str]

    def validate(self, attrs: dict) -> dict:
        start, end = (attrs.get(name) for name in self.period_fields)
        if start is not None and end is not None and start >= end:
            raise serializers.ValidationError(
                {self.period_fields[1]: [_("Must be later than the start.")]}
            )
        return attrs


class StaffSessionSearchQuerySerializer(SearchPeriodMixin, serializers.Serializer):
    period_fields = ("created_after", "created_before")

    user = serializers.CharField(
        required=False,
        max_length=150,
        help_text="A username (any case) or a mobile number (any spelling).",
    )
    ip = IPAddressOrNetworkField(
        required=False,
        help_text="An IP address, or a CIDR range such as 10.0.0.0/8 (PostgreSQL).",
    )
    location = serializers.CharField(
        required=False, max_length=64, help_text="A country name, any case."
    )
    device = serializers.CharField(
        required=False,
        max_length=140,
        help_text="Part of the device name or the user agent, any case.",
    )
    status = serializers.ChoiceField(
        choices=SESSION_STATUSES,
        default="all",
        help_text="all (default), active or ended.",
    )
    created_after = serializers.DateTimeField(
        required=False, help_text="Started at or after (ISO 8601)."
    )
    created_before = serializers.DateTimeField(
        required=False, help_text="Started before (ISO 8601)."
    )


class StaffEventSearchQuerySerializer(SearchPeriodMixin, serializers.Serializer):
    period_fields = ("after", "before")

    user = serializers.CharField(
        required=False,
        max_length=150,
        help_text="A username (any case) or a mobile number (any spelling).",
    )
    kind = serializers.ChoiceField(choices=EventKind.choices, required=False)
    ip = IPAddressOrNetworkField(
        required=False,
        help_text="An IP address, or a CIDR range such as 10.0.0.0/8 (PostgreSQL).",
    )
    after = serializers.DateTimeField(
        required=False, help_text="At or after (ISO 8601)."
    )
    before = serializers.DateTimeField(required=False, help_text="Before (ISO 8601).")


class StaffUserSummarySerializer(serializers.Serializer):
    id = serializers.UUIDField(read_only=True)
    username = serializers.CharField(read_only=True)


class StaffSessionSerializer(SessionSerializer):
    """A session as staff see it in a search: whose it is, never a credential."""

    user = StaffUserSummarySerializer(read_only=True)

    class Meta(SessionSerializer.Meta):
        fields = ["id", "user", *SessionSerializer.Meta.fields[1:]]
        read_only_fields = fields


class StaffSecurityEventSerializer(serializers.ModelSerializer):
    """A security event as staff see it in a search."""

    user = StaffUserSummarySerializer(read_only=True, allow_null=True)

    class Meta:
        model = SecurityEvent
        fields = [
            "id",
            "user",
            "kind",
            "session",
            "ip_address",
            "user_agent",
            "device_name",
            "location",
            "created_at",
            "detail",
        ]
        read_only_fields = fields
