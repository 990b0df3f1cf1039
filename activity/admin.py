from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from activity.models import ActivityPeriod


class OpenPeriodFilter(admin.SimpleListFilter):
    title = "status"
    parameter_name = "status"

    def lookups(
        self, request: HttpRequest, model_admin: admin.ModelAdmin
    ) -> list[tuple[str, str]]:
        return [("open", "Open"), ("closed", "Closed")]

    def queryset(
        self, request: HttpRequest, queryset: QuerySet[ActivityPeriod]
    ) -> QuerySet[ActivityPeriod]:
        if self.value() == "open":
            return queryset.filter(end_time__isnull=True)
        if self.value() == "closed":
            return queryset.filter(end_time__isnull=False)
        return queryset


@admin.register(ActivityPeriod)
class ActivityPeriodAdmin(admin.ModelAdmin):
    list_display = ["user", "start_time", "end_time", "is_open", "session"]
    list_filter = [OpenPeriodFilter]
    date_hierarchy = "start_time"
    search_fields = ["user__username", "user__mobile"]
    list_select_related = ["user", "session"]
    ordering = ["-start_time"]
    readonly_fields = ["user", "session", "start_time", "end_time"]

    @admin.display(boolean=True, description="open")
    def is_open(self, period: ActivityPeriod) -> bool:
        return period.is_open

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(
        self, request: HttpRequest, obj: ActivityPeriod | None = None
    ) -> bool:
        return False

    def has_delete_permission(
        self, request: HttpRequest, obj: ActivityPeriod | None = None
    ) -> bool:
        return False  # the record of when people were signed in is not staff's to edit
