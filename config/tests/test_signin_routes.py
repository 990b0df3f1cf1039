"""Every view that hashes or checks a password or a code is routed to the sign-in pool.

nginx sends the paths of serving/signin_routes.py's SIGNIN_URL_NAMES to the sign-in
pool. A view that checks a secret but is missing from that list would hash on the API
pool, where a login storm starves everything else. Two nets catch it: the view classes
known to check a secret (SECRET_CHECKING_VIEWS), and a scan of each view's own code,
its serializer's and its form's for the calls that hash or verify.
"""

import inspect
from collections.abc import Iterator

import pytest
from django.contrib.auth.forms import AuthenticationForm, SetPasswordForm

from accounts.views import SignupView
from mfa.pages import TwoFactorPage
from mfa.views import LoginMfaView, SpaLoginMfaView, TotpConfirmView
from serving.signin_routes import (
    SIGNIN_URL_NAMES,
    Route,
    nginx_location,
    route_walk,
    routes_to_signin,
    signin_routes,
)
from sessions_app.views import browser, me, pages, signin, spa, tokens

SECRET_CHECKING_VIEWS = (
    signin.RegisterView,
    signin.LoginView,
    signin.PasswordChangeView,
    signin.PasswordResetConfirmView,
    me.ReauthenticateView,
    tokens.TokenRefreshView,
    spa.SpaLoginView,
    SignupView,
    LoginMfaView,
    SpaLoginMfaView,
    TotpConfirmView,
    browser.BrowserLoginView,
    browser.BrowserLoginCodeView,
    browser.AdminLoginPage,
    browser.AdminLoginCodePage,
    browser.AdminPasswordChangePage,
    browser.PasswordResetPage,
    pages.ConfirmPasswordPage,
    pages.PasswordChangePage,
    pages.SignUpPage,
    TwoFactorPage,
)
# The admin's views (functions, not classes) that take a password: its login and its
# password change (both shadowed by ours on the same paths) and a staff member setting
# a user's password.
ADMIN_SECRET_VIEWS = {"login", "password_change", "user_change_password"}
# Calls that hash or verify a password or a code, as they appear in the source.
SECRET_CALLS = (
    "authenticate(",
    "check_password(",
    "set_password(",
    "make_password(",
    "password_login(",
    "user_signup(",
    "user_change_password(",
    "totp_confirm(",
    "mfa_login_finish(",
    "mfa_step_up(",
    "token_refresh(",
)
SECRET_FORMS = (AuthenticationForm, SetPasswordForm)


def view_class(route: Route) -> type | None:
    callback = route.callback
    return getattr(callback, "view_class", None) or getattr(callback, "cls", None)


def own_classes(cls: type) -> Iterator[type]:
    """The class and its bases defined in this project (not Django's, not DRF's)."""
    for klass in cls.__mro__:
        module = klass.__module__.split(".")[0]
        if module in {"accounts", "sessions_app", "mfa", "activity", "messaging"}:
            yield klass


def scanned_source(cls: type) -> str:
    """The code of the view's own classes, its serializer's and its form's."""
    parts = [inspect.getsource(klass) for klass in own_classes(cls)]
    for name in ("serializer_class", "form_class"):
        helper = getattr(cls, name, None)
        if isinstance(helper, type):
            parts += [inspect.getsource(klass) for klass in own_classes(helper)]
    return "\n".join(parts)


def checks_a_secret(route: Route) -> bool:
    cls = view_class(route)
    if cls is None:
        callback = route.callback
        return callback.__name__ in ADMIN_SECRET_VIEWS
    if issubclass(cls, SECRET_CHECKING_VIEWS):
        return True
    form = getattr(cls, "form_class", None)
    if isinstance(form, type) and issubclass(form, SECRET_FORMS):
        return True
    source = scanned_source(cls)
    return any(call in source for call in SECRET_CALLS)


def all_routes() -> list[Route]:
    return list(route_walk())


def test_every_name_on_the_list_is_a_url_pattern():
    assert {route.name for route in signin_routes()} == set(SIGNIN_URL_NAMES)


@pytest.mark.parametrize(
    "route",
    [route for route in all_routes() if checks_a_secret(route)],
    ids=lambda route: route.name or route.regex,
)
def test_view_that_checks_a_secret_is_routed_to_the_sign_in_pool(route):
    assert routes_to_signin(route.regex), (
        f"{route.name or route.regex} checks a password or a code: add its URL name "
        f"to SIGNIN_URL_NAMES in serving/signin_routes.py"
    )


def test_the_nets_find_the_known_views():
    """Each view on the known list is a URL pattern, and the scan finds it too."""
    routed = {view_class(route) for route in all_routes()}
    assert set(SECRET_CHECKING_VIEWS) <= routed
    scan_only = [
        cls
        for cls in SECRET_CHECKING_VIEWS
        if not any(call in scanned_source(cls) for call in SECRET_CALLS)
        and not issubclass(getattr(cls, "form_class", None) or object, SECRET_FORMS)
    ]
    assert len(scan_only) <= len(SECRET_CHECKING_VIEWS) // 2, scan_only


@pytest.mark.parametrize(
    "path_regex",
    ["^/api/v1/auth/users/me/$", "^/api/v1/health/$", "^/account/devices/$"],
)
def test_reads_stay_on_the_api_pool(path_regex):
    assert not routes_to_signin(path_regex)


def test_paths_with_parameters_become_regex_locations():
    assert nginx_location("^/api/v1/auth/login/$") == "location = /api/v1/auth/login/"
    assert nginx_location("^/a/(?P<token>[^/]+)/$") == 'location ~ "^/a/(?:[^/]+)/$"'
    assert nginx_location("^/account/sign\\-up/$") == "location = /account/sign-up/"
