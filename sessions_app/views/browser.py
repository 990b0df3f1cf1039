"""Django pages for people in a browser: the browsable API's login and logout, and
the pages a mailed link opens (email verification, password reset)."""

from typing import Any

from django.contrib import admin
from django.contrib.admin.forms import AdminPasswordChangeForm
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.forms import SetPasswordForm
from django.contrib.auth.views import LoginView as DjangoLoginView
from django.contrib.auth.views import LogoutView as DjangoLogoutView
from django.contrib.auth.views import PasswordChangeView
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _
from django.views import View

from accounts.selectors import user_get_by_email_token, user_get_by_reset_token
from accounts.services import user_verify_email
from sessions_app import services
from sessions_app.forms import BrowserLoginForm

# The reset link's token moves into the session at once (as Django's own reset view
# does): it then leaves no trace in the address bar, Referer headers or later logs.
RESET_TOKEN_SESSION_KEY = "_password_reset_token"
RESET_TOKEN_PLACEHOLDER = "set-password"
INVALID_EMAIL_LINK = _("This link is invalid, has expired or was already used.")


class BrowserLoginView(DjangoLoginView):
    """The browsable API's login page, refusing politely under `ON_LIMIT=refuse_new`."""

    template_name = "rest_framework/login.html"
    authentication_form = BrowserLoginForm


class BrowserLogoutView(DjangoLogoutView):
    """Log out on POST; a GET (a link, as Swagger UI has) asks first: CSRF."""

    http_method_names = ["get", "post", "options"]
    next_page = "rest_framework:login"  # not the admin's "logged out" page

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        next_url = request.GET.get("next", "")
        return render(request, "sessions_app/logout_confirm.html", {"next": next_url})


class EmailVerifyPage(View):
    """The page a verification mail links to: one button confirms the address."""

    template_name = "sessions_app/email_verify.html"

    def get(self, request: HttpRequest, token: str) -> HttpResponse:
        user = user_get_by_email_token(token)
        if user is None:
            return self._render(request, error=INVALID_EMAIL_LINK, status=400)
        return self._render(
            request, pending_email=user.pending_email, username=user.username
        )

    def post(self, request: HttpRequest, token: str) -> HttpResponse:
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
        user = user_get_by_reset_token(uid=uidb64, token=token)
        if user is None:
            return render(request, self.template_name, {"form": None}, status=400)
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
