"""Set-based maintenance: expired sessions end in batches, old ones go in id batches.

Ending in bulk keeps every invariant of `session_end`: the row is ended once, the
cookie's store row is deleted, the period closes when the session really expired, and
the event is recorded.
"""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from activity.models import ActivityPeriod
from activity.services import period_end_time
from config.batches import delete_in_batches
from sessions_app import services
from sessions_app.models import (
    BrowserSession,
    EndReason,
    EventKind,
    SecurityEvent,
    Transport,
    UserSession,
)
from sessions_app.signals import session_ended, sessions_ended
from sessions_app.tests.factories import start_session

pytestmark = pytest.mark.django_db


def minutes_ago(minutes: int):
    return timezone.now() - timedelta(minutes=minutes)


def expire(session: UserSession, minutes: int) -> UserSession:
    """Put the session's end of life `minutes` in the past."""
    UserSession.objects.filter(pk=session.pk).update(expires_at=minutes_ago(minutes))
    session.refresh_from_db()
    return session


def expired_sessions(make_user, count: int) -> list[UserSession]:
    """`count` sessions started an hour ago whose lifetime ended minutes ago."""
    return [
        expire(start_session(make_user(), at=minutes_ago(60)).session, 5 + index)
        for index in range(count)
    ]


def store_row_for(session: UserSession) -> BrowserSession:
    return BrowserSession.objects.create(
        session_key=f"{session.pk.hex}{'0' * 32}"[:64],
        session_data="",
        expire_date=timezone.now() + timedelta(hours=1),
        user_session=session,
    )


def test_expired_sessions_end_in_batches_keeping_every_invariant(make_user):
    idle = expired_sessions(make_user, 3)
    cookie = start_session(
        make_user(),
        transport=Transport.COOKIE,
        session_key="k" * 32,
        at=minutes_ago(13 * 60),  # past COOKIE_TTL and idle
    ).session
    cookie.refresh_from_db()
    store_row_for(cookie)
    without_period = expired_sessions(make_user, 1)[0]
    ActivityPeriod.objects.filter(session=without_period).delete()
    fresh = start_session(make_user()).session
    now = timezone.now()

    ended = services.session_end_expired(at=now, batch_size=2)

    expired = [*idle, cookie, without_period]
    assert ended == len(expired)
    for session in expired:
        row = UserSession.objects.get(pk=session.pk)
        assert (row.is_active, row.end_reason, row.ended_at) == (
            False,
            EndReason.EXPIRED,
            now,
        )
        events = SecurityEvent.objects.exclude(kind=EventKind.LOGIN).filter(
            session=session
        )
        assert [(e.kind, e.detail, e.created_at) for e in events] == [
            (EventKind.SESSION_EXPIRED, {"reason": EndReason.EXPIRED}, now)
        ]
        assert events[0].user_id == session.user_id
        periods = ActivityPeriod.objects.filter(session=session)
        assert [p.end_time for p in periods] == [
            period_end_time(session=row, reason=EndReason.EXPIRED, at=now)
        ]
        assert periods[0].end_time < now, "closed when it expired, not when noticed"
    assert not BrowserSession.objects.filter(user_session=cookie).exists()
    assert UserSession.objects.get(pk=fresh.pk).is_active
    assert ActivityPeriod.objects.get(session=fresh).end_time is None


def test_bulk_end_matches_ending_one_session_at_a_time(make_user):
    bulk, single = expired_sessions(make_user, 2)
    expire(single, 5)  # both expired at the same time
    expire(bulk, 5)
    now = timezone.now()
    services.session_end(session=single, reason=EndReason.EXPIRED, at=now)

    services.session_end_expired(at=now)

    def outcome(session):
        row = UserSession.objects.get(pk=session.pk)
        event = SecurityEvent.objects.get(
            session=session, kind=EventKind.SESSION_EXPIRED
        )
        period = ActivityPeriod.objects.get(session=session)
        return (
            row.end_reason,
            row.ended_at,
            event.kind,
            event.detail,
            event.created_at,
            event.device_name,
            event.ip_address,
            period.end_time - row.expires_at,
        )

    assert outcome(bulk) == outcome(single)


def test_each_batch_is_announced_once_in_bulk(make_user):
    expired_sessions(make_user, 5)
    batches, singles = [], []

    def on_bulk(sender, sessions, reason, at, **kwargs):
        batches.append((len(sessions), reason))

    def on_single(sender, session, **kwargs):
        singles.append(session)

    sessions_ended.connect(on_bulk, dispatch_uid="test.on_bulk")
    session_ended.connect(on_single, dispatch_uid="test.on_single")
    try:
        services.session_end_expired(batch_size=2)
    finally:
        sessions_ended.disconnect(dispatch_uid="test.on_bulk")
        session_ended.disconnect(dispatch_uid="test.on_single")

    assert batches == [(2, "expired"), (2, "expired"), (1, "expired")]
    assert singles == []


def test_a_batch_costs_the_same_queries_whatever_its_size(make_user):
    def queries_to_end(count: int) -> int:
        expired_sessions(make_user, count)
        with CaptureQueriesContext(connection) as captured:
            assert services.session_end_expired(batch_size=100) == count
        return len(captured)

    assert queries_to_end(2) == queries_to_end(12)


def test_ending_expired_sessions_twice_ends_nothing_more(make_user):
    expired_sessions(make_user, 3)
    services.session_end_expired()

    assert services.session_end_expired() == 0
    assert SecurityEvent.objects.filter(kind=EventKind.SESSION_EXPIRED).count() == 3


def ended_long_ago(make_user, count: int) -> list[UserSession]:
    sessions = []
    for _ in range(count):
        session = start_session(make_user(), at=minutes_ago(100 * 24 * 60)).session
        services.session_end(
            session=session,
            reason=EndReason.LOGOUT,
            at=timezone.now() - timedelta(days=91),
        )
        sessions.append(session)
    return sessions


def test_purge_deletes_old_sessions_in_batches_and_keeps_their_history(make_user):
    old = ended_long_ago(make_user, 5)
    recent = start_session(make_user(), at=minutes_ago(20 * 24 * 60)).session
    services.session_end(
        session=recent,
        reason=EndReason.LOGOUT,
        at=timezone.now() - timedelta(days=10),
    )
    live = start_session(make_user()).session

    deleted = services.session_purge_ended(
        before=timezone.now() - timedelta(days=90), batch_size=2
    )

    assert deleted == 5
    assert set(UserSession.objects.values_list("pk", flat=True)) == {
        recent.pk,
        live.pk,
    }
    old_ids = [s.pk for s in old]
    assert not SecurityEvent.objects.filter(session_id__in=old_ids).exists()
    kept = ActivityPeriod.objects.filter(user_id__in=[s.user_id for s in old])
    assert kept.count() == 5 and not kept.exclude(session=None).exists()


def test_delete_in_batches_runs_one_transaction_per_batch(make_user):
    ended_long_ago(make_user, 5)
    with CaptureQueriesContext(connection) as captured:
        deleted = delete_in_batches(
            UserSession.objects.filter(is_active=False), batch_size=2
        )

    assert deleted == 5
    savepoints = [q for q in captured if q["sql"].startswith("SAVEPOINT")]
    assert len(savepoints) == 3  # batches of 2, 2 and 1, each atomic


@pytest.mark.parametrize("command", ["end_expired_sessions", "purge_sessions"])
def test_maintenance_commands_take_a_batch_size(make_user, command):
    expired_sessions(make_user, 3)
    ended_long_ago(make_user, 3)

    call_command(command, "--batch-size", "2", verbosity=0)

    if command == "end_expired_sessions":
        assert not UserSession.objects.filter(is_active=True).exists()
    else:
        assert UserSession.objects.filter(is_active=False).count() == 0
