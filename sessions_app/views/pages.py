"""The site's pages for people in a browser: home, your devices, confirming your
password, changing it or your email, signing up, asking for a reset link, and the
login pages' "why you were signed out".

Each page calls the same services and limits as its API twin; nothing here needs
JavaScript, and every template keeps to the Content-Security-Policy (no inline script
or style).
"""

import math
from typing import Any
from uuid import UUID

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout, update_session_auth_hash
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.generic import FormView, TemplateView
from rest_framework.exceptions import Throttled
from rest_framework.request import Request

from accounts.services import (
    user_remove_email,
    user_request_email_change,
    user_request_password_reset,
    user_signup,
)
from config.throttling import ClientIPThrottle
from mfa.selectors import mfa_status
from sessions_app import selectors, services, signed_out
from sessions_app.account_forms import (
    ConfirmPasswordForm,
    EmailChangeForm,
    PasswordChangeForm,
    PasswordResetRequestForm,
    SignUpForm,
)
from sessions_app.models import EndReason, EventKind, SecurityEvent
from sessions_app.request_lifecycle import confirm_password

RECENT_EVENTS = 10
THROTTLED = _("Too many requests from this address. Try again in %(wait)d seconds.")

# event kind -> what the devices page says; {device} and {place} come from the event
EVENT_SENTENCES = {
    EventKind.LOGIN: _("New sign-in from {device}, {place}"),
    EventKind.LOGIN_FAILED: _("Failed sign-in attempt from {device}, {place}"),
    EventKind.SESSION_SUPERSEDED: _("Signed out on {device} by a newer sign-in"),
    EventKind.SESSION_TERMINATED: _("Signed out on {device} from elsewhere"),
    EventKind.SESSION_EXPIRED: _("Session on {device} expired"),
    EventKind.LOGOUT: _("Signed out on {device}"),
    EventKind.PASSWORD_CHANGED: _("Password changed"),
    EventKind.THROTTLED: _("Sign-ins paused after too many attempts"),
    EventKind.NEW_DEVICE: _("First sign-in from {device}, {place}"),
    EventKind.REAUTH_FAILED: _("Wrong password when confirming it on {device}"),
    EventKind.PASSWORD_CHANGE_FAILED: _("Wrong current password in a password change"),
    EventKind.EMAIL_CHANGE_REQUESTED: _("Email change requested"),
    EventKind.EMAIL_CHANGED: _("Email address changed"),
    EventKind.PASSWORD_RESET_REQUESTED: _("Password reset link sent"),
    EventKind.MFA_ENABLED: _("Two-factor sign-in turned on"),
    EventKind.MFA_DISABLED: _("Two-factor sign-in turned off"),
    EventKind.MFA_FAILED: _("Wrong two-factor code from {device}, {place}"),
    EventKind.RECOVERY_CODE_USED: _("Recovery code used on {device}"),
    EventKind.RECOVERY_CODES_REGENERATED: _("New recovery codes made"),
    EventKind.REFRESH_TOKEN_REUSED: _(
        "Session on {device} ended: an old sign-in token was used again"
    ),
    EventKind.THROTTLE_CLEARED: _("An administrator lifted a sign-in limit"),
    EventKind.MFA_RESET: _("An administrator reset your two-factor sign-in"),
}
TERMINATED_SENTENCES = {
    EndReason.TERMINATED_BY_STAFF: _("Signed out on {device} by an administrator"),
    EndReason.PASSWORD_CHANGED: _("Signed out on {device}: the password changed"),
    EndReason.USER_DEACTIVATED: _("Signed out on {device}: the account was disabled"),
}


def event_sentence(event: SecurityEvent) -> str:
    """Say in words what a security event was ("New sign-in from Firefox on Linux,
    India")."""
    template = EVENT_SENTENCES.get(event.kind)
    if event.kind == EventKind.SESSION_TERMINATED:
        template = TERMINATED_SENTENCES.get(event.detail.get("reason"), template)
    if template is None:
        return EventKind(event.kind).label if event.kind in EventKind else event.kind
    return str(template).format(
        device=event.device_name or _("an unknown device"),
        place=event.location or _("an unknown place"),
    )


def ip_throttled(request: HttpRequest) -> str | None:
    """Count the request in the sign-in API's per-IP limit; say how long to wait."""
    limit = ClientIPThrottle()
    if limit.allow_request(request, None):
        return None
    return THROTTLED % {"wait": math.ceil(limit.wait())}


def safe_next(request: HttpRequest, default: str) -> str:
    """Return the `next` of the request if it stays on this site, else `default`."""
    wanted = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        wanted, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return wanted
    return default


def as_api_request(request: HttpRequest) -> Request:
    """The signed-in request as `confirm_password` reads it (user, session, origin)."""
    api_request = Request(request)
    api_request.user = request.user
    api_request.auth = request.user_session
    return api_request


def step_up_redirect(request: HttpRequest) -> HttpResponse | None:
    """Send a browser to confirm its password unless its session stepped up lately."""
    if selectors.session_has_recent_step_up(request.user_session, now=timezone.now()):
        return None
    query = urlencode({"next": request.get_full_path()})
    return HttpResponseRedirect(f"{reverse('account:confirm-password')}?{query}")


class SignedOutNoticeMixin:
    """A login page that says once why this browser was signed out (signed_out.py)."""

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        notice = signed_out.notice_read(request)
        if notice is not None:
            level = messages.SUCCESS
            if notice.reason != EndReason.LOGOUT:
                level = messages.WARNING
            messages.add_message(request, level, notice.sentence())
        response = super().get(request, *args, **kwargs)
        signed_out.notice_forget(request, response)
        return response


class ThrottledFormMixin:
    """A public form counted in the sign-in API's per-IP limit, like its API twin."""

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        wait = ip_throttled(request)
        if wait is None:
            return super().post(request, *args, **kwargs)
        kept = {
            name: value
            for name, value in request.POST.items()
            if "password" not in name and name != "csrfmiddlewaretoken"
        }
        form = self.get_form_class()(initial=kept)  # unbound: nothing is checked
        context = self.get_context_data(form=form, page_error=wait)
        return self.render_to_response(context, status=429)


class HomePage(TemplateView):
    """What the service is, and where to go from here."""

    template_name = "sessions_app/home.html"


class SignedInPage(LoginRequiredMixin):
    """A page for a browser signed in with a cookie; others go to the login page."""

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if getattr(request, "user_session", None) is None:
            return self.handle_no_permission()
        return super().dispatch(request, *args, **kwargs)


@method_decorator(never_cache, "dispatch")
class DevicesPage(SignedInPage, TemplateView):
    """Your devices: every live session, sign-out buttons, the latest events."""

    template_name = "sessions_app/devices.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        user = self.request.user
        current = self.request.user_session
        sessions = list(selectors.session_list_for_user(user_id=user.pk))
        events = selectors.security_event_list_for_user(user_id=user.pk)
        return {
            **super().get_context_data(**kwargs),
            "current": current,
            "sessions": sorted(sessions, key=lambda s: s.pk != current.pk),
            "others": len(sessions) - 1,
            "events": [
                (event, event_sentence(event)) for event in events[:RECENT_EVENTS]
            ],
            "mfa": mfa_status(user_id=user.pk),
        }


class DeviceSignOutView(SignedInPage, View):
    """Sign out one of your sessions (reason `terminated`), as the API's DELETE."""

    http_method_names = ["post"]

    def post(self, request: HttpRequest, pk: UUID) -> HttpResponse:
        session = (
            selectors.session_list_for_user(user_id=request.user.pk)
            .filter(pk=pk)
            .first()
        )
        if session is None:
            raise Http404
        if session.pk == request.user_session.pk:
            logout(request)
            response = redirect("rest_framework:login")
            signed_out.notice_set(response, signed_out.Notice(EndReason.LOGOUT))
            return response
        services.session_end(session=session, reason=EndReason.TERMINATED)
        messages.success(
            request,
            _("%(device)s (%(place)s) is signed out.")
            % {"device": session.device_name, "place": session.location},
        )
        return redirect("account:devices")


class DevicesSignOutOthersView(SignedInPage, View):
    """Sign out every session but this one (reason `terminated`)."""

    http_method_names = ["post"]

    def post(self, request: HttpRequest) -> HttpResponse:
        ended = services.session_end_others(
            user_id=request.user.pk,
            keep_session_id=request.user_session.pk,
            reason=EndReason.TERMINATED,
        )
        messages.success(
            request,
            ngettext(
                "%(count)d other session was signed out.",
                "%(count)d other sessions were signed out.",
                len(ended),
            )
            % {"count": len(ended)},
        )
        return redirect("account:devices")


@method_decorator([sensitive_post_parameters("password"), never_cache], "dispatch")
class ConfirmPasswordPage(SignedInPage, FormView):
    """Confirm your password ("sudo mode"): sensitive pages pass for `REAUTH_WINDOW`."""

    template_name = "sessions_app/confirm_password.html"
    form_class = ConfirmPasswordForm

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return {
            **super().get_context_data(**kwargs),
            "next": safe_next(self.request, ""),
        }

    def form_valid(self, form: ConfirmPasswordForm) -> HttpResponse:
        request = self.request
        wait = ip_throttled(request)
        if wait is not None:
            return self.refuse(form, wait, status=429)
        try:
            confirmed = confirm_password(
                as_api_request(request),
                password=form.cleaned_data["password"],
                failure_kind=EventKind.REAUTH_FAILED,
            )
        except Throttled as throttled:
            return self.refuse(form, str(throttled.detail), status=429)
        if not confirmed:
            form.add_error("password", _("The password is not correct."))
            return self.render_to_response(self.get_context_data(form=form), status=400)
        services.session_reauthenticate(session=request.user_session)
        return HttpResponseRedirect(safe_next(request, reverse("account:devices")))

    def refuse(self, form: Form, message: str, status: int) -> HttpResponse:
        form.add_error(None, message)
        return self.render_to_response(self.get_context_data(form=form), status=status)


@method_decorator(
    [sensitive_post_parameters("current_password", "new_password1", "new_password2")],
    "dispatch",
)
class PasswordChangePage(SignedInPage, FormView):
    """Change your password: your other sessions end, this one stays signed in."""

    template_name = "sessions_app/password_change.html"
    form_class = PasswordChangeForm

    def get_form_kwargs(self) -> dict[str, Any]:
        return {**super().get_form_kwargs(), "user": self.request.user}

    def form_valid(self, form: PasswordChangeForm) -> HttpResponse:
        request = self.request
        wait = ip_throttled(request)
        if wait is not None:
            form.add_error(None, wait)
            return self.render_to_response(self.get_context_data(form=form), status=429)
        try:
            confirmed = confirm_password(
                as_api_request(request),
                password=form.cleaned_data["current_password"],
                failure_kind=EventKind.PASSWORD_CHANGE_FAILED,
            )
        except Throttled as throttled:
            form.add_error(None, str(throttled.detail))
            return self.render_to_response(self.get_context_data(form=form), status=429)
        if not confirmed:
            form.add_error(
                "current_password", _("The current password is not correct.")
            )
            return self.render_to_response(self.get_context_data(form=form), status=400)
        ended = services.session_password_change(
            user=request.user,
            new_password=form.cleaned_data["new_password1"],
            keep_session=request.user_session,
        )
        update_session_auth_hash(request, request.user)  # a new cookie key
        messages.success(
            request,
            ngettext(
                "Your password was changed; %(count)d other session was signed out.",
                "Your password was changed; %(count)d other sessions were signed out.",
                len(ended),
            )
            % {"count": len(ended)},
        )
        return redirect("account:devices")


class EmailChangePage(SignedInPage, FormView):
    """Change or remove your email address; it needs a recent step-up, as the API."""

    template_name = "sessions_app/email_change.html"
    form_class = EmailChangeForm

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.user.is_authenticated and getattr(request, "user_session", None):
            confirm_first = step_up_redirect(request)
            if confirm_first is not None:
                return confirm_first
        return super().dispatch(request, *args, **kwargs)

    def form_valid(self, form: EmailChangeForm) -> HttpResponse:
        user = self.request.user
        email = form.cleaned_data["email"]
        if email.lower() == user.email.lower():
            messages.info(self.request, _("This is already your address."))
        elif not email:
            user_remove_email(user=user)
            messages.success(self.request, _("Your email address was removed."))
        else:
            user_request_email_change(user=user, new_email=email)
            messages.success(
                self.request,
                _("We sent a link to %(email)s: the address changes once it is used.")
                % {"email": email},
            )
        return redirect("account:devices")


@method_decorator(sensitive_post_parameters("password"), "dispatch")
class SignUpPage(ThrottledFormMixin, FormView):
    """Create an account (the rules of `POST /api/v1/auth/register/`) and sign in."""

    template_name = "sessions_app/sign_up.html"
    form_class = SignUpForm

    def form_valid(self, form: SignUpForm) -> HttpResponse:
        try:
            user = user_signup(**form.signup)
        except ValidationError as error:  # a simultaneous sign-up took the name
            for field, problems in error.message_dict.items():
                form.add_error(field if field in form.fields else None, problems)
            return self.render_to_response(self.get_context_data(form=form), status=400)
        login(self.request, user, backend=settings.AUTHENTICATION_BACKENDS[0])
        messages.success(
            self.request,
            _("Welcome, %(name)s: your account is ready and this browser is signed in.")
            % {"name": user.username},
        )
        if user.pending_email:
            messages.info(
                self.request,
                _("Open the link we sent to %(email)s to confirm your address.")
                % {"email": user.pending_email},
            )
        return redirect("account:devices")

    def form_invalid(self, form: SignUpForm) -> HttpResponse:
        return self.render_to_response(self.get_context_data(form=form), status=400)


class PasswordResetRequestPage(ThrottledFormMixin, FormView):
    """Ask for a reset link: the same answer whether an account has the address."""

    template_name = "sessions_app/password_reset_request.html"
    form_class = PasswordResetRequestForm

    def form_valid(self, form: PasswordResetRequestForm) -> HttpResponse:
        user_request_password_reset(email=form.cleaned_data["email"])
        return self.render_to_response(self.get_context_data(sent=True))

    def form_invalid(self, form: PasswordResetRequestForm) -> HttpResponse:
        return self.render_to_response(self.get_context_data(form=form), status=400)
