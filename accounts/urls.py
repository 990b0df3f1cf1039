from django.urls import path

from accounts import views

app_name = "accounts"

urlpatterns = [
    path("users/", views.UserListView.as_view(), name="user-list"),
    path("users/signup/", views.SignupView.as_view(), name="signup"),
]

# The original projects' routes, mounted at the site root under the "legacy" namespace.
legacy_urlpatterns = [
    path("users/list/", views.UserListView.as_view(), name="user-list"),
    path("users/signup/", views.SignupView.as_view(), name="signup"),
]
