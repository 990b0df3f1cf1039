from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminPasswordChangeForm

from accounts.models import User
from accounts.services import user_change_password


class ServicePasswordChangeForm(AdminPasswordChangeForm):
    """Staff setting a user's password: through the service, so other sessions end."""

    def set_password_and_save(
        self, user: User, password_field_name: str = "password1", commit: bool = True
    ) -> User:
        if not commit:
            return super().set_password_and_save(
                user, password_field_name, commit=False
            )
        user_change_password(
            user=user, new_password=self.cleaned_data[password_field_name]
        )
        return user


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    change_password_form = ServicePasswordChangeForm
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
