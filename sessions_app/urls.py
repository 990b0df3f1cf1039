from django.contrib.auth.views import LogoutView as BrowserLogoutView
from django.urls import path

from sessions_app import views

app_name = "sessions"

urlpatterns = [
    path("auth/register/", views.RegisterView.as_view(), name="register"),
    path("auth/login/", views.LoginView.as_view(), name="login"),
    path("auth/logout/", views.LogoutView.as_view(), name="logout"),
    path("auth/password/", views.PasswordChangeView.as_view(), name="password-change"),
]

# The browsable API's login and logout pages, under DRF's "rest_framework" namespace.
browser_urlpatterns = [
    path("login/", views.BrowserLoginView.as_view(), name="login"),
    path("logout/", BrowserLogoutView.as_view(), name="logout"),
]
