"""Query filters and output shapes for activity periods and members."""

import functools
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from accounts.models import User
from activity.models import ActivityPeriod


@functools.lru_cache(maxsize=1024)
def member_zone(name: str) -> tzinfo:
    """Return the member's time zone; UTC if the stored name is not a known zone."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return UTC


def local_iso(value: datetime | None, zone: tzinfo) -> str | None:
    """Format an aware time as ISO 8601 in the given zone (`Z` for UTC, as DRF does)."""
    if value is None:
        return None
    text = value.astimezone(zone).isoformat()
    return f"{text[:-6]}Z" if text.endswith("+00:00") else text


def period_times(period: ActivityPeriod, zone: tzinfo) -> dict[str, str | None]:
    """Return a period's start and end in the given zone; `end_time` None while open."""
    return {
        "start_time": local_iso(period.start_time, zone),
        "end_time": local_iso(period.end_time, zone),
    }


def utc_day(day: date) -> tuple[datetime, datetime]:
    """Return when a UTC day starts and ends (the last representable day never ends)."""
    start = datetime.combine(day, time.min, tzinfo=UTC)
    try:
        return start, start + timedelta(days=1)
    except OverflowError:
        return start, datetime.max.replace(tzinfo=UTC)


class ActivityFilterSerializer(serializers.Serializer):
    """A span of time: a UTC day, and/or a start and an end (ISO 8601)."""

    date = serializers.DateField(
        required=False, help_text="A UTC day, YYYY-MM-DD: periods overlapping it."
    )
    start = serializers.DateTimeField(
        required=False,
        help_text="Periods running at or after this time (ISO 8601; UTC if naive).",
    )
    end = serializers.DateTimeField(
        required=False,
        help_text="Periods started before this time (ISO 8601; UTC if naive).",
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        start, end = attrs.pop("start", None), attrs.pop("end", None)
        if start is not None and end is not None and start > end:
            raise serializers.ValidationError(
                {"end": [_("end must not be before start.")]}
            )
        day = attrs.pop("date", None)
        if day is not None:  # intersect the UTC day with start/end
            day_start, day_end = utc_day(day)
            start = day_start if start is None else max(start, day_start)
            end = day_end if end is None else min(end, day_end)
        if start is not None:
            attrs["start"] = start
        if end is not None:
            attrs["end"] = end
        return attrs


class MemberFilterSerializer(ActivityFilterSerializer):
    """The members filters: a span of time and/or one user."""

    user = serializers.UUIDField(required=False, help_text="Only this user (id).")


class ActivityPeriodSerializer(serializers.ModelSerializer):
    """A period in ISO 8601 in its member's time zone; `end_time` is null while open."""

    class Meta:
        model = ActivityPeriod
        fields = ["start_time", "end_time"]
        read_only_fields = fields

    def to_representation(self, period: ActivityPeriod) -> dict[str, str | None]:
        return period_times(period, member_zone(period.user.tz))


class MemberSerializer(serializers.ModelSerializer):
    """A member and their activity periods."""

    activity_periods = ActivityPeriodSerializer(many=True, read_only=True)

    class Meta:
        model = User
        fields = ["id", "real_name", "tz", "activity_periods"]
        read_only_fields = fields

    def to_representation(self, member: User) -> dict[str, Any]:
        # Written out: a page formats hundreds of periods; field by field is slower.
        zone = member_zone(member.tz)
        return {
            "id": str(member.id),
            "real_name": member.real_name,
            "tz": member.tz,
            "activity_periods": [
                period_times(period, zone) for period in member.activity_periods.all()
            ],
        }


class MemberPageSerializer(serializers.Serializer):
    """A page of members (documentation of `GET /api/v1/activity/members/`)."""

    ok = serializers.BooleanField(help_text="Always true.")
    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    members = MemberSerializer(many=True)


class LegacyMemberPageSerializer(serializers.Serializer):
    """The original route's shape: 100 members, and `next` only when there are more."""

    ok = serializers.BooleanField(help_text="Always true.")
    members = MemberSerializer(many=True)
    next = serializers.URLField(required=False)
