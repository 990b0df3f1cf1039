from django.contrib import admin
from django.urls import include, path, re_path

from accounts.urls import legacy_urlpatterns as accounts_legacy
from config.views import HealthView, api_not_found
from sessions_app.urls import browser_urlpatterns

api_v1 = [
    path("health/", HealthView.as_view(), name="health"),
    path("", include("accounts.urls")),
    path("", include("sessions_app.urls")),
]

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api-auth/", include((browser_urlpatterns, "rest_framework"))),
    path("api/v1/", include(api_v1)),
    path("", include((accounts_legacy, "legacy"))),
    re_path(r"^api/(?P<path>.*)$", api_not_found, name="api-not-found"),
]

handler404 = "config.errors.json_not_found"
handler500 = "config.errors.json_server_error"
