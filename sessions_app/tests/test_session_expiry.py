"""Session lifetime (TOKEN_TTL, COOKIE_TTL), idle timeout and activity recording, seen
through requests: an expired session ends lazily on its next request, with a 403."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from sessions_app.crypto import digest
from sessions_app.models import BrowserSession, EndReason, UserSession
from sessions_app.tests.factories import start_session
from sessions_app.tests.helpers import cookie_key, minutes_ago, move_back, set_policy

pytestmark = pytest.mark.django_db


# TTL


def test_cookie_ttl_sets_the_expiry_of_the_session_and_its_store_row(
    make_user, cookie_client, settings
):
    set_policy(settings, COOKIE_TTL=timedelta(minutes=5))

    client = cookie_client(make_user())

    session = UserSession.objects.get(pk=client.session_id)
    assert session.expires_at == session.created_at + timedelta(minutes=5)
    store_row = BrowserSession.objects.get(session_key=digest(cookie_key(client)))
    assert store_row.expire_date == session.expires_at


def test_token_past_its_ttl_is_refused_but_its_session_lives_on(make_user, settings):
    set_policy(settings, TOKEN_TTL=timedelta(minutes=5))
    started = start_session(make_user(), at=minutes_ago(6))
    session = started.session
    UserSession.objects.filter(pk=session.pk).update(  # but busy until a minute ago
        last_activity=timezone.now() - timedelta(minutes=1)
    )
    client = APIClient(headers={"Authorization": f"Token {started.token}"})

    response = client.get(reverse("accounts:user-list"))

    assert response.status_code == 401
    assert response.json()["code"] == "token_expired"
    assert response["WWW-Authenticate"] == "Token"
    session.refresh_from_db()
    assert session.is_active


def test_token_session_past_its_max_lifetime_is_refused_as_expired(make_user):
    started = start_session(make_user(), at=minutes_ago(31 * 24 * 60))
    session = started.session
    UserSession.objects.filter(pk=session.pk).update(  # busy, refreshed lately
        last_activity=timezone.now(),
        token_expires_at=timezone.now() + timedelta(hours=1),
        refresh_expires_at=timezone.now() + timedelta(days=1),
    )
    client = APIClient(headers={"Authorization": f"Token {started.token}"})

    response = client.get(reverse("accounts:user-list"))

    assert response.status_code == 403
    assert response.json()["code"] == "session_expired"
    session.refresh_from_db()
    assert (session.is_active, session.end_reason) == (False, EndReason.EXPIRED)


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


# Idle timeout


def test_idle_cookie_session_is_ended_lazily_on_its_next_request(
    make_user, cookie_client
):
    client = cookie_client(make_user())
    session = UserSession.objects.get(pk=client.session_id)
    move_back(session, last_activity=timedelta(minutes=31))
    assert UserSession.objects.get(pk=session.pk).is_active  # nothing ends it meanwhile

    response = client.get(reverse("accounts:user-list"))

    assert response.status_code == 403
    assert response.json()["code"] == "session_expired"
    session.refresh_from_db()
    assert (session.is_active, session.end_reason) == (False, EndReason.EXPIRED)


def test_idle_access_token_is_refused_but_its_session_lives_on(make_user, token_client):
    client = token_client(make_user())
    session = UserSession.objects.get(pk=client.session_id)
    move_back(session, last_activity=timedelta(minutes=31))

    response = client.get(reverse("accounts:user-list"))

    assert response.status_code == 401
    assert response.json()["code"] == "token_expired"
    session.refresh_from_db()
    assert session.is_active
    assert session.last_activity < timezone.now() - timedelta(minutes=30)  # not noted


@pytest.mark.parametrize(("idle_minutes", "status"), [(4, 200), (6, 401)])
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


# Activity


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
