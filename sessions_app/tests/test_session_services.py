"""The session lifecycle services called directly: session_start under the policy,
session_check_live, session_end, and the bulk session_end_expired and
session_purge_ended."""

from datetime import timedelta

import pytest
from django.utils import timezone

from sessions_app import services
from sessions_app.crypto import digest
from sessions_app.exceptions import SessionLimitReached
from sessions_app.models import (
    BrowserSession,
    EndReason,
    LoginMethod,
    Transport,
    UserSession,
)
from sessions_app.signals import session_ended
from sessions_app.tests.factories import start_session
from sessions_app.tests.helpers import (
    assert_only_expired_ones_ended,
    cookie_key,
    ended_reason,
    live_sessions,
    minutes_ago,
    sessions_for_expiry,
    sessions_for_purge,
    set_policy,
)

pytestmark = pytest.mark.django_db


# session_start: MAX_SESSIONS_PER_USER and ON_LIMIT


def test_default_policy_keeps_one_session(make_user):
    user = make_user()
    first = start_session(user, at=minutes_ago(2)).session

    second = start_session(user, at=minutes_ago(1))

    assert second.ended_sessions == [first]
    assert live_sessions(user) == [second.session]
    assert ended_reason(first.pk) == EndReason.SUPERSEDED


def test_max_two_sessions_keeps_the_two_newest_and_ends_the_oldest(make_user, settings):
    set_policy(settings, MAX_SESSIONS_PER_USER=2)
    user = make_user()
    oldest = start_session(user, at=minutes_ago(3)).session
    middle = start_session(user, at=minutes_ago(2)).session

    newest = start_session(user, at=minutes_ago(1))

    assert newest.ended_sessions == [oldest]
    assert live_sessions(user) == [middle, newest.session]
    oldest.refresh_from_db()
    assert (oldest.is_active, oldest.end_reason) == (False, EndReason.SUPERSEDED)


def test_limits_count_per_user(make_user):
    alice, bob = make_user(), make_user()
    alice_session = start_session(alice).session

    start_session(bob)

    assert live_sessions(alice) == [alice_session]


def test_refuse_new_service_raises_and_starts_nothing(make_user, settings):
    set_policy(settings, ON_LIMIT="refuse_new")
    user = make_user()
    first = start_session(user).session

    with pytest.raises(SessionLimitReached):
        start_session(user)

    assert live_sessions(user) == [first]
    assert UserSession.objects.count() == 1


def test_session_start_service_returns_token_only_for_token_sessions(make_user):
    user = make_user()

    started = start_session(
        user,
        transport=Transport.COOKIE,
        login_method=LoginMethod.PASSWORD_BROWSER,
        session_key="k" * 32,
    )

    assert started.token is None
    assert started.session.session_key_digest == digest("k" * 32)


def test_token_ttl_sets_the_access_token_expiry_and_max_lifetime_the_sessions(
    make_user, settings
):
    set_policy(
        settings,
        TOKEN_TTL=timedelta(minutes=5),
        REFRESH_TTL=timedelta(days=2),
        SESSION_MAX_LIFETIME=timedelta(days=3),
    )

    session = start_session(make_user()).session

    assert session.token_expires_at == session.created_at + timedelta(minutes=5)
    assert session.refresh_expires_at == session.created_at + timedelta(days=2)
    assert session.expires_at == session.created_at + timedelta(days=3)


# session_check_live: lifetime and activity


def test_service_ends_a_cookie_session_at_its_lifetime(make_user, settings):
    set_policy(settings, COOKIE_TTL=timedelta(minutes=5))
    session = start_session(
        make_user(), transport=Transport.COOKIE, session_key="k" * 32
    ).session

    before = services.session_check_live(
        session=session, at=session.created_at + timedelta(minutes=4)
    )
    after = services.session_check_live(
        session=session, at=session.created_at + timedelta(minutes=5)
    )

    assert (before, after) == (True, False)
    assert ended_reason(session.pk) == EndReason.EXPIRED


def test_activity_is_not_written_within_the_interval(
    make_user, django_assert_num_queries
):
    session = start_session(make_user()).session
    created = session.created_at

    with django_assert_num_queries(0):
        live = services.session_check_live(
            session=session, at=created + timedelta(seconds=59)
        )

    assert live
    assert UserSession.objects.get(pk=session.pk).last_activity == created


def test_activity_is_written_once_after_the_interval(
    make_user, django_assert_num_queries
):
    session = start_session(make_user()).session
    later = session.created_at + timedelta(seconds=60)

    with django_assert_num_queries(1) as captured:
        live = services.session_check_live(session=session, at=later)

    assert live
    assert captured.captured_queries[0]["sql"].startswith("UPDATE")
    assert UserSession.objects.get(pk=session.pk).last_activity == later


# session_end


def test_session_end_is_idempotent_and_announces_once(make_user):
    session = start_session(make_user()).session
    announced = []

    def listener(sender, session, reason, at, **kwargs):
        announced.append((session.pk, reason))

    session_ended.connect(listener, weak=False, dispatch_uid="test.listener")
    try:
        first = services.session_end(session=session, reason=EndReason.LOGOUT)
        ended_at = UserSession.objects.get(pk=session.pk).ended_at
        second = services.session_end(session=session, reason=EndReason.TERMINATED)
    finally:
        session_ended.disconnect(dispatch_uid="test.listener")

    assert (first, second) == (True, False)
    assert announced == [(session.pk, EndReason.LOGOUT)]
    row = UserSession.objects.get(pk=session.pk)
    assert (row.end_reason, row.ended_at) == (EndReason.LOGOUT, ended_at)


def test_session_end_of_a_cookie_session_deletes_its_store_row(
    make_user, cookie_client
):
    client = cookie_client(make_user())  # a real browser login, so a real store row
    session = UserSession.objects.get(pk=client.session_id)

    services.session_end(session=session, reason=EndReason.TERMINATED)

    assert not BrowserSession.objects.filter(
        session_key=digest(cookie_key(client))
    ).exists()
    assert UserSession.objects.get(pk=session.pk).session_key_digest == digest(
        cookie_key(client)
    )


# Ending sessions in bulk: expiry and purge


def test_session_end_expired_ends_exactly_the_expired_sessions(make_user):
    sessions = sessions_for_expiry(make_user)

    count = services.session_end_expired()

    assert count == 3
    assert_only_expired_ones_ended(sessions)
    assert services.session_end_expired() == 0


def test_session_purge_ended_deletes_only_sessions_ended_before_then(make_user):
    sessions = sessions_for_purge(make_user)

    deleted = services.session_purge_ended(before=timezone.now() - timedelta(days=90))

    assert deleted == 1
    assert set(UserSession.objects.values_list("pk", flat=True)) == {
        sessions["recent"].pk,
        sessions["live"].pk,
    }
