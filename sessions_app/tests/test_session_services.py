"""The session policy and lifecycle services: limits, expiry, activity, commands,
password change and deactivation."""
from collections.abc import Callable
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone
from rest_framework.response import Response
from rest_framework.test import APIClient

from accounts.models import User
from sessions_app import services
from sessions_app.crypto import digest
from sessions_app.exceptions import (
    SESSION_LIMIT_DETAIL,
    SUPERSEDED_DETAIL,
    SessionLimitReached,
)
from sessions_app.models import BrowserSession, EndReason, Transport, UserSession
from sessions_app.signals import session_ended
from sessions_app.tests.helpers import (
    STRONG_PASSWORD,
    browser_login,
    cookie_key,
    live_sessions,
    move_back,
    resend_cookie,
    set_policy,
)

pytestmark = pytest.mark.django_db


def start(
    user: User, *, minutes_ago: int = 0, **overrides: object
) -> services.SessionStart:
    """Start a token session through the service, optionally in the past."""
    fields = {"transport": Transport.TOKEN, "login_method": "password_api", **overrides}
    at = timezone.now() - timedelta(minutes=minutes_ago)
    return services.session_start(user=user, at=at, **fields)


def ended_reason(session_id: object) -> str:
    return UserSession.objects.get(pk=session_id).end_reason


# MAX_SESSIONS_PER_USER and ON_LIMIT


def test_default_policy_keeps_one_session(make_user):
    user = make_user()
    first = start(user, minutes_ago=2).session

    second = start(user, minutes_ago=1)

    assert second.ended_sessions == [first]
    assert live_sessions(user) == [second.session]
    assert ended_reason(first.pk) == EndReason.SUPERSEDED


def test_second_token_login_supersedes_the_first(make_user, token_client):
    user = make_user()
    first = token_client(user)
    second = token_client(user)

    old = first.get(reverse("accounts:user-list"))
    new = second.get(reverse("accounts:user-list"))

    assert old.status_code == 403
    assert old.json() == {
        "detail": str(SUPERSEDED_DETAIL),
        "code": "session_superseded",
    }
    assert new.status_code == 200
    assert ended_reason(first.session_id) == EndReason.SUPERSEDED


def test_second_cookie_login_supersedes_the_first_once_then_401(
    make_user, cookie_client
):
    user = make_user()
    first = cookie_client(user)
    second = cookie_client(user)

    old = first.get(reverse("legacy:user-list"))
    again = first.get(reverse("legacy:user-list"))

    assert old.status_code == 403
    assert old.json()["code"] == "session_superseded"
    assert again.status_code == 401
    assert second.get(reverse("legacy:user-list")).status_code == 200
    assert ended_reason(first.session_id) == EndReason.SUPERSEDED


def test_max_two_sessions_keeps_the_two_newest_and_ends_the_oldest(make_user, settings):
    set_policy(settings, MAX_SESSIONS_PER_USER=2)
    user = make_user()
    oldest = start(user, minutes_ago=3).session
    middle = start(user, minutes_ago=2).session

    newest = start(user, minutes_ago=1)

    assert newest.ended_sessions == [oldest]
    assert live_sessions(user) == [middle, newest.session]
    oldest.refresh_from_db()
    assert (oldest.is_active, oldest.end_reason) == (False, EndReason.SUPERSEDED)


def test_max_two_sessions_through_the_api(make_user, token_client, settings):
    set_policy(settings, MAX_SESSIONS_PER_USER=2)
    user = make_user()
    first, second, third = token_client(user), token_client(user), token_client(user)

    assert (
        first.get(reverse("accounts:user-list")).json()["code"] == "session_superseded"
    )
    assert second.get(reverse("accounts:user-list")).status_code == 200
    assert third.get(reverse("accounts:user-list")).status_code == 200


def test_limits_count_per_user(make_user):
    alice, bob = make_user(), make_user()
    alice_session = start(alice).session

    start(bob)

    assert live_sessions(alice) == [alice_session]


def test_refuse_new_service_raises_and_starts_nothing(make_user, settings):
    set_policy(settings, ON_LIMIT="refuse_new")
    user = make_user()
    first = start(user).session

    with pytest.raises(SessionLimitReached):
        start(user)

    assert live_sessions(user) == [first]
    assert UserSession.objects.count() == 1


def test_refuse_new_api_login_is_409_and_the_first_session_keeps_working(
    make_user, token_client, api_client, settings
):
    set_policy(settings, ON_LIMIT="refuse_new")
    user = make_user()
    first = token_client(user)

    response = api_client.post(
        reverse("sessions:login"),
        {"username": user.username, "password": user.raw_password},
    )

    assert response.status_code == 409
    assert response.json() == {
        "detail": str(SESSION_LIMIT_DETAIL),
        "code": "session_limit_reached",
    }
    assert UserSession.objects.count() == 1
    assert first.get(reverse("accounts:user-list")).status_code == 200


def test_refuse_new_with_force_ends_the_others_and_lists_them(
    make_user, token_client, api_client, settings
):
    set_policy(settings, ON_LIMIT="refuse_new")
    user = make_user()
    first = token_client(user)

    response = api_client.post(
        reverse("sessions:login"),
        {"username": user.username, "password": user.raw_password, "force": True},
    )

    assert response.status_code == 200
    assert [s["id"] for s in response.json()["ended_sessions"]] == [first.session_id]
    assert ended_reason(first.session_id) == EndReason.SUPERSEDED
    assert (
        first.get(reverse("accounts:user-list")).json()["code"] == "session_superseded"
    )


def test_refuse_new_with_force_still_needs_the_password(
    make_user, token_client, api_client, settings
):
    set_policy(settings, ON_LIMIT="refuse_new")
    user = make_user()
    first = token_client(user)

    response = api_client.post(
        reverse("sessions:login"),
        {"username": user.username, "password": "wrong-password", "force": True},
    )

    assert response.status_code == 400
    assert response.json()["code"] == "invalid_credentials"
    assert UserSession.objects.get(pk=first.session_id).is_active


def test_refuse_new_does_not_count_expired_sessions(make_user, token_client, settings):
    set_policy(settings, ON_LIMIT="refuse_new")
    user = make_user()
    first = start(user).session
    move_back(first, last_activity=timedelta(minutes=31))

    token_client(user)  # asserts 200

    assert ended_reason(first.pk) == EndReason.EXPIRED


@pytest.mark.parametrize("login_name", ["rest_framework:login", "admin:login"])
def test_refuse_new_login_form_shows_a_form_error_and_starts_nothing(
    make_user, token_client, settings, login_name
):
    set_policy(settings, ON_LIMIT="refuse_new")
    user = make_user(is_staff=True)
    token_client(user)
    client = APIClient()

    response = browser_login(client, user, login_name)

    assert response.status_code == 200
    assert str(SESSION_LIMIT_DETAIL) in response.content.decode()
    assert UserSession.objects.count() == 1
    assert BrowserSession.objects.count() == 0
    assert client.get(reverse("accounts:user-list")).status_code == 401


def test_refuse_new_lets_the_same_browser_log_in_again(make_user, settings):
    set_policy(settings, ON_LIMIT="refuse_new")
    user = make_user()
    client = APIClient()
    browser_login(client, user)
    [first] = live_sessions(user)

    response = browser_login(client, user)

    assert response.status_code == 302
    assert ended_reason(first.pk) == EndReason.SUPERSEDED
    assert len(live_sessions(user)) == 1


# LIMIT_SCOPE and mixed transports


def test_transport_scope_keeps_one_cookie_and_one_token_session(
    make_user, cookie_client, token_client, settings
):
    set_policy(settings, LIMIT_SCOPE="transport")
    user = make_user()
    browser = cookie_client(user)
    old_postman = token_client(user)

    postman = token_client(user)  # ends the older token session only

    assert browser.get(reverse("accounts:user-list")).status_code == 200
    assert postman.get(reverse("accounts:user-list")).status_code == 200
    assert old_postman.get(reverse("accounts:user-list")).status_code == 403
    assert sorted(s.transport for s in live_sessions(user)) == ["cookie", "token"]


def test_cookie_login_supersedes_a_token_session(
    make_user, cookie_client, token_client
):
    user = make_user()
    postman = token_client(user)

    browser = cookie_client(user)

    assert (
        postman.get(reverse("accounts:user-list")).json()["code"]
        == "session_superseded"
    )
    assert browser.get(reverse("accounts:user-list")).status_code == 200
    assert ended_reason(postman.session_id) == EndReason.SUPERSEDED


def test_token_login_supersedes_a_cookie_session(
    make_user, cookie_client, token_client
):
    user = make_user()
    browser = cookie_client(user)

    postman = token_client(user)

    refused = browser.get(reverse("accounts:user-list"))
    assert refused.status_code == 403
    assert refused.json()["code"] == "session_superseded"
    assert browser.get(reverse("accounts:user-list")).status_code == 401
    assert postman.get(reverse("accounts:user-list")).status_code == 200
    assert ended_reason(browser.session_id) == EndReason.SUPERSEDED
    assert BrowserSession.objects.count() == 0


def test_superseded_staff_cookie_no_longer_opens_the_admin(make_user, token_client):
    staff = make_user(is_staff=True)
    admin = APIClient()
    browser_login(admin, staff, "admin:login")
    assert admin.get(reverse("admin:index")).status_code == 200

    token_client(staff)
    response = admin.get(reverse("admin:index"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


# TTL, idle timeout and activity


def test_token_ttl_sets_the_expiry(make_user, settings):
    set_policy(settings, TOKEN_TTL=timedelta(minutes=5))

    session = start(make_user()).session

    assert session.expires_at == session.created_at + timedelta(minutes=5)


def test_cookie_ttl_sets_the_expiry_of_the_session_and_its_store_row(
    make_user, cookie_client, settings
):
    set_policy(settings, COOKIE_TTL=timedelta(minutes=5))

    client = cookie_client(make_user())

    session = UserSession.objects.get(pk=client.session_id)
    assert session.expires_at == session.created_at + timedelta(minutes=5)
    assert BrowserSession.objects.get(session_key=digest(cookie_key(client))).expire_date == (
        session.expires_at
    )


def test_token_past_its_lifetime_is_refused_as_expired(make_user, settings):
    set_policy(settings, TOKEN_TTL=timedelta(minutes=5))
    started = start(make_user(), minutes_ago=6)  # logged in six minutes ago
    session = started.session
    UserSession.objects.filter(pk=session.pk).update(  # and busy until a minute ago
        last_activity=timezone.now() - timedelta(minutes=1)
    )
    client = APIClient(headers={"Authorization": f"Token {started.token}"})

    response = client.get(reverse("accounts:user-list"))

    assert response.status_code == 403
    assert response.json()["code"] == "session_expired"
    session.refresh_from_db()
    assert (session.is_active, session.end_reason) == (False, EndReason.EXPIRED)


def test_service_ends_a_cookie_session_at_its_lifetime(make_user, settings):
    set_policy(settings, COOKIE_TTL=timedelta(minutes=5))
    session = start(
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


def test_cookie_past_its_lifetime_is_refused_as_expired(
    make_user, cookie_client, settings
):
    set_policy(settings, COOKIE_TTL=timedelta(minutes=5))
    client = cookie_client(make_user())
    session = UserSession.objects.get(pk=client.session_id)
    move_back(session, expires_at=timedelta(minutes=6))  # and its store row's expiry

    response = client.get(reverse("accounts:user-list"))

    session.refresh_from_db()
    assert (session.is_active, session.end_reason) == (False, EndReason.EXPIRED)
    assert response.status_code == 403
    assert response.json()["code"] == "session_expired"


@pytest.mark.parametrize("transport", ["token", "cookie"])
def test_idle_session_is_ended_lazily_on_its_next_request(
    make_user, token_client, cookie_client, transport
):
    client = (token_client if transport == "token" else cookie_client)(make_user())
    session = UserSession.objects.get(pk=client.session_id)
    move_back(session, last_activity=timedelta(minutes=31))
    assert UserSession.objects.get(pk=session.pk).is_active  # nothing ends it meanwhile

    response = client.get(reverse("accounts:user-list"))

    assert response.status_code == 403
    assert response.json()["code"] == "session_expired"
    session.refresh_from_db()
    assert (session.is_active, session.end_reason) == (False, EndReason.EXPIRED)


@pytest.mark.parametrize(("idle_minutes", "status"), [(4, 200), (6, 403)])
def test_idle_timeout_follows_the_policy(
    make_user, token_client, settings, idle_minutes, status
):
    set_policy(settings, IDLE_TIMEOUT=timedelta(minutes=5))
    client = token_client(make_user())
    move_back(
        UserSession.objects.get(pk=client.session_id),
        last_activity=timedelta(minutes=idle_minutes),
    )

    response = client.get(reverse("accounts:user-list"))

    assert response.status_code == status


def test_activity_is_not_written_within_the_interval(
    make_user, django_assert_num_queries
):
    session = start(make_user()).session
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
    session = start(make_user()).session
    later = session.created_at + timedelta(seconds=60)

    with django_assert_num_queries(1) as captured:
        live = services.session_check_live(session=session, at=later)

    assert live
    assert captured.captured_queries[0]["sql"].startswith("UPDATE")
    assert UserSession.objects.get(pk=session.pk).last_activity == later


def test_activity_interval_follows_the_policy(make_user, token_client, settings):
    set_policy(settings, ACTIVITY_UPDATE_INTERVAL=timedelta(minutes=5))
    client = token_client(make_user())
    session = UserSession.objects.get(pk=client.session_id)
    move_back(session, last_activity=timedelta(minutes=4))
    stale = UserSession.objects.get(pk=session.pk).last_activity

    client.get(reverse("accounts:user-list"))
    within = UserSession.objects.get(pk=session.pk).last_activity
    move_back(session, last_activity=timedelta(minutes=2))  # now 6 minutes ago
    client.get(reverse("accounts:user-list"))
    after = UserSession.objects.get(pk=session.pk).last_activity

    assert within == stale
    assert after > timezone.now() - timedelta(seconds=10)


# Ending sessions in bulk: expiry and purge


def sessions_for_expiry(make_user: Callable[..., User]) -> dict[str, UserSession]:
    idle = start(make_user(), minutes_ago=40).session
    too_old = start(make_user(), minutes_ago=11 * 60).session  # busy, but past its TTL
    UserSession.objects.filter(pk=too_old.pk).update(last_activity=timezone.now())
    logged_out = start(make_user(), minutes_ago=60).session
    services.session_end(session=logged_out, reason=EndReason.LOGOUT)
    fresh = start(make_user()).session
    return {"idle": idle, "too_old": too_old, "logged_out": logged_out, "fresh": fresh}


def assert_only_expired_ones_ended(sessions: dict[str, UserSession]) -> None:
    rows = {name: UserSession.objects.get(pk=s.pk) for name, s in sessions.items()}
    assert rows["idle"].end_reason == EndReason.EXPIRED
    assert rows["too_old"].end_reason == EndReason.EXPIRED
    assert rows["logged_out"].end_reason == EndReason.LOGOUT
    assert rows["logged_out"].ended_at == sessions["logged_out"].ended_at
    assert rows["fresh"].is_active


def test_session_end_expired_ends_exactly_the_expired_sessions(make_user):
    sessions = sessions_for_expiry(make_user)

    count = services.session_end_expired()

    assert count == 2
    assert_only_expired_ones_ended(sessions)
    assert services.session_end_expired() == 0


def test_end_expired_sessions_command_ends_exactly_the_expired_sessions(make_user):
    sessions = sessions_for_expiry(make_user)

    call_command("end_expired_sessions", verbosity=0)

    assert_only_expired_ones_ended(sessions)


def sessions_for_purge(make_user: Callable[..., User]) -> dict[str, UserSession]:
    now = timezone.now()
    old = start(make_user(), minutes_ago=100 * 24 * 60).session
    services.session_end(
        session=old, reason=EndReason.LOGOUT, at=now - timedelta(days=91)
    )
    recent = start(make_user(), minutes_ago=20 * 24 * 60).session
    services.session_end(
        session=recent, reason=EndReason.LOGOUT, at=now - timedelta(days=10)
    )
    live = start(make_user()).session
    return {"old": old, "recent": recent, "live": live}


def test_session_purge_ended_deletes_only_sessions_ended_before_then(make_user):
    sessions = sessions_for_purge(make_user)

    deleted = services.session_purge_ended(before=timezone.now() - timedelta(days=90))

    assert deleted == 1
    assert set(UserSession.objects.values_list("pk", flat=True)) == {
        sessions["recent"].pk,
        sessions["live"].pk,
    }


def test_purge_sessions_command_deletes_only_sessions_ended_before_then(make_user):
    sessions = sessions_for_purge(make_user)

    call_command("purge_sessions", "--older-than", "90d", verbosity=0)

    assert set(UserSession.objects.values_list("pk", flat=True)) == {
        sessions["recent"].pk,
        sessions["live"].pk,
    }


@pytest.mark.parametrize("value", ["ninety", "90x", "d90"])
def test_purge_sessions_command_rejects_a_bad_age(make_user, value):
    sessions = sessions_for_purge(make_user)

    with pytest.raises(CommandError) as raised:
        call_command("purge_sessions", "--older-than", value, verbosity=0)

    assert "Unknown command" not in str(raised.value)
    assert UserSession.objects.count() == len(sessions)


# session_end


def test_session_end_is_idempotent_and_announces_once(make_user):
    session = start(make_user()).session
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
    client = cookie_client(make_user())
    session = UserSession.objects.get(pk=client.session_id)

    services.session_end(session=session, reason=EndReason.TERMINATED)

    assert not BrowserSession.objects.filter(session_key=digest(cookie_key(client))).exists()
    assert UserSession.objects.get(pk=session.pk).session_key_digest == digest(
        cookie_key(client)
    )


# Password change


def change_password(
    client: APIClient, current: str, new: str = STRONG_PASSWORD
) -> Response:
    return client.post(
        reverse("sessions:password-change"),
        {"current_password": current, "new_password": new},
    )


def test_password_change_by_token_ends_the_other_sessions(
    make_user, token_client, cookie_client, api_client, settings
):
    set_policy(settings, MAX_SESSIONS_PER_USER=3)
    user = make_user()
    browser, other_token, current = (
        cookie_client(user),
        token_client(user),
        token_client(user),
    )

    response = change_password(current, user.raw_password)

    assert response.status_code == 200
    assert response.json() == {"ended_count": 2}
    for client in (browser, other_token):
        refused = client.get(reverse("accounts:user-list"))
        assert refused.status_code == 403
        assert refused.json()["code"] == "session_password_changed"
        assert ended_reason(client.session_id) == EndReason.PASSWORD_CHANGED
    assert current.get(reverse("accounts:user-list")).status_code == 200
    assert [str(s.pk) for s in live_sessions(user)] == [current.session_id]
    user.refresh_from_db()
    assert user.check_password(STRONG_PASSWORD)


def test_password_change_by_cookie_keeps_it_working_under_a_new_key(
    make_user, token_client, cookie_client, settings
):
    set_policy(settings, MAX_SESSIONS_PER_USER=2)
    user = make_user()
    postman, browser = token_client(user), cookie_client(user)
    old_key = cookie_key(browser)

    response = change_password(browser, user.raw_password)

    assert response.status_code == 200
    assert response.json() == {"ended_count": 1}
    new_key = cookie_key(browser)
    assert new_key and new_key != old_key
    assert browser.get(reverse("accounts:user-list")).status_code == 200
    session = UserSession.objects.get(pk=browser.session_id)
    assert session.is_active
    assert session.session_key_digest == digest(new_key)
    assert postman.get(reverse("accounts:user-list")).json()["code"] == (
        "session_password_changed"
    )
    stolen = APIClient()
    resend_cookie(stolen, old_key)
    assert stolen.get(reverse("accounts:user-list")).status_code == 401


def test_password_change_alone_ends_nothing(make_user, token_client):
    user = make_user()
    client = token_client(user)

    response = change_password(client, user.raw_password)

    assert response.json() == {"ended_count": 0}
    assert client.get(reverse("accounts:user-list")).status_code == 200


@pytest.mark.parametrize(
    ("current", "new", "field"),
    [
        ("wrong-current-password", STRONG_PASSWORD, "current_password"),
        (None, "short", "new_password"),
        (None, "123456789012", "new_password"),
    ],
)
def test_invalid_password_change_is_400_and_ends_nothing(
    make_user, token_client, settings, current, new, field
):
    set_policy(settings, MAX_SESSIONS_PER_USER=2)
    user = make_user()
    other, client = token_client(user), token_client(user)

    response = change_password(client, current or user.raw_password, new)

    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert set(response.json()["fields"]) == {field}
    user.refresh_from_db()
    assert user.check_password(user.raw_password)
    assert other.get(reverse("accounts:user-list")).status_code == 200


def test_password_change_without_credentials_is_401(api_client):
    response = change_password(api_client, "whatever-password")

    assert response.status_code == 401


def test_password_change_in_the_admin_ends_the_users_other_sessions(
    make_user, token_client, settings
):
    set_policy(settings, MAX_SESSIONS_PER_USER=2)
    staff = make_user(is_staff=True)
    postman = token_client(staff)
    admin = APIClient()
    browser_login(admin, staff, "admin:login")

    response = admin.post(
        reverse("admin:password_change"),
        {
            "old_password": staff.raw_password,
            "new_password1": STRONG_PASSWORD,
            "new_password2": STRONG_PASSWORD,
        },
        format="multipart",
    )

    assert response.status_code == 302
    assert postman.get(reverse("accounts:user-list")).status_code == 403
    assert ended_reason(postman.session_id) == EndReason.PASSWORD_CHANGED


# Deactivation


def test_deactivating_a_user_ends_all_their_sessions(
    make_user, token_client, cookie_client, settings
):
    set_policy(settings, MAX_SESSIONS_PER_USER=2)
    user = make_user()
    browser, postman = cookie_client(user), token_client(user)

    user.is_active = False
    user.save()

    assert live_sessions(user) == []
    assert {s.end_reason for s in UserSession.objects.filter(user=user)} == {
        EndReason.USER_DEACTIVATED
    }
    for _ in range(2):
        refused = postman.get(reverse("accounts:user-list"))
        assert refused.status_code == 403
        assert refused.json()["code"] == "account_disabled"
    assert (
        browser.get(reverse("accounts:user-list")).json()["code"] == "account_disabled"
    )
    assert browser.get(reverse("accounts:user-list")).status_code == 401


def test_saving_an_active_user_ends_nothing(make_user, token_client):
    user = make_user()
    client = token_client(user)

    user.real_name = "Renamed"
    user.save()

    assert client.get(reverse("accounts:user-list")).status_code == 200


def test_user_deactivated_without_signals_is_refused_on_next_request(
    make_user, token_client
):
    user = make_user()
    client = token_client(user)
    type(user).objects.filter(pk=user.pk).update(is_active=False)  # no post_save

    response = client.get(reverse("accounts:user-list"))

    assert response.status_code == 403
    assert response.json()["code"] == "account_disabled"
    assert ended_reason(client.session_id) == EndReason.USER_DEACTIVATED
