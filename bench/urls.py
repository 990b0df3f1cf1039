"""The project's URLs plus the bench views (bench.settings only)."""

from django.urls import path

from bench import views
from config import urls as project_urls

urlpatterns = [
    path("bench/bare/", views.BareView.as_view()),
    path("bench/drf-token/", views.DrfTokenView.as_view()),
    path("bench/session-token/", views.SessionTokenView.as_view()),
    path("bench/unprepared/", views.UnpreparedSessionTokenView.as_view()),
    path("bench/drf-me/", views.DrfMeView.as_view()),
    *project_urls.urlpatterns,
]

handler404 = project_urls.handler404
handler500 = project_urls.handler500
