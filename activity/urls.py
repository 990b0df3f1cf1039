from django.urls import path

from activity import views

app_name = "activity"

urlpatterns = [
    path(
        "activity/members/",
        views.MemberViewSet.as_view({"get": "list"}),
        name="member-list",
    ),
    path(
        "auth/users/me/activity/",
        views.MyActivityViewSet.as_view({"get": "list"}),
        name="my-activity",
    ),
]

# The original project's route, mounted at the site root ("legacy" namespace).
legacy_urlpatterns = [
    path(
        "activity_record/members/",
        views.LegacyMemberViewSet.as_view({"get": "list"}),
        name="member-list",
    ),
]
