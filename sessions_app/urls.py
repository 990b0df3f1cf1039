from django.urls import path

from mfa.pages import TwoFactorPage
from sessions_app.views import browser, me, pages, signin, spa, staff, tokens

app_name = "sessions"

session_list = me.SessionViewSet.as_view(
    {"get": "list", "delete": "end_all"}, suffix="List"
)
session_detail = me.SessionViewSet.as_view({"get": "retrieve", "delete": "destroy"})

urlpatterns = [
    path("auth/register/", signin.RegisterView.as_view(), name="register"),
    path("auth/login/", signin.LoginView.as_view(), name="login"),
    path("auth/logout/", signin.LogoutView.as_view(), name="logout"),
    path(
        "auth/token/refresh/", tokens.TokenRefreshView.as_view(), name="token-refresh"
    ),
    path("auth/csrf/", spa.CsrfTokenView.as_view(), name="csrf"),
    path("auth/browser/login/", spa.SpaLoginView.as_view(), name="browser-login"),
    path("auth/browser/logout/", spa.SpaLogoutView.as_view(), name="browser-logout"),
    path("auth/password/", signin.PasswordChangeView.as_view(), name="password-change"),
    path(
        "auth/password/reset/",
        signin.PasswordResetView.as_view(),
        name="password-reset",
    ),
    path(
        "auth/password/reset/confirm/",
        signin.PasswordResetConfirmView.as_view(),
        name="password-reset-confirm",
    ),
    path("auth/users/me/", me.MeView.as_view(), name="me"),
    path(
        "auth/reauthenticate/", me.ReauthenticateView.as_view(), name="reauthenticate"
    ),
    path("auth/email/verify/", signin.EmailVerifyView.as_view(), name="email-verify"),
    path(
        "auth/users/me/events/",
        me.SecurityEventViewSet.as_view({"get": "list"}),
        name="event-list",
    ),
    path("auth/users/me/sessions/", session_list, name="session-list"),
    path("auth/users/me/sessions/<uuid:pk>/", session_detail, name="session-detail"),
    path(
        "users/<str:mobile>/sessions/",
        staff.StaffUserSessionsView.as_view(),
        name="staff-user-sessions",
    ),
    path(
        "sessions/",
        staff.StaffSessionSearchViewSet.as_view({"get": "list"}),
        name="staff-session-list",
    ),
    path("sessions/<uuid:pk>/", staff.StaffSessionView.as_view(), name="staff-session"),
    path(
        "events/",
        staff.StaffEventSearchViewSet.as_view({"get": "list"}),
        name="staff-event-list",
    ),
]

# The original projects' staff lookups, mounted at the site root ("legacy" namespace).
legacy_urlpatterns = [
    path(
        "users/session/<str:mobile>/",
        staff.StaffUserSessionsView.as_view(),
        name="staff-user-sessions",
    ),
    path(
        "users/session/<str:mobile>/v/",
        staff.StaffUserSessionsView.as_view(always_verbose=True),
        name="staff-user-sessions-verbose",
    ),
]

# The browsable API's login and logout pages, under DRF's "rest_framework" namespace.
browser_urlpatterns = [
    path("login/", browser.BrowserLoginView.as_view(), name="login"),
    path("login/code/", browser.BrowserLoginCodeView.as_view(), name="login-code"),
    path("logout/", browser.BrowserLogoutView.as_view(), name="logout"),
]

# The admin's login pages (password, then a code with two factors), mounted at
# /admin/login/ ahead of the admin's own ("admin-login" namespace).
admin_login_urlpatterns = [
    path("", browser.AdminLoginPage.as_view(), name="login"),
    path("code/", browser.AdminLoginCodePage.as_view(), name="code"),
]

# The account pages, and those a mailed link opens, under /account/ ("account").
account_page_urlpatterns = [
    path("devices/", pages.DevicesPage.as_view(), name="devices"),
    path(
        "devices/<uuid:pk>/sign-out/",
        pages.DeviceSignOutView.as_view(),
        name="device-sign-out",
    ),
    path(
        "devices/sign-out-others/",
        pages.DevicesSignOutOthersView.as_view(),
        name="devices-sign-out-others",
    ),
    path(
        "confirm-password/",
        pages.ConfirmPasswordPage.as_view(),
        name="confirm-password",
    ),
    path("password/", pages.PasswordChangePage.as_view(), name="password-change"),
    path("email/", pages.EmailChangePage.as_view(), name="email-change"),
    path("sign-up/", pages.SignUpPage.as_view(), name="sign-up"),
    path("two-factor/", TwoFactorPage.as_view(), name="two-factor"),
    path(
        "password/reset/",
        pages.PasswordResetRequestPage.as_view(),
        name="password-reset-request",
    ),
    path(
        "email/verify/<str:token>/",
        browser.EmailVerifyPage.as_view(),
        name="email-verify",
    ),
    path(
        "password/reset/<str:uidb64>/<str:token>/",
        browser.PasswordResetPage.as_view(),
        name="password-reset",
    ),
]
