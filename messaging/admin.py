from django.contrib import admin
from django.http import HttpRequest

from messaging.models import Block, Message


class ReadOnlyAdmin(admin.ModelAdmin):
    """Browse and search only: messages and blocks change through the API's services."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(
        self, request: HttpRequest, obj: Message | Block | None = None
    ) -> bool:
        return False

    def has_delete_permission(
        self, request: HttpRequest, obj: Message | Block | None = None
    ) -> bool:
        return False


@admin.register(Message)
class MessageAdmin(ReadOnlyAdmin):
    # The content stays out of the list; a message's own page shows it.
    list_display = ["id", "sender", "receiver", "created_at"]
    list_select_related = ["sender", "receiver"]
    search_fields = ["sender__username", "receiver__username"]
    ordering = ["-created_at", "-id"]
    fields = ["sender", "receiver", "created_at", "content"]
    show_full_result_count = False  # no second COUNT(*) over millions of rows


@admin.register(Block)
class BlockAdmin(ReadOnlyAdmin):
    list_display = ["blocker", "blocked", "created_at"]
    list_select_related = ["blocker", "blocked"]
    search_fields = ["blocker__username", "blocked__username"]
    ordering = ["-created_at", "-id"]
    fields = ["blocker", "blocked", "created_at"]
