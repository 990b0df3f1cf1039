"""Demo messages in bulk: M past messages spread evenly among the members."""

import random
from collections.abc import Callable
from datetime import datetime, timedelta

from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone

from accounts.models import User
from messaging.models import Message

DEFAULT_BATCH_SIZE = {"postgresql": 5000}
# Messages per round elsewhere; Django splits SQLite INSERTs by its variable limit.
OTHER_CHUNK = 2000
SPAN = timedelta(days=30)
PHRASES = [
    "Hi! Are we still on for tomorrow?",
    "Thanks, that helps a lot.",
    "Running ten minutes late, sorry.",
    "Can you send me the notes from the meeting?",
    "Happy birthday! 🎉",
    "Did you see the match last night?",
    "Lunch at one?",
    "The report is ready for review.",
    "Call me when you are free.",
    "Good morning from the other side of the world.",
    "I have pushed the fix, please take a look.",
    "Let's catch up next week.",
    "Namaste! How was the trip?",
    "Got it, thanks.",
    "See you at the station.",
    "Could you share the slides?",
]


def _member_ids() -> list:
    return list(
        User.objects.filter(is_active=True).order_by("pk").values_list("pk", flat=True)
    )


@transaction.atomic
def message_populate(
    *,
    count: int,
    seed: int | None = None,
    batch_size: int | None = None,
    now: datetime | None = None,
    on_progress: Callable[[int], object] | None = None,
) -> int:
    """Bulk-create past messages, each active member sending as many; all or none.

    Senders take turns, receivers are drawn at random among the others, times fall in
    the last 30 days. Returns how many members took part.
    """
    if count < 0 or batch_size is not None and batch_size < 1:
        raise ValueError("count must be at least 0 and batch_size at least 1")
    members = _member_ids()
    if count and len(members) < 2:
        raise ValueError("messages need at least two active members")
    now = now or timezone.now()
    # Seeded with where this run starts: the same seed again adds new, repeatable data.
    start = Message.objects.aggregate(last=Max("id"))["last"] or 0
    rng = random.Random(None if seed is None else f"{seed}:messages:{start}")
    batch_size = batch_size or DEFAULT_BATCH_SIZE.get(connection.vendor)
    chunk = batch_size or OTHER_CHUNK
    others = len(members) - 1
    span = SPAN.total_seconds()
    for offset in range(0, count, chunk):
        rows = []
        for number in range(offset, min(count, offset + chunk)):
            sender = number % len(members)
            receiver = (sender + 1 + int(rng.random() * others)) % len(members)
            rows.append(
                Message(
                    sender_id=members[sender],
                    receiver_id=members[receiver],
                    content=PHRASES[int(rng.random() * len(PHRASES))],
                    created_at=now - timedelta(seconds=rng.random() * span),
                )
            )
        Message.objects.bulk_create(rows, batch_size=batch_size)
        if on_progress is not None:
            on_progress(len(rows))
    if count and connection.vendor == "postgresql":
        # Fresh planner statistics, as PostgreSQL advises after a bulk load.
        with connection.cursor() as cursor:
            cursor.execute(
                f"ANALYZE {connection.ops.quote_name(Message._meta.db_table)}"
            )
    return len(members) if count else 0
