"""The second page of a browser sign-in: one field, a TOTP code or a recovery code."""

from django import forms
from django.utils.translation import gettext_lazy as _

from mfa.serializers import TOTP_CODE


class SecondFactorForm(forms.Form):
    code = forms.CharField(
        label=_("Code"),
        max_length=32,
        help_text=_(
            "The 6-digit code of your authenticator app, or one of your recovery codes."
        ),
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "autofocus": True}
        ),
    )

    def totp_or_recovery_code(self) -> dict[str, str]:
        """Return the typed code as `code` (six digits) or `recovery_code`."""
        typed = self.cleaned_data["code"]
        digits = "".join(typed.split())
        if TOTP_CODE.match(digits):
            return {"code": digits}
        return {"recovery_code": typed}
