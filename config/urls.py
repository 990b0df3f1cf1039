from csp.decorators import csp_update
from django.contrib import admin
from django.urls import include, path, re_path

from accounts.urls import legacy_urlpatterns as accounts_legacy
from activity.urls import legacy_urlpatterns as activity_legacy
from config.api_root import ApiRootView
from config.schema import build_schema_view
from config.views import HealthView, api_not_found
from messaging.urls import legacy_urlpatterns as messaging_legacy
from sessions_app.urls import (
    account_page_urlpatterns,
    admin_login_urlpatterns,
    browser_urlpatterns,
)
from sessions_app.urls import legacy_urlpatterns as sessions_legacy
from sessions_app.views import browser, pages, signin

schema_view = build_schema_view()
# Only the docs pages widen the strict policy (settings.CONTENT_SECURITY_POLICY):
# Swagger UI and ReDoc start web workers from blob: URLs, set inline styles and draw
# their icons from data: images. Still no inline script and nothing from elsewhere.
DOCS_CSP = {
    "worker-src": ["'self'", "blob:"],
    "style-src": ["'unsafe-inline'"],
    "img-src": ["data:"],
}

# The knox project's auth routes, with or without the slash (a redirect loses a POST).
original_auth_routes = [
    re_path(r"^api/auth/register/?$", signin.RegisterView.as_view(), name="register"),
    re_path(r"^api/auth/login/?$", signin.LoginView.as_view(), name="login"),
    re_path(r"^api/auth/logout/?$", signin.LogoutView.as_view(), name="logout"),
]
# The original projects' routes, answering as their v1 twins.
original_routes = [
    *accounts_legacy,
    *sessions_legacy,
    *activity_legacy,
    *original_auth_routes,
    *messaging_legacy,
]

api_v1 = [
    path("", ApiRootView.as_view(), name="api-root"),
    path("health/", HealthView.as_view(), name="health"),
    path("", include("accounts.urls")),
    path("", include("sessions_app.urls")),
    path("", include("activity.urls")),
    path("", include("messaging.urls")),
    path("", include("mfa.urls")),
]

urlpatterns = [
    path("", pages.HomePage.as_view(), name="home"),
    path(
        "admin/password_change/",
        admin.site.admin_view(browser.AdminPasswordChangePage.as_view()),
    ),  # before admin.site.urls, so "admin:password_change" lands here
    path(
        "admin/login/", include((admin_login_urlpatterns, "admin-login"))
    ),  # the admin's login, then a code page for two factors
    path("admin/", admin.site.urls),
    path("api-auth/", include((browser_urlpatterns, "rest_framework"))),
    path("account/", include((account_page_urlpatterns, "account"))),
    path("api/v1/", include(api_v1)),
    re_path(
        r"^swagger\.(?P<format>json|yaml)$",
        schema_view.without_ui(cache_timeout=0),
        name="schema-json",
    ),
    path(
        "docs/",
        csp_update(DOCS_CSP)(schema_view.with_ui("swagger", cache_timeout=0)),
        name="schema-swagger-ui",
    ),
    path(
        "redoc/",
        csp_update(DOCS_CSP)(schema_view.with_ui("redoc", cache_timeout=0)),
        name="schema-redoc",
    ),
    path("", include((original_routes, "legacy"))),
    re_path(r"^api/", api_not_found, name="api-not-found"),  # any rest, newlines too
]

handler404 = "config.errors.json_not_found"
handler500 = "config.errors.json_server_error"
