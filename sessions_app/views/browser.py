"""Django pages for people in a browser: the browsable API's login and logout, and
the pages a mailed link opens (email verification, password reset)."""

from typing import Any
from urllib.parse import urlencode

from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm, AdminPasswordChangeForm
from django.contrib.auth import (
    REDIRECT_FIELD_NAME,
    login,
    logout,
    update_session_auth_hash,
)
from django.contrib.auth.forms import AuthenticationForm, SetPasswordForm
from django.contrib.auth.views import LoginView as DjangoLoginView
from django.contrib.auth.views import LogoutView as DjangoLogoutView
from django.contrib.auth.views import PasswordChangeView
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.decorators import method_decorator
from django.utils.translation import gettext_lazy as _
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.generic import FormView
from rest_framework.exceptions import Throttled

from accounts.models import User
from accounts.selectors import (
    user_get_by_email_token,
    user_get_by_reset_token,
    user_get_by_reset_uid,
)
from accounts.services import user_verify_email
from mfa.exceptions import INVALID_CODE_DETAIL, InvalidCode, MfaTokenInvalid
from mfa.forms import SecondFactorForm
from mfa.request_lifecycle import code_attempt
from mfa.selectors import mfa_login_pending_user
from mfa.services import mfa_login_begin, mfa_login_finish
from sessions_app import services
from sessions_app.devices import request_origin
from sessions_app.exceptions import SESSION_LIMIT_DETAIL, SessionLimitReached
from sessions_app.forms import BrowserLoginForm
from sessions_app.models import EndReason, Transport
from sessions_app.signed_out import Notice, notice_set
from sessions_app.throttling import password_attempt
from sessions_app.views.pages import SignedOutNoticeMixin, ip_throttled

# The reset link's token moves into the session at once (as Django's own reset view
# does): it then leaves no trace in the address bar, Referer headers or later logs.
RESET_TOKEN_SESSION_KEY = "_password_reset_token"
RESET_TOKEN_PLACEHOLDER = "set-password"
INVALID_EMAIL_LINK = _("This link is invalid, has expired or was already used.")


# Between the two pages of a sign-in with two factors, the anonymous session holds the
# second step's token (never a cookie or a URL) and where to go once signed in.
MFA_TOKEN_SESSION_KEY = "_mfa_login_token"
MFA_NEXT_SESSION_KEY = "_mfa_login_next"
MFA_START_AGAIN = _("This sign-in has expired or was completed. Sign in again.")


class SecondFactorLoginMixin:
    """After the right password of a user with two factors, ask for a code first.

    Django's `login()`, and with it the cookie session, waits for the code page.
    """

    code_url_name: str

    def form_valid(self, form: AuthenticationForm) -> HttpResponse:
        challenge = mfa_login_begin(
            user=form.get_user(),
            transport=Transport.COOKIE,
            force=getattr(self.request, "login_force", False),  # the form's force
        )
        if challenge is None:
            return super().form_valid(form)
        store = self.request.session
        store.cycle_key()  # a key planted before the password step learns nothing
        store[MFA_TOKEN_SESSION_KEY] = challenge.mfa_token
        store[MFA_NEXT_SESSION_KEY] = self.get_success_url()
        return redirect(self.code_url_name)


class BrowserLoginView(SignedOutNoticeMixin, SecondFactorLoginMixin, DjangoLoginView):
    """The browsable API's login page, refusing politely under `ON_LIMIT=refuse_new`."""

    template_name = "sessions_app/login.html"
    authentication_form = BrowserLoginForm
    code_url_name = "rest_framework:login-code"


class AdminLoginPage(SignedOutNoticeMixin, SecondFactorLoginMixin, DjangoLoginView):
    """The admin's login page (as `AdminSite.login`), with the code page after it."""

    template_name = "admin/login.html"
    code_url_name = "admin-login:code"

    def get_form_class(self) -> type[AuthenticationForm]:
        return admin.site.login_form or AdminAuthenticationForm

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.method == "GET" and admin.site.has_permission(request):
            return redirect("admin:index")
        request.current_app = admin.site.name
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = {
            **admin.site.each_context(self.request),
            **super().get_context_data(**kwargs),
            "title": _("Log in"),
            "subtitle": None,
            "app_path": self.request.get_full_path(),
            "username": self.request.user.get_username(),
        }
        if not ({REDIRECT_FIELD_NAME} & {*self.request.GET, *self.request.POST}):
            context[REDIRECT_FIELD_NAME] = reverse("admin:index")
        return context


@method_decorator(
    [sensitive_post_parameters("code"), csrf_protect, never_cache], "dispatch"
)
class BrowserLoginCodeView(FormView):
    """The second page of a browsable-API sign-in: a TOTP code or a recovery code."""

    template_name = "sessions_app/login_code.html"
    form_class = SecondFactorForm
    login_url_name = "rest_framework:login"

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.mfa_token = request.session.get(MFA_TOKEN_SESSION_KEY)
        if not self.mfa_token:
            return redirect(self.login_url_name)
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return {
            **super().get_context_data(**kwargs),
            "login_url": reverse(self.login_url_name),
        }

    def form_valid(self, form: SecondFactorForm) -> HttpResponse:
        user = mfa_login_pending_user(token=self.mfa_token, transport=Transport.COOKIE)
        if user is None:
            return self._start_again()
        try:
            with code_attempt(self.request, user=user):
                mfa_login_finish(
                    mfa_token=self.mfa_token,
                    transport=Transport.COOKIE,
                    start=self._login,
                    **form.totp_or_recovery_code(),
                    **request_origin(self.request)._asdict(),
                )
        except InvalidCode:
            form.add_error("code", INVALID_CODE_DETAIL)
            return self.render_to_response(self.get_context_data(form=form), status=400)
        except Throttled as throttled:
            form.add_error(None, str(throttled.detail))
            return self.render_to_response(self.get_context_data(form=form), status=429)
        except (MfaTokenInvalid, SessionLimitReached) as error:
            detail = (
                SESSION_LIMIT_DETAIL if isinstance(error, SessionLimitReached) else None
            )
            return self._start_again(detail)
        return HttpResponseRedirect(self.next_url)

    def _login(self, user: User, force: bool) -> services.SessionStart:
        """Sign the browser in: the login receiver starts its cookie session."""
        store = self.request.session
        store.pop(MFA_TOKEN_SESSION_KEY, None)
        self.next_url = store.pop(MFA_NEXT_SESSION_KEY, None) or reverse(
            self.login_url_name
        )
        self.request.login_force = force  # the login receiver reads it
        login(self.request, user)
        return services.SessionStart(
            session=self.request.user_session,
            token=None,
            ended_sessions=self.request.login_ended_sessions,
        )

    def _start_again(self, detail: str | None = None) -> HttpResponse:
        self.request.session.pop(MFA_TOKEN_SESSION_KEY, None)
        context = self.get_context_data(start_again=detail or MFA_START_AGAIN)
        return self.render_to_response(context, status=400)


class AdminLoginCodePage(BrowserLoginCodeView):
    """The admin's second sign-in page."""

    template_name = "sessions_app/admin_login_code.html"
    login_url_name = "admin:login"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return {
            **admin.site.each_context(self.request),
            **super().get_context_data(**kwargs),
            "title": _("Log in"),
        }


class BrowserLogoutView(DjangoLogoutView):
    """Log out on POST; a GET (a link, as Swagger UI has) asks first: CSRF."""

    http_method_names = ["get", "post", "options"]
    next_page = "rest_framework:login"  # not the admin's "logged out" page

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        next_url = request.GET.get("next", "")
        return render(request, "sessions_app/logout_confirm.html", {"next": next_url})

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        """Log out, then land on the login page saying so (`next` goes along)."""
        next_url = self.get_redirect_url()
        logout(request)
        login_url = reverse(self.next_page)
        if next_url:
            login_url += "?" + urlencode({REDIRECT_FIELD_NAME: next_url})
        response = HttpResponseRedirect(login_url)
        notice_set(response, Notice(reason=EndReason.LOGOUT))
        return response


class EmailVerifyPage(View):
    """The page a verification mail links to: one button confirms the address."""

    template_name = "sessions_app/email_verify.html"

    def get(self, request: HttpRequest, token: str) -> HttpResponse:
        if wait := ip_throttled(request):  # counted as the API's verify is
            return self._render(request, error=wait, status=429)
        user = user_get_by_email_token(token)
        if user is None:
            return self._render(request, error=INVALID_EMAIL_LINK, status=400)
        return self._render(
            request, pending_email=user.pending_email, username=user.username
        )

    def post(self, request: HttpRequest, token: str) -> HttpResponse:
        if wait := ip_throttled(request):
            return self._render(request, error=wait, status=429)
        try:
            user = user_verify_email(token=token)
        except ValidationError as error:
            message = error.message_dict.get("token", [INVALID_EMAIL_LINK])[0]
            return self._render(request, error=message, status=400)
        return self._render(request, verified=user)

    def _render(
        self, request: HttpRequest, status: int = 200, **context: object
    ) -> HttpResponse:
        return render(request, self.template_name, context, status=status)


class PasswordResetPage(View):
    """The page a reset mail links to: the new password twice; every session ends."""

    template_name = "sessions_app/password_reset.html"

    def dispatch(self, request: HttpRequest, uidb64: str, token: str) -> HttpResponse:
        if token != RESET_TOKEN_PLACEHOLDER:
            request.session[RESET_TOKEN_SESSION_KEY] = token
            return redirect(
                "account:password-reset", uidb64=uidb64, token=RESET_TOKEN_PLACEHOLDER
            )
        token = request.session.get(RESET_TOKEN_SESSION_KEY, "")
        if wait := ip_throttled(request):  # the limits of the API's reset confirm
            return render(request, self.template_name, {"page_error": wait}, status=429)
        attempt = password_attempt(
            request, user=user_get_by_reset_uid(uidb64), username=f"reset:{uidb64}"
        )
        try:
            attempt.reserve()  # a wrong token is a guess at this account
        except Throttled as throttled:
            context = {"page_error": str(throttled.detail)}
            return render(request, self.template_name, context, status=429)
        user = user_get_by_reset_token(uid=uidb64, token=token)
        if user is None:
            attempt.failed(request)
            return render(request, self.template_name, {"form": None}, status=400)
        attempt.succeeded()
        form = SetPasswordForm(user, request.POST if request.method == "POST" else None)
        if request.method != "POST" or not form.is_valid():
            status = 400 if request.method == "POST" else 200
            return render(request, self.template_name, {"form": form}, status=status)
        services.session_password_change(
            user=user, new_password=form.cleaned_data["new_password1"]
        )
        del request.session[RESET_TOKEN_SESSION_KEY]
        return render(request, self.template_name, {"done": True})


class AdminPasswordChangePage(PasswordChangeView):
    """The admin's "Change password" page, through the session service.

    Django's own page saves the password and re-keys the cookie, but our session
    record would then see a changed password and sign the admin out. Here the
    service ends the other sessions (event `password_changed`) and keeps this one.
    """

    form_class = AdminPasswordChangeForm
    success_url = reverse_lazy("admin:password_change_done")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return {
            **admin.site.each_context(self.request),
            **super().get_context_data(**kwargs),
        }

    def form_valid(self, form: AdminPasswordChangeForm) -> HttpResponse:
        services.session_password_change(
            user=form.user,
            new_password=form.cleaned_data["new_password1"],
            keep_session=self.request.user_session,
        )
        update_session_auth_hash(self.request, form.user)  # a new cookie key
        return HttpResponseRedirect(self.get_success_url())
