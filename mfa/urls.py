from django.urls import path

from mfa import views

app_name = "mfa"

urlpatterns = [
    path("auth/login/mfa/", views.LoginMfaView.as_view(), name="login"),
    path(
        "auth/browser/login/mfa/",
        views.SpaLoginMfaView.as_view(),
        name="browser-login",
    ),
    path("auth/mfa/", views.MfaStatusView.as_view(), name="status"),
    path("auth/mfa/totp/", views.TotpView.as_view(), name="totp"),
    path("auth/mfa/totp/setup/", views.TotpSetupView.as_view(), name="totp-setup"),
    path(
        "auth/mfa/totp/confirm/", views.TotpConfirmView.as_view(), name="totp-confirm"
    ),
    path(
        "auth/mfa/recovery-codes/",
        views.RecoveryCodesView.as_view(),
        name="recovery-codes",
    ),
    path(
        "users/<str:mobile>/mfa/",
        views.StaffMfaResetView.as_view(),
        name="staff-reset",
    ),
]
