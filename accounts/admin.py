from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from accounts.models import User


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ["username", "mobile", "real_name", "email", "is_staff", "is_active",
                    "date_joined"]
    list_filter = ["is_staff", "is_active", "is_superuser"]
    search_fields = ["username", "mobile", "real_name", "email"]
    ordering = ["-date_joined"]
    fieldsets = [
        (None, {"fields": ["username", "password"]}),
        ("Personal info", {"fields": ["real_name", "mobile", "email", "tz"]}),
        ("Permissions", {"fields": ["is_active", "is_staff", "is_superuser", "groups",
                                    "user_permissions"]}),
        ("Important dates", {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (None, {
            "classes": ["wide"],
            "fields": ["username", "mobile", "real_name", "tz", "password1", "password2"],
        }),
    ]
