from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminPasswordChangeForm
from django.http import HttpRequest, HttpResponse

from accounts.acting import acting_request, acting_staff, request_acting
from accounts.models import User
from accounts.services import user_change_password


class ServicePasswordChangeForm(AdminPasswordChangeForm):
    """Staff setting a user's password: through the service, so other sessions end.

    Staff changing their own password keep the session they do it from; the event
    names the acting staff member.
    """

    def set_password_and_save(
        self, user: User, password_field_name: str = "password1", commit: bool = True
    ) -> User:
        if not commit:
            return super().set_password_and_save(
                user, password_field_name, commit=False
            )
        actor = acting_staff()
        own_session = getattr(acting_request.get(), "user_session", None)
        keep = own_session.pk if own_session and actor and actor.pk == user.pk else None
        user_change_password(
            user=user,
            new_password=self.cleaned_data[password_field_name],
            keep_session_id=keep,
            actor=actor,
        )
        return user


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    change_password_form = ServicePasswordChangeForm

    def user_change_password(
        self, request: HttpRequest, id: str, form_url: str = ""
    ) -> HttpResponse:
        with request_acting(request):
            return super().user_change_password(request, id, form_url)

    def changeform_view(
        self,
        request: HttpRequest,
        object_id: str | None = None,
        form_url: str = "",
        extra_context: dict | None = None,
    ) -> HttpResponse:
        with request_acting(request):  # deactivating a user names who did it
            return super().changeform_view(request, object_id, form_url, extra_context)

    def changelist_view(
        self, request: HttpRequest, extra_context: dict | None = None
    ) -> HttpResponse:
        with request_acting(request):  # list edits and actions
            return super().changelist_view(request, extra_context)

    list_display = [
        "username",
        "mobile",
        "real_name",
        "email",
        "is_staff",
        "is_active",
        "date_joined",
    ]
    list_filter = ["is_staff", "is_active", "is_superuser"]
    search_fields = ["username", "mobile", "real_name", "email"]
    ordering = ["-date_joined"]
    fieldsets = [
        (None, {"fields": ["username", "password"]}),
        ("Personal info", {"fields": ["real_name", "mobile", "email", "tz"]}),
        (
            "Permissions",
            {
                "fields": [
                    "is_active",
                    "is_staff",
                    "is_superuser",
                    "groups",
                    "user_permissions",
                ]
            },
        ),
        ("Important dates", {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (
            None,
            {
                "classes": ["wide"],
                "fields": [
                    "username",
                    "mobile",
                    "real_name",
                    "tz",
                    "password1",
                    "password2",
                ],
            },
        ),
    ]
