"""Two-factor sign-in in the admin: a "2FA" column on users, devices read-only.

No secret, code or digest is ever shown; turning it off for a user who lost the
device goes through the staff API (step-up, permission, event with the actor).
"""

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.db.models import QuerySet
from django.http import HttpRequest

from mfa import selectors
from mfa.models import TOTPDevice

# `accounts` knows nothing of two factors: extend whatever user admin is registered.
User = get_user_model()
_user_admin_class = type(admin.site._registry[User])
admin.site.unregister(User)


@admin.register(User)
class UserWithTwoFactorAdmin(_user_admin_class):
    list_display = [*_user_admin_class.list_display, "two_factor"]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return (
            super()
            .get_queryset(request)
            .annotate(mfa_enabled=selectors.mfa_enabled_expression())
        )

    @admin.display(description="2FA", boolean=True, ordering="mfa_enabled")
    def two_factor(self, user: User) -> bool:
        return user.mfa_enabled


@admin.register(TOTPDevice)
class TOTPDeviceAdmin(admin.ModelAdmin):
    list_display = ["user", "is_confirmed", "created_at", "confirmed_at"]
    list_select_related = ["user"]
    search_fields = ["user__username", "user__mobile"]
    fields = ["user", "is_confirmed", "created_at", "confirmed_at"]
    readonly_fields = fields

    @admin.display(boolean=True, description="confirmed")
    def is_confirmed(self, device: TOTPDevice) -> bool:
        return device.is_confirmed

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(
        self, request: HttpRequest, obj: TOTPDevice | None = None
    ) -> bool:
        return False

    def has_delete_permission(
        self, request: HttpRequest, obj: TOTPDevice | None = None
    ) -> bool:
        return False
