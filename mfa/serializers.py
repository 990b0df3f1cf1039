"""Input validation and output shapes of two-factor sign-in."""

import re
from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

TOTP_CODE = re.compile(r"^\d{6}$")


class TotpCodeField(serializers.CharField):
    """The six digits an authenticator app shows; spaces ("123 456") are ignored."""

    default_error_messages = {"format": _("Enter the 6-digit code from your app.")}

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 16)
        kwargs.setdefault("help_text", "The 6-digit code your authenticator app shows.")
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> str:
        code = "".join(super().to_internal_value(data).split())
        if not TOTP_CODE.match(code):
            self.fail("format")
        return code


class RecoveryCodeField(serializers.CharField):
    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 32)
        kwargs.setdefault("help_text", "One of your recovery codes (xxxxx-xxxxx).")
        super().__init__(**kwargs)


class MfaStatusSerializer(serializers.Serializer):
    """Whether two-factor sign-in is on; never its secret."""

    totp = serializers.BooleanField(help_text="An authenticator app is confirmed.")
    recovery_codes_left = serializers.IntegerField(min_value=0)


class TotpSetupSerializer(serializers.Serializer):
    """A new TOTP secret, shown this once; it waits for a code to confirm it."""

    secret = serializers.CharField(help_text="Base32, for apps that cannot scan.")
    otpauth_url = serializers.CharField(help_text="otpauth://totp/... (the QR code).")
    qr_svg = serializers.CharField(help_text="The otpauth URL as an SVG QR code.")


class TotpConfirmSerializer(serializers.Serializer):
    code = TotpCodeField()


class RecoveryCodesSerializer(serializers.Serializer):
    """Ten single-use recovery codes, shown this once (only hashes are stored)."""

    recovery_codes = serializers.ListField(child=serializers.CharField())


class MfaRequiredSerializer(serializers.Serializer):
    """The right password of a user with two factors: no session yet.

    Send `mfa_token` with a code to `POST /api/v1/auth/login/mfa/` before
    `mfa_expires_at`.
    """

    mfa_required = serializers.BooleanField(default=True)
    mfa_token = serializers.CharField()
    methods = serializers.ListField(
        child=serializers.ChoiceField(choices=["totp", "recovery_code"])
    )
    mfa_expires_at = serializers.DateTimeField(
        help_text="When the token dies (5 minutes; also after 5 wrong codes)."
    )


class MfaLoginSerializer(serializers.Serializer):
    """The second step of a sign-in: its token and one code."""

    mfa_token = serializers.CharField(max_length=128, trim_whitespace=False)
    code = TotpCodeField(required=False)
    recovery_code = RecoveryCodeField(required=False)
    force = serializers.BooleanField(
        required=False,
        default=False,
        help_text="With ON_LIMIT=refuse_new: end the other sessions, do not refuse "
        "(also taken from the first step).",
    )
    device_token = serializers.CharField(
        required=False,
        max_length=512,
        help_text="The `device_token` an earlier login on this device answered.",
    )

    default_error_messages = {
        "one_code": _("Send a code or a recovery code, not both."),
        "no_code": _("Send the code from your app, or a recovery code."),
    }

    def validate(self, attrs: dict) -> dict:
        if "code" in attrs and "recovery_code" in attrs:
            self.fail("one_code")
        if "code" not in attrs and "recovery_code" not in attrs:
            raise serializers.ValidationError(
                {"code": [self.error_messages["no_code"]]}
            )
        return attrs
