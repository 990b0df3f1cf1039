"""Reads of messages and blocks."""

import functools
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Literal
from uuid import UUID
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.db.models import OuterRef, Q, QuerySet, Subquery

from accounts.models import User
from accounts.selectors import user_get_by_username
from messaging.models import Block, Message

Folder = Literal["all", "sent", "received"]

MESSAGE_FIELDS = ("id", "sender", "receiver", "content", "created_at")


@functools.lru_cache(maxsize=1024)
def _zone(name: str) -> tzinfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return UTC


def _utc(moment: datetime) -> datetime | None:
    try:
        return moment.astimezone(UTC)
    except OverflowError:  # before year 1 or after 9999 once in UTC
        return None


def local_day_span(
    day: date, zone_name: str
) -> tuple[datetime | None, datetime | None]:
    """Return when a day in this time zone starts and ends, in UTC (None: unbounded)."""
    zone = _zone(zone_name)
    start = _utc(datetime.combine(day, time.min, tzinfo=zone))
    try:
        end = _utc(datetime.combine(day + timedelta(days=1), time.min, tzinfo=zone))
    except OverflowError:  # the last representable day
        end = None
    return start, end


def _username_of(party: str) -> Subquery:
    return Subquery(User.objects.filter(pk=OuterRef(party)).values("username")[:1])


def recipient_get_by_username(username: str) -> User | None:
    """Return the active member with this username (any case, as login reads it)."""
    user = user_get_by_username(username)
    return user if user is not None and user.is_active else None


def block_exists(*, blocker_id: UUID, blocked_id: UUID) -> bool:
    """Tell whether the blocker refuses messages from the blocked member."""
    return Block.objects.filter(blocker_id=blocker_id, blocked_id=blocked_id).exists()


def block_list_for_user(*, user_id: UUID) -> QuerySet[Block]:
    """Return the members this user blocks, newest block first."""
    return (
        Block.objects.filter(blocker_id=user_id)
        .select_related("blocked")
        .only("id", "created_at", "blocked__username")
        .order_by("-created_at", "-id")
    )


def message_list_for_user(
    *,
    user: User,
    folder: Folder = "all",
    other_username: str | None = None,
    day: date | None = None,
) -> QuerySet[Message]:
    """Return the user's sent, received or all messages, newest first.

    `other_username` keeps the messages with that member (none if unknown); `day` is a
    day in the user's own time zone. Each party has an index on (party, created_at,
    id), so a page and its count read only that member's index entries. The usernames
    (`sender_username`, `receiver_username`) are subqueries, not joins: PostgreSQL
    looks them up for the page's rows only, after sorting, where joins made it read
    every member for "all" (sent or received).
    """
    messages = Message.objects.all()
    other = None
    if other_username is not None:
        other = user_get_by_username(other_username)
        if other is None:
            return messages.none()
    if folder == "sent":
        messages = messages.filter(sender=user)
        if other is not None:
            messages = messages.filter(receiver=other)
    elif folder == "received":
        messages = messages.filter(receiver=user)
        if other is not None:
            messages = messages.filter(sender=other)
    elif other is not None:
        messages = messages.filter(
            Q(sender=user, receiver=other) | Q(sender=other, receiver=user)
        )
    else:
        messages = messages.filter(Q(sender=user) | Q(receiver=user))
    if day is not None:
        start, end = local_day_span(day, user.tz)
        if start is not None:
            messages = messages.filter(created_at__gte=start)
        if end is not None:
            messages = messages.filter(created_at__lt=end)
    return (
        messages.only(*MESSAGE_FIELDS)
        .annotate(
            sender_username=_username_of("sender_id"),
            receiver_username=_username_of("receiver_id"),
        )
        .order_by("-created_at", "-id")
    )
