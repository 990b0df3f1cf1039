"""Input validation and output shapes for sign-in and sessions."""
from django.utils.translation import gettext_lazy as _
from phonenumber_field.serializerfields import PhoneNumberField
from rest_framework import serializers

from accounts.serializers import UserSerializer
from sessions_app.models import UserSession


class LoginSerializer(serializers.Serializer):
    """Sign in with a username or a mobile number, and the password."""

    username = serializers.CharField(required=False, max_length=150)
    mobile = PhoneNumberField(
        required=False, help_text="Any spelling: 9012345678, +91 90123 45678, +919012345678."
    )
    password = serializers.CharField(
        trim_whitespace=False, max_length=128, style={"input_type": "password"}
    )
    force = serializers.BooleanField(
        required=False, default=False,
        help_text="With ON_LIMIT=refuse_new: end the other sessions instead of refusing.",
    )

    def validate(self, attrs: dict) -> dict:
        if not attrs.get("username") and not attrs.get("mobile"):
            raise serializers.ValidationError(
                {"username": [_("Give a username or a mobile number.")]}
            )
        return attrs


class DeviceInfoSerializer(serializers.Serializer):
    browser = serializers.CharField()
    os = serializers.CharField()
    device = serializers.CharField(source="device_type")


class SessionSerializer(serializers.ModelSerializer):
    """A session as its owner sees it; never a token or cookie key."""

    device_info = DeviceInfoSerializer(source="*", read_only=True)
    is_current = serializers.SerializerMethodField()

    class Meta:
        model = UserSession
        fields = [
            "id", "device_name", "device_info", "ip_address", "user_agent", "location",
            "login_method", "transport", "is_active", "is_current", "created_at",
            "last_activity", "expires_at", "ended_at", "end_reason",
        ]
        read_only_fields = fields

    def get_is_current(self, session: UserSession) -> bool:
        current = self.context.get("current_session")
        return current is not None and current.pk == session.pk


class LoginResponseSerializer(serializers.Serializer):
    """What a token login answers: the token is shown this once."""

    user = UserSerializer()
    token = serializers.CharField()
    expires_at = serializers.DateTimeField()
    session = SessionSerializer()
    ended_sessions = SessionSerializer(many=True)
    message = serializers.CharField()


class RegisterResponseSerializer(serializers.Serializer):
    """What registration answers: the new user and its first session's token."""

    user = UserSerializer()
    token = serializers.CharField()
    expires_at = serializers.DateTimeField()
    session = SessionSerializer()


class EndedCountSerializer(serializers.Serializer):
    ended_count = serializers.IntegerField()
