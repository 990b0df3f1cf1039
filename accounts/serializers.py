"""Input validation and output shapes for users."""

from datetime import datetime
from typing import Any

from django.contrib.auth import password_validation
from django.contrib.auth.validators import ASCIIUsernameValidator
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from phonenumber_field.phonenumber import PhoneNumber
from phonenumber_field.serializerfields import PhoneNumberField
from rest_framework import serializers

from accounts.models import User
from accounts.selectors import (
    user_exists_with_mobile,
    user_exists_with_username,
    user_get_by_reset_token,
)
from accounts.validators import validate_time_zone


class UserSerializer(serializers.ModelSerializer):
    """A user's own data."""

    mobile = serializers.CharField(read_only=True)
    email = serializers.CharField(
        read_only=True, help_text="The verified address, or empty."
    )
    pending_email = serializers.CharField(
        read_only=True, help_text="A new address waiting for its link to be used."
    )
    email_verified = serializers.BooleanField(read_only=True)

    class Meta:
        model = User
        fields = [
            "id",
            "username",
            "mobile",
            "real_name",
            "tz",
            "email",
            "pending_email",
            "email_verified",
            "is_staff",
            "date_joined",
        ]
        read_only_fields = fields


def drf_datetime(value: datetime | None) -> str | None:
    """Format a time as DRF's `DateTimeField` does: ISO 8601 in the current time zone,
    `Z` for UTC, None for None."""
    if not value:
        return None
    zone = timezone.get_current_timezone()
    if timezone.is_aware(value):
        value = value.astimezone(zone)
    else:
        value = timezone.make_aware(value, zone)
    text = value.isoformat()
    return f"{text[:-6]}Z" if text.endswith("+00:00") else text


def user_representation(user: User) -> dict[str, Any]:
    """Return `UserSerializer(user).data`, written out for the hot read-only answers.

    Field by field, DRF builds and deep-copies every field of the serializer for each
    object; the serializer stays the documented schema, and
    accounts/tests/test_fast_representation.py keeps the two outputs identical.
    """
    mobile = user.mobile
    return {
        "id": str(user.id),
        "username": user.username,
        "mobile": None if mobile is None else str(mobile),
        "real_name": user.real_name,
        "tz": user.tz,
        "email": user.email,
        "pending_email": user.pending_email,
        "email_verified": user.email_verified,
        "is_staff": user.is_staff,
        "date_joined": drf_datetime(user.date_joined),
    }


class UserListSerializer(serializers.ModelSerializer):
    """What any signed-in user may see of the others."""

    class Meta:
        model = User
        fields = ["id", "username", "real_name", "tz"]
        read_only_fields = fields


class StaffUserListSerializer(serializers.ModelSerializer):
    """What staff see of every user."""

    mobile = serializers.CharField(read_only=True)

    class Meta:
        model = User
        fields = [
            "id",
            "username",
            "real_name",
            "tz",
            "mobile",
            "email",
            "is_staff",
            "is_active",
        ]
        read_only_fields = fields


class TimeZoneField(serializers.CharField):
    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 64)
        kwargs.setdefault("help_text", "IANA time zone, e.g. Asia/Kolkata.")
        super().__init__(**kwargs)
        self.validators.append(validate_time_zone)


class SignupSerializer(serializers.Serializer):
    """Everything a new account needs; shared by signup and register."""

    username = serializers.CharField(
        max_length=150,
        help_text="Letters a-z, digits and @/./+/-/_ only; unique whatever the case.",
    )
    mobile = PhoneNumberField(
        help_text="Any spelling: 9012345678, +91 90123 45678, +919012345678."
    )
    password = serializers.CharField(
        write_only=True,
        trim_whitespace=False,
        max_length=128,
        style={"input_type": "password"},
    )
    real_name = serializers.CharField(max_length=150)
    tz = TimeZoneField(required=False, default="UTC")
    email = serializers.EmailField(required=False, allow_blank=True, default="")

    def validate_username(self, value: str) -> str:
        value = User.normalize_username(value)  # NFKC first: "ｍｅｅｒａ" is "meera"
        ASCIIUsernameValidator()(value)
        if user_exists_with_username(value):
            raise serializers.ValidationError(
                _("A user with that username already exists.")
            )
        return value

    def validate_mobile(self, value: PhoneNumber) -> str:
        if user_exists_with_mobile(str(value)):
            raise serializers.ValidationError(
                _("A user with that mobile number already exists.")
            )
        return value.as_e164

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        candidate = User(
            username=attrs["username"],
            real_name=attrs["real_name"],
            email=attrs["email"],
        )
        try:
            password_validation.validate_password(attrs["password"], user=candidate)
        except DjangoValidationError as error:
            raise serializers.ValidationError(
                {"password": list(error.messages)}
            ) from None
        return attrs


class PasswordChangeSerializer(serializers.Serializer):
    """The current password (checked by the view, under the failed-login limits), and a
    new one that passes the password validators."""

    current_password = serializers.CharField(
        trim_whitespace=False, max_length=128, style={"input_type": "password"}
    )
    new_password = serializers.CharField(
        trim_whitespace=False, max_length=128, style={"input_type": "password"}
    )

    def validate_new_password(self, value: str) -> str:
        try:
            password_validation.validate_password(value, user=self.context["user"])
        except DjangoValidationError as error:
            raise serializers.ValidationError(list(error.messages)) from None
        return value


class ProfileUpdateSerializer(serializers.Serializer):
    """The fields a user may change on their own profile."""

    real_name = serializers.CharField(max_length=150, required=False)
    tz = TimeZoneField(required=False)
    email = serializers.EmailField(
        required=False,
        allow_blank=True,
        help_text="A new address is held as pending (202) until its link is used; "
        '"" removes it. Either needs a recent step-up.',
    )


class PasswordResetRequestSerializer(serializers.Serializer):
    email = serializers.EmailField()


class PasswordResetConfirmSerializer(serializers.Serializer):
    """The uid and token from the reset email, and a new password."""

    uid = serializers.CharField(max_length=64)
    token = serializers.CharField(max_length=128)
    new_password = serializers.CharField(
        trim_whitespace=False, max_length=128, style={"input_type": "password"}
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        user = user_get_by_reset_token(uid=attrs["uid"], token=attrs["token"])
        if user is None:
            raise serializers.ValidationError(
                {"token": [_("This reset link is invalid or has already been used.")]}
            )
        try:
            password_validation.validate_password(attrs["new_password"], user=user)
        except DjangoValidationError as error:
            raise serializers.ValidationError(
                {"new_password": list(error.messages)}
            ) from None
        attrs["user"] = user
        return attrs
