import io
import zoneinfo

import phonenumbers
import pytest
from django.contrib.auth.hashers import check_password
from django.core.management import (
    CommandError,
    call_command,
    execute_from_command_line,
)
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.demo import DEMO_PASSWORD
from accounts.models import User
from activity import seeding
from activity.models import ActivityPeriod

pytestmark = pytest.mark.django_db


class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def populate(*args: str) -> str:
    out = io.StringIO()
    call_command("populate", *args, stdout=out)
    return out.getvalue()


def member_rows() -> list[tuple]:
    return list(
        User.objects.order_by("mobile").values_list(
            "id", "username", "mobile", "real_name", "tz"
        )
    )


def period_lengths() -> list:
    return [
        p.end_time - p.start_time
        for p in ActivityPeriod.objects.order_by("user__mobile", "start_time")
    ]


def test_populate_creates_members_with_valid_unique_data(make_user):
    existing = make_user()
    before = timezone.now()

    output = populate("40", "--seed", "7")

    members = User.objects.exclude(pk=existing.pk)
    assert members.count() == 40
    mobiles = [str(m) for m in members.values_list("mobile", flat=True)]
    assert len(set(mobiles)) == 40
    for mobile in mobiles:
        number = phonenumbers.parse(mobile, "IN")
        assert phonenumbers.is_valid_number_for_region(number, "IN")
        assert mobile[3] in "6789" and len(mobile) == 13
    assert len(set(members.values_list("username", flat=True))) == 40
    zones = set(members.values_list("tz", flat=True))
    assert len(zones) > 10
    for member in members:
        zoneinfo.ZoneInfo(member.tz)
        assert " " in member.real_name
        assert member.is_active and not member.is_staff
    assert check_password(DEMO_PASSWORD, members.first().password)
    assert output.count("\n") == 1
    assert output.startswith("Created 40 members")
    assert "120 activity periods" in output
    assert ActivityPeriod.objects.filter(end_time__gte=before).count() == 0


def test_periods_are_closed_in_the_past_and_never_overlap():
    now = timezone.now()

    populate("25", "--periods", "4", "--seed", "3")

    assert ActivityPeriod.objects.count() == 100
    assert not ActivityPeriod.objects.filter(end_time__isnull=True).exists()
    assert not ActivityPeriod.objects.filter(session__isnull=False).exists()
    for member in User.objects.prefetch_related("activity_periods"):
        periods = sorted(member.activity_periods.all(), key=lambda p: p.start_time)
        assert len(periods) == 4
        assert member.date_joined < periods[0].start_time
        for earlier, later in zip(periods, periods[1:], strict=False):
            assert earlier.end_time < later.start_time
        assert all(p.start_time < p.end_time < now for p in periods)


def test_running_twice_with_the_same_seed_adds_new_members():
    populate("30", "--seed", "1")
    first_run = set(User.objects.values_list("username", flat=True))

    populate("30", "--seed", "1")

    assert User.objects.count() == 60
    assert ActivityPeriod.objects.count() == 180
    second_run = set(User.objects.values_list("username", flat=True)) - first_run
    assert len(second_run) == 30
    mobiles = User.objects.values_list("mobile", flat=True)
    numbers = sorted(int(str(mobile)[4:]) for mobile in mobiles)
    assert numbers == list(range(1, 61))  # mobiles continue from the largest one


def test_the_same_seed_gives_the_same_data_on_an_empty_database():
    populate("20", "--seed", "42", "--batch-size", "7")
    first, first_lengths = member_rows(), period_lengths()
    User.objects.all().delete()

    populate("20", "--seed", "42")

    assert member_rows() == first
    assert period_lengths() == first_lengths  # times are the same, relative to now


def test_without_a_seed_runs_differ():
    populate("5")
    first = {row[0] for row in member_rows()}
    User.objects.all().delete()

    populate("5")

    assert User.objects.count() == 5
    assert not first & {row[0] for row in member_rows()}


def test_a_taken_username_gets_another_name():
    populate("1", "--seed", "9")
    [(_, username, *_rest)] = member_rows()
    User.objects.all().delete()
    User.objects.create(username=username.upper(), mobile="+919812345678")

    populate("1", "--seed", "9")

    generated = User.objects.exclude(mobile="+919812345678").get()
    assert generated.username.lower() != username.lower()
    assert generated.username.startswith(username)


def test_periods_zero_creates_members_only():
    output = populate("3", "--periods", "0")

    assert User.objects.count() == 3
    assert ActivityPeriod.objects.count() == 0
    assert "0 activity periods" in output


@pytest.mark.parametrize("count", ["0", "-3", "abc", "2.5"])
def test_a_count_that_is_not_a_positive_whole_number_is_refused(count):
    with pytest.raises(CommandError, match="whole number of at least 1"):
        call_command("populate", count, stdout=io.StringIO())

    assert User.objects.count() == 0
    assert ActivityPeriod.objects.count() == 0


@pytest.mark.parametrize(
    "args", [["5", "--periods", "-1"], ["5", "--batch-size", "0"], []]
)
def test_bad_options_are_refused_and_write_nothing(args):
    with pytest.raises(CommandError):
        call_command("populate", *args, stdout=io.StringIO())

    assert User.objects.count() == 0


def test_from_the_command_line_a_bad_count_exits_non_zero(capsys):
    with pytest.raises(SystemExit) as exit_info:
        execute_from_command_line(["manage.py", "populate", "zero"])

    assert exit_info.value.code != 0
    error = capsys.readouterr().err
    assert "argument N: 'zero' is not a whole number of at least 1" in error
    assert User.objects.count() == 0


def test_inserts_in_batches_and_hashes_the_password_once(monkeypatch):
    hashed = []
    real_make_password = seeding.make_password
    monkeypatch.setattr(
        seeding,
        "make_password",
        lambda raw: hashed.append(raw) or real_make_password(raw),
    )
    monkeypatch.setattr(
        User.objects, "create_user", lambda *a, **k: pytest.fail("create_user called")
    )

    with CaptureQueriesContext(connection) as queries:
        populate("300", "--batch-size", "100")

    inserts = [q for q in queries if q["sql"].lstrip().upper().startswith("INSERT")]
    assert hashed == [DEMO_PASSWORD]
    assert User.objects.count() == 300
    # PostgreSQL: one INSERT per 100 users and one per 100 periods; SQLite splits each
    # further by its limit of 999 variables, still far fewer statements than rows.
    assert 6 <= len(inserts) <= 40


def test_a_failure_midway_writes_nothing(monkeypatch):
    real_bulk_create = ActivityPeriod.objects.bulk_create
    calls = []

    def fail_on_second_batch(objs, **kwargs):
        calls.append(len(objs))
        if len(calls) == 2:
            raise RuntimeError("disk full")
        return real_bulk_create(objs, **kwargs)

    monkeypatch.setattr(ActivityPeriod.objects, "bulk_create", fail_on_second_batch)

    with pytest.raises(RuntimeError):
        populate("20", "--batch-size", "10")

    assert calls == [30, 30]
    assert User.objects.count() == 0
    assert ActivityPeriod.objects.count() == 0


def test_a_progress_bar_is_shown_on_a_terminal_only():
    terminal = FakeTerminal()

    call_command("populate", "50", "--batch-size", "10", stdout=terminal)

    shown = terminal.getvalue()
    assert "0/50" in shown and "|" in shown  # tqdm's bar
    assert "Created 50 members" in shown
    assert populate("5").count("\n") == 1  # not a terminal: the summary only


def test_members_get_verified_addresses_that_nobody_else_holds(make_user):
    populate("3", "--seed", "7")
    first, *others = User.objects.order_by("mobile")
    assert all(u.email == f"{u.username.lower()}@example.com" for u in [first, *others])
    User.objects.all().delete()
    holder = make_user(email=first.email.upper())

    populate("3", "--seed", "7")  # the same members again, on an empty block

    again = User.objects.get(username=first.username)
    assert again.email == ""  # someone else verified that address meanwhile
    assert holder.email == first.email.upper()
    assert all(User.objects.get(username=u.username).email == u.email for u in others)
