"""Reuse detection: a refresh token presented after its rotation ends the session
(`token_reused`, 403 `session_revoked`), except as a retry within REFRESH_REUSE_GRACE
(409 `refresh_conflict`, nothing ends)."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from sessions_app import services
from sessions_app.exceptions import (
    TOKEN_REUSED_DETAIL,
    RefreshConflict,
    SessionEnded,
)
from sessions_app.models import EndReason, EventKind, SecurityEvent, UserSession
from sessions_app.tests.factories import start_session
from sessions_app.tests.helpers import SAFARI_ON_IPHONE, set_policy

pytestmark = pytest.mark.django_db


def refresh(refresh_token: str, **headers: str):
    return APIClient(headers=headers or None).post(
        reverse("sessions:token-refresh"), {"refresh_token": refresh_token}
    )


def with_token(token: str) -> APIClient:
    return APIClient(headers={"Authorization": f"Token {token}"})


def rotated_long_ago(started: services.SessionStart) -> dict:
    """Refresh once, then move the rotation past the grace; return the new tokens."""
    new = refresh(started.refresh_token).json()
    UserSession.objects.filter(pk=started.session.pk).update(
        refreshed_at=timezone.now() - timedelta(seconds=6)
    )
    return new


def test_replayed_refresh_token_revokes_the_session(make_user):
    started = start_session(make_user())
    rotated_long_ago(started)

    response = refresh(started.refresh_token)

    assert response.status_code == 403
    assert response.json() == {
        "detail": str(TOKEN_REUSED_DETAIL),
        "code": "session_revoked",
    }
    assert str(TOKEN_REUSED_DETAIL) == (
        "This session was ended because an old sign-in token was used again. "
        "Please log in again."
    )
    session = UserSession.objects.get(pk=started.session.pk)
    assert (session.is_active, session.end_reason) == (False, EndReason.TOKEN_REUSED)


def test_after_a_replay_the_current_tokens_are_refused_too(make_user):
    started = start_session(make_user())
    new = rotated_long_ago(started)
    refresh(started.refresh_token)

    by_token = with_token(new["token"]).get(reverse("sessions:me"))
    by_refresh = refresh(new["refresh_token"])

    assert (by_token.status_code, by_token.json()["code"]) == (403, "session_revoked")
    assert (by_refresh.status_code, by_refresh.json()["code"]) == (
        403,
        "session_revoked",
    )


def test_replay_by_the_thief_after_the_owner_refreshed_twice_is_detected(make_user):
    started = start_session(make_user())
    second = rotated_long_ago(started)
    third = refresh(second["refresh_token"]).json()  # within the grace of nothing old

    response = refresh(started.refresh_token)  # two generations old

    assert response.json()["code"] == "session_revoked"
    assert refresh(third["refresh_token"]).json()["code"] == "session_revoked"


def test_replay_records_an_event_naming_where_it_came_from(make_user):
    started = start_session(make_user())
    rotated_long_ago(started)

    refresh(started.refresh_token, **{"User-Agent": SAFARI_ON_IPHONE})

    event = SecurityEvent.objects.get(kind=EventKind.REFRESH_TOKEN_REUSED)
    assert event.session_id == started.session.pk
    assert event.detail["reason"] == EndReason.TOKEN_REUSED
    assert event.detail["replayed_generation"] == 0
    assert event.detail["replayed_from_device"] == "Mobile Safari on iOS"
    assert event.detail["replayed_from_ip"] == "127.0.0.1"
    assert started.refresh_token not in str(event.detail)


def test_replay_mails_the_user(
    make_user, mailoutbox, django_capture_on_commit_callbacks
):
    user = make_user(email="owner@example.com")
    started = start_session(user)
    rotated_long_ago(started)

    with django_capture_on_commit_callbacks(execute=True):
        refresh(started.refresh_token)

    assert [mail.to for mail in mailoutbox] == [["owner@example.com"]]
    assert "ended that session" in mailoutbox[0].body
    assert started.refresh_token not in mailoutbox[0].body


def test_replay_of_a_user_without_email_sends_nothing(
    make_user, mailoutbox, django_capture_on_commit_callbacks
):
    started = start_session(make_user(email=""))
    rotated_long_ago(started)

    with django_capture_on_commit_callbacks(execute=True):
        refresh(started.refresh_token)

    assert mailoutbox == []


# The grace: a retry is not an attack


def test_same_refresh_token_again_within_the_grace_is_a_conflict(make_user):
    started = start_session(make_user())
    new = refresh(started.refresh_token).json()

    retry = refresh(started.refresh_token)

    assert retry.status_code == 409
    assert retry.json()["code"] == "refresh_conflict"
    session = UserSession.objects.get(pk=started.session.pk)
    assert session.is_active
    assert with_token(new["token"]).get(reverse("sessions:me")).status_code == 200
    assert refresh(new["refresh_token"]).status_code == 200
    assert not SecurityEvent.objects.filter(
        kind=EventKind.REFRESH_TOKEN_REUSED
    ).exists()


def test_grace_follows_the_policy(make_user, settings):
    set_policy(settings, REFRESH_REUSE_GRACE=timedelta(seconds=60))
    started = start_session(make_user())
    refresh(started.refresh_token)
    UserSession.objects.filter(pk=started.session.pk).update(
        refreshed_at=timezone.now() - timedelta(seconds=30)
    )

    assert refresh(started.refresh_token).status_code == 409


def test_grace_of_zero_makes_every_replay_a_revocation(make_user, settings):
    set_policy(settings, REFRESH_REUSE_GRACE=timedelta(0))
    started = start_session(make_user())
    refresh(started.refresh_token)

    assert refresh(started.refresh_token).json()["code"] == "session_revoked"


def test_service_tells_the_retry_from_the_replay_by_the_time(make_user):
    started = start_session(make_user())
    now = timezone.now()
    services.session_refresh(refresh_token=started.refresh_token, at=now)

    with pytest.raises(RefreshConflict):
        services.session_refresh(
            refresh_token=started.refresh_token, at=now + timedelta(seconds=4)
        )
    with pytest.raises(SessionEnded) as replay:
        services.session_refresh(
            refresh_token=started.refresh_token, at=now + timedelta(seconds=5)
        )

    assert replay.value.get_codes() == "session_revoked"
    session = UserSession.objects.get(pk=started.session.pk)
    assert session.end_reason == EndReason.TOKEN_REUSED
    assert session.ended_at == now + timedelta(seconds=5)


def test_replaying_into_an_already_ended_session_keeps_its_reason(make_user):
    started = start_session(make_user())
    rotated_long_ago(started)
    services.session_end(session=started.session, reason=EndReason.LOGOUT)

    response = refresh(started.refresh_token)

    assert response.json()["code"] == "session_logged_out"
    assert UserSession.objects.get(pk=started.session.pk).end_reason == "logout"
