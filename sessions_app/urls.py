from django.urls import path

from sessions_app import views

app_name = "sessions"

session_list = views.SessionViewSet.as_view({"get": "list", "delete": "end_all"},
                                            suffix="List")
session_detail = views.SessionViewSet.as_view({"get": "retrieve", "delete": "destroy"})

urlpatterns = [
    path("auth/register/", views.RegisterView.as_view(), name="register"),
    path("auth/login/", views.LoginView.as_view(), name="login"),
    path("auth/logout/", views.LogoutView.as_view(), name="logout"),
    path("auth/password/", views.PasswordChangeView.as_view(), name="password-change"),
    path("auth/password/reset/", views.PasswordResetView.as_view(),
         name="password-reset"),
    path("auth/password/reset/confirm/", views.PasswordResetConfirmView.as_view(),
         name="password-reset-confirm"),
    path("auth/users/me/", views.MeView.as_view(), name="me"),
    path("auth/users/me/events/", views.SecurityEventViewSet.as_view({"get": "list"}),
         name="event-list"),
    path("auth/users/me/sessions/", session_list, name="session-list"),
    path("auth/users/me/sessions/<uuid:pk>/", session_detail, name="session-detail"),
    path("users/<str:mobile>/sessions/", views.StaffUserSessionsView.as_view(),
         name="staff-user-sessions"),
    path("sessions/<uuid:pk>/", views.StaffSessionView.as_view(), name="staff-session"),
]

# The original projects' staff lookups, mounted at the site root ("legacy" namespace).
legacy_urlpatterns = [
    path("users/session/<str:mobile>/", views.StaffUserSessionsView.as_view(),
         name="staff-user-sessions"),
    path("users/session/<str:mobile>/v/",
         views.StaffUserSessionsView.as_view(always_verbose=True),
         name="staff-user-sessions-verbose"),
]

# The browsable API's login and logout pages, under DRF's "rest_framework" namespace.
browser_urlpatterns = [
    path("login/", views.BrowserLoginView.as_view(), name="login"),
    path("logout/", views.BrowserLogoutView.as_view(), name="logout"),
]
