from django.contrib import admin

from sessions_app.forms import AdminLoginForm
from sessions_app.models import UserSession

# The admin login refuses politely under ON_LIMIT=refuse_new, like the browsable API.
admin.site.login_form = AdminLoginForm


@admin.register(UserSession)
class UserSessionAdmin(admin.ModelAdmin):
    list_display = ["user", "device_name", "transport", "ip_address", "location",
                    "created_at", "last_activity", "is_active", "end_reason"]
    list_filter = ["is_active", "transport", "end_reason", "location"]
    search_fields = ["user__username", "user__mobile", "ip_address", "device_name"]
    list_select_related = ["user"]
    exclude = ["session_key_digest", "token_digest"]
    readonly_fields = [
        "id", "user", "transport", "ip_address", "user_agent", "browser", "os",
        "device_type", "device_name", "location", "login_method", "created_at",
        "last_activity", "expires_at", "ended_at", "end_reason", "is_active",
    ]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
