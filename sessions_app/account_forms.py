"""Forms of the account pages (sessions_app/views/pages.py): the same rules as the API.

Sign-up validates through the API's `SignupSerializer`, so the page and
`POST /api/v1/auth/register/` refuse the same input with the same messages.
"""

from typing import Any

from django import forms
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from accounts.serializers import SignupSerializer


def _password_field(label: str, autocomplete: str, **kwargs: Any) -> forms.CharField:
    return forms.CharField(
        label=label,
        strip=False,
        max_length=128,
        widget=forms.PasswordInput(
            attrs={"autocomplete": autocomplete, "class": "form-control"}
        ),
        **kwargs,
    )


def _text_input(autocomplete: str, **attrs: str) -> forms.TextInput:
    return forms.TextInput(
        attrs={"autocomplete": autocomplete, "class": "form-control", **attrs}
    )


class SignUpForm(forms.Form):
    """A new account: username, mobile, real name, an optional email, a password."""

    username = forms.CharField(
        label=_("Username"),
        max_length=150,
        help_text=_("Letters a-z, digits and @ . + - _ only."),
        widget=_text_input("username", autocapitalize="off", autocorrect="off"),
    )
    mobile = forms.CharField(
        label=_("Mobile number"),
        max_length=32,
        help_text=_("Any spelling: 9012345678, +91 90123 45678, +919012345678."),
        widget=_text_input("tel", inputmode="tel"),
    )
    real_name = forms.CharField(
        label=_("Your name"), max_length=150, widget=_text_input("name")
    )
    email = forms.EmailField(
        label=_("Email (optional)"),
        required=False,
        help_text=_("For password resets, once you confirm it from the link we send."),
        widget=forms.EmailInput(
            attrs={"autocomplete": "email", "class": "form-control"}
        ),
    )
    password = _password_field(
        _("Password"),
        "new-password",
        help_text=password_validation.password_validators_help_text_html,
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if self.errors:
            return cleaned
        serializer = SignupSerializer(data=cleaned)
        if not serializer.is_valid():
            for field, messages in serializer.errors.items():
                name = field if field in self.fields else None
                for message in messages:
                    self.add_error(name, str(message))
            return cleaned
        self.signup = dict(serializer.validated_data)
        return cleaned


class ConfirmPasswordForm(forms.Form):
    """The signed-in user's password, checked by the view under the guessing limits."""

    password = _password_field(_("Password"), "current-password")


class PasswordResetRequestForm(forms.Form):
    """The verified address a reset link goes to."""

    email = forms.EmailField(
        label=_("Email address"),
        widget=forms.EmailInput(
            attrs={"autocomplete": "email", "class": "form-control"}
        ),
    )


class PasswordChangeForm(forms.Form):
    """The current password (checked by the view, under the limits), a new one twice."""

    current_password = _password_field(_("Current password"), "current-password")
    new_password1 = _password_field(
        _("New password"),
        "new-password",
        help_text=password_validation.password_validators_help_text_html,
    )
    new_password2 = _password_field(_("New password again"), "new-password")

    def __init__(self, user: User, *args: Any, **kwargs: Any) -> None:
        self.user = user
        super().__init__(*args, **kwargs)

    def clean_new_password2(self) -> str:
        first = self.cleaned_data.get("new_password1")
        second = self.cleaned_data.get("new_password2", "")
        if first and first != second:
            raise ValidationError(_("The two passwords differ."), code="mismatch")
        if first:
            password_validation.validate_password(first, user=self.user)
        return second


class EmailChangeForm(forms.Form):
    """A new address (held as pending until its link is used), or none."""

    email = forms.EmailField(
        label=_("New email address"),
        required=False,
        help_text=_("Leave it empty to remove your address."),
        widget=forms.EmailInput(
            attrs={"autocomplete": "email", "class": "form-control"}
        ),
    )
