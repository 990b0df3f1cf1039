"""`/account/two-factor/`: two-factor sign-in managed from a browser, behind a step-up.

Turn it on (scan the QR code, type the app's first code), see the ten recovery codes
once, make new ones, or turn it off: the services of the API's `auth/mfa/` routes,
each behind a recent password confirmation (`/account/confirm-password/`).
"""

from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.decorators import method_decorator
from django.utils.translation import gettext_lazy as _
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters

from mfa import selectors, services
from mfa.exceptions import (
    INVALID_CODE_DETAIL,
    InvalidCode,
    MfaAlreadyEnabled,
    MfaNotEnabled,
)
from mfa.serializers import TOTP_CODE
from sessions_app.views.pages import SignedInPage, ip_throttled, step_up_redirect

ACTIONS = ("enrol", "confirm", "regenerate", "disable")  # the form's `action`


class TotpCodeForm(forms.Form):
    code = forms.CharField(
        label=_("The 6-digit code your app shows now"),
        max_length=8,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "class": "form-control",
            }
        ),
    )

    def clean_code(self) -> str:
        digits = "".join(self.cleaned_data["code"].split())
        if not TOTP_CODE.match(digits):
            raise forms.ValidationError(INVALID_CODE_DETAIL, code="invalid_code")
        return digits


@method_decorator([sensitive_post_parameters("code"), never_cache], "dispatch")
class TwoFactorPage(SignedInPage, View):
    """Two-factor sign-in: status, enrol, recovery codes, turn off (step-up first)."""

    template_name = "mfa/two_factor.html"

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.user.is_authenticated and getattr(request, "user_session", None):
            confirm_first = step_up_redirect(request)
            if confirm_first is not None:
                return confirm_first
        return super().dispatch(request, *args, **kwargs)

    def get(self, request: HttpRequest) -> HttpResponse:
        return self.page(request)

    def post(self, request: HttpRequest) -> HttpResponse:
        action = request.POST.get("action")
        if action not in ACTIONS:
            return self.page(request, status=400)
        if wait := ip_throttled(request):  # as the API's sign-in routes count
            return self.page(request, status=429, page_error=wait)
        try:
            return getattr(self, f"do_{action}")(request)
        except MfaAlreadyEnabled:
            messages.info(request, _("Two-factor sign-in is already on."))
        except MfaNotEnabled:
            messages.info(request, _("Two-factor sign-in is off."))
        return redirect("account:two-factor")

    def do_enrol(self, request: HttpRequest) -> HttpResponse:
        setup = services.totp_setup(user=request.user)
        return self.page(request, setup=setup, form=TotpCodeForm())

    def do_confirm(self, request: HttpRequest) -> HttpResponse:
        form = TotpCodeForm(request.POST)
        if form.is_valid():
            try:
                codes = services.totp_confirm(
                    user=request.user,
                    code=form.cleaned_data["code"],
                    session=request.user_session,
                )
            except InvalidCode:
                form.add_error("code", INVALID_CODE_DETAIL)
            else:
                messages.success(request, _("Two-factor sign-in is on."))
                return self.page(request, recovery_codes=codes)
        return self.page(request, status=400, form=form, confirming=True)

    def do_regenerate(self, request: HttpRequest) -> HttpResponse:
        codes = services.recovery_codes_regenerate(
            user=request.user, session=request.user_session
        )
        messages.success(request, _("New recovery codes: the old ones no longer work."))
        return self.page(request, recovery_codes=codes)

    def do_disable(self, request: HttpRequest) -> HttpResponse:
        services.totp_disable(user=request.user, session=request.user_session)
        messages.success(request, _("Two-factor sign-in is off."))
        return redirect("account:devices")

    def page(
        self, request: HttpRequest, status: int = 200, **context: Any
    ) -> HttpResponse:
        context["mfa"] = selectors.mfa_status(user_id=request.user.pk)
        return render(request, self.template_name, context, status=status)
