"""Demo members in bulk: realistic names, unique mobiles and past activity periods."""

import itertools
import random
import unicodedata
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from typing import NamedTuple

from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from django.db.models import Max
from django.db.models.functions import Lower
from django.utils import timezone
from phonenumber_field.phonenumber import PhoneNumber

from accounts.demo import DEMO_PASSWORD
from accounts.models import User
from activity.demo_names import REGIONS
from activity.models import ActivityPeriod

# Populated members get the mobiles +91 7000000001, +91 7000000002, ...: the largest
# one in that block says where a later run continues.
MOBILE_BLOCK_FIRST = 7_000_000_000  # national number of "member 0"
MOBILE_BLOCK_LAST = 7_999_999_999
DEFAULT_BATCH_SIZE = {"postgresql": 5000}
# Members per round elsewhere; Django splits SQLite INSERTs by its variable limit.
OTHER_CHUNK = 2000

_Batch = tuple[list[User], list[ActivityPeriod]]


class PopulateResult(NamedTuple):
    """What one run made: members, periods, and the first and last new usernames."""

    users: int
    periods: int
    first_username: str
    last_username: str


def _indian_mobile(national_number: int) -> PhoneNumber:
    """Return +91 and the number, built from its parts: parsing strings is slow."""
    return PhoneNumber(country_code=91, national_number=national_number)


def _ascii_slug(name: str) -> str:
    """Return the name in lower-case ASCII letters and digits, for usernames."""
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return "".join(ch for ch in plain.lower() if ch.isalnum())


def _next_member_number() -> int:
    """Return the number after the largest populated mobile, so runs never collide."""
    block = (_indian_mobile(MOBILE_BLOCK_FIRST), _indian_mobile(MOBILE_BLOCK_LAST))
    largest = User.objects.filter(mobile__range=block).aggregate(largest=Max("mobile"))
    if not largest["largest"]:
        return 1
    return int(str(largest["largest"])[len("+91") :]) - MOBILE_BLOCK_FIRST + 1


def _member_periods(
    rng: random.Random, *, now: datetime, count: int
) -> tuple[list[tuple[datetime, datetime]], datetime]:
    """Return `count` past periods, oldest first, never overlapping; and a join date."""
    spans = []
    end = now - timedelta(seconds=600 + rng.random() * 2 * 86400)
    for _ in range(count):
        start = end - timedelta(seconds=300 + rng.random() * 8 * 3600)
        spans.append((start, end))
        end = start - timedelta(seconds=1800 + rng.random() * 3 * 86400)
    spans.reverse()
    return spans, end - timedelta(seconds=rng.random() * 365 * 86400)


def _member_batches(
    rng: random.Random,
    *,
    numbers: range,
    chunk: int,
    periods_per_member: int,
    password_hash: str,
    now: datetime,
) -> Iterator[_Batch]:
    """Yield members with their periods, `chunk` members at a time."""
    for offset in range(0, len(numbers), chunk):
        users, periods = [], []
        for number in numbers[offset : offset + chunk]:
            first_names, last_names, zones = REGIONS[int(rng.random() * len(REGIONS))]
            first = first_names[int(rng.random() * len(first_names))]
            last = last_names[int(rng.random() * len(last_names))]
            spans, joined = _member_periods(rng, now=now, count=periods_per_member)
            username = f"{_ascii_slug(first)}.{_ascii_slug(last)}.{number}"
            user = User(
                id=uuid.UUID(int=rng.getrandbits(128), version=4),
                username=username,
                mobile=_indian_mobile(MOBILE_BLOCK_FIRST + number),
                first_name=first,
                last_name=last,
                real_name=f"{first} {last}",
                tz=zones[int(rng.random() * len(zones))],
                password=password_hash,
                date_joined=joined,
                last_login=spans[-1][0] if spans else None,
            )
            users.append(user)
            periods.extend(
                ActivityPeriod(user_id=user.id, start_time=start, end_time=end)
                for start, end in spans
            )
        yield users, periods


def _built_ahead(batches: Iterator[_Batch]) -> Iterator[_Batch]:
    """Yield the batches, building the next one in a thread while this one is written.

    The database driver releases the GIL while a query runs, so generating rows and
    inserting them overlap instead of taking turns.
    """
    with ThreadPoolExecutor(max_workers=1) as pool:
        pending = pool.submit(next, batches, None)
        while (batch := pending.result()) is not None:
            pending = pool.submit(next, batches, None)
            yield batch


def _rename_taken_usernames(users: list[User]) -> None:
    """Give a new name to any generated username someone has taken (in any case)."""
    for attempt in itertools.count(2):
        wanted = {user.username: user for user in users}
        taken = (
            User.objects.annotate(name=Lower("username"))
            .filter(name__in=list(wanted))
            .values_list("name", flat=True)
        )
        if not taken:
            return
        for name in taken:
            wanted[name].username = f"{name.rsplit('_', 1)[0]}_{attempt}"


def _give_verified_addresses(users: list[User]) -> None:
    """Give each member a verified address after its username, unless someone has it."""
    for user in users:
        user.email = f"{user.username.lower()}@example.com"
    taken = set(
        User.objects.annotate(address=Lower("email"))
        .filter(address__in=[user.email for user in users])
        .values_list("address", flat=True)
    )
    for user in users:
        if user.email in taken:
            user.email = ""


@transaction.atomic
def member_populate(
    *,
    count: int,
    periods_per_member: int = 3,
    seed: int | None = None,
    batch_size: int | None = None,
    now: datetime | None = None,
    on_progress: Callable[[int], object] | None = None,
) -> PopulateResult:
    """Bulk-create demo members with closed, separate past periods; all or none."""
    if count < 1 or periods_per_member < 0 or batch_size is not None and batch_size < 1:
        raise ValueError("count and batch_size must be at least 1, periods at least 0")
    now = now or timezone.now()
    first_number = _next_member_number()
    numbers = range(first_number, first_number + count)
    if MOBILE_BLOCK_FIRST + numbers[-1] > MOBILE_BLOCK_LAST:
        raise ValueError("the block of demo mobile numbers is full")
    # Seeded with where this run starts: the same --seed again adds new, repeatable data
    rng = random.Random(None if seed is None else f"{seed}:{first_number}")
    batch_size = batch_size or DEFAULT_BATCH_SIZE.get(connection.vendor)
    password_hash = make_password(DEMO_PASSWORD)  # once: every demo member shares it
    batches = _member_batches(
        rng,
        numbers=numbers,
        chunk=batch_size or OTHER_CHUNK,
        periods_per_member=periods_per_member,
        password_hash=password_hash,
        now=now,
    )
    users_made = periods_made = 0
    first_username = last_username = ""
    for users, periods in _built_ahead(batches):
        _rename_taken_usernames(users)
        _give_verified_addresses(users)
        User.objects.bulk_create(users, batch_size=batch_size)
        ActivityPeriod.objects.bulk_create(periods, batch_size=batch_size)
        users_made += len(users)
        periods_made += len(periods)
        first_username = first_username or users[0].username
        last_username = users[-1].username
        if on_progress is not None:
            on_progress(len(users))
    if connection.vendor == "postgresql":
        # Fresh planner statistics, as PostgreSQL advises after a bulk load.
        tables = ", ".join(
            connection.ops.quote_name(model._meta.db_table)
            for model in (User, ActivityPeriod)
        )
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {tables}")
    return PopulateResult(users_made, periods_made, first_username, last_username)
