"""The JSON cookie login of single-page apps: CSRF token, login, logout, CORS."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.urls import reverse
from rest_framework.test import APIClient

from sessions_app.models import EndReason, EventKind, SecurityEvent, UserSession
from sessions_app.tests.helpers import (
    CHROME_ON_WINDOWS,
    cookie_key,
    ended_reason,
    live_sessions,
    set_policy,
)

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
SPA_ORIGIN = "https://app.example.com"


def browser() -> APIClient:
    """A client that, like a browser, must pass Django's CSRF check."""
    return APIClient(
        enforce_csrf_checks=True, headers={"User-Agent": CHROME_ON_WINDOWS}
    )


def csrf_token(client: APIClient) -> str:
    response = client.get(reverse("sessions:csrf"))
    assert response.status_code == 200
    return response.json()["csrf_token"]


def spa_login(client: APIClient, user, **extra: object):
    token = csrf_token(client)
    return client.post(
        reverse("sessions:browser-login"),
        {"username": user.username, "password": user.raw_password, **extra},
        headers={"X-CSRFToken": token},
    )


def test_csrf_endpoint_sets_the_cookie_and_returns_its_token(api_client):
    response = api_client.get(reverse("sessions:csrf"))

    assert response.status_code == 200
    assert set(response.json()) == {"csrf_token"}
    assert response.json()["csrf_token"]
    assert django_settings.CSRF_COOKIE_NAME in response.cookies


def test_login_sets_an_httponly_session_cookie_and_answers_no_token(make_user):
    user = make_user()
    client = browser()

    response = spa_login(client, user)

    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"user", "session", "ended_sessions", "message"}
    assert "token" not in json.dumps(body)
    morsel = response.cookies[django_settings.SESSION_COOKIE_NAME]
    assert morsel["httponly"]
    assert morsel["samesite"] == "Lax"
    session = UserSession.objects.get(pk=body["session"]["id"])
    assert (session.transport, session.login_method) == ("cookie", "password_browser")
    assert body["session"]["is_current"] is True
    assert body["user"]["id"] == str(user.pk)
    assert client.get(reverse("sessions:me")).json()["session"]["id"] == str(session.pk)


def test_login_without_the_csrf_header_is_refused_and_starts_nothing(make_user):
    user = make_user()
    client = browser()
    csrf_token(client)  # the cookie alone is not enough

    response = client.post(
        reverse("sessions:browser-login"),
        {"username": user.username, "password": user.raw_password},
    )

    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    assert not UserSession.objects.filter(user=user).exists()


def test_login_from_another_origin_is_refused_by_the_csrf_check(make_user):
    user = make_user()
    client = browser()
    token = csrf_token(client)

    response = client.post(
        reverse("sessions:browser-login"),
        {"username": user.username, "password": user.raw_password},
        headers={"X-CSRFToken": token, "Origin": "https://evil.example.com"},
    )

    assert response.status_code == 403
    assert not UserSession.objects.filter(user=user).exists()


def test_login_rotates_the_csrf_secret_so_the_old_token_stops_working(make_user):
    client = browser()
    old_token = csrf_token(client)
    old_secret = client.cookies[django_settings.CSRF_COOKIE_NAME].value
    client.post(
        reverse("sessions:browser-login"),
        {"username": (user := make_user()).username, "password": user.raw_password},
        headers={"X-CSRFToken": old_token},
    )

    stale = client.post(
        reverse("sessions:browser-logout"), headers={"X-CSRFToken": old_token}
    )

    assert client.cookies[django_settings.CSRF_COOKIE_NAME].value != old_secret
    assert stale.status_code == 403
    assert live_sessions(user)


def test_second_browser_supersedes_the_first_and_lists_it(make_user):
    user = make_user()
    first, second = browser(), browser()
    first_id = spa_login(first, user).json()["session"]["id"]

    response = spa_login(second, user)

    assert [s["id"] for s in response.json()["ended_sessions"]] == [first_id]
    assert response.json()["message"] == "Logged in. 1 other session was ended."
    refused = first.get(reverse("sessions:me"))
    assert refused.status_code == 403
    assert refused.json()["code"] == "session_superseded"


def test_login_in_the_same_browser_again_replaces_its_session_under_a_new_key(
    make_user,
):
    user = make_user()
    client = browser()
    first_id = spa_login(client, user).json()["session"]["id"]
    first_key = cookie_key(client)

    response = spa_login(client, user)

    assert response.status_code == 200
    assert cookie_key(client) != first_key
    assert ended_reason(first_id) == EndReason.SUPERSEDED
    assert [s.pk for s in live_sessions(user)] == [
        UserSession.objects.get(pk=response.json()["session"]["id"]).pk
    ]


def test_refuse_new_answers_409_and_force_ends_the_others(make_user, settings):
    set_policy(settings, ON_LIMIT="refuse_new")
    user = make_user()
    spa_login(browser(), user)

    refused = spa_login(browser(), user)
    forced = spa_login(browser(), user, force=True)

    assert refused.status_code == 409
    assert refused.json()["code"] == "session_limit_reached"
    assert forced.status_code == 200
    assert len(forced.json()["ended_sessions"]) == 1
    assert len(live_sessions(user)) == 1


def test_wrong_password_is_invalid_credentials_and_counts_as_a_failed_login(
    make_user,
):
    user = make_user()
    client = browser()

    response = client.post(
        reverse("sessions:browser-login"),
        {"username": user.username, "password": "not-the-password"},
        headers={"X-CSRFToken": csrf_token(client)},
    )

    assert response.status_code == 400
    assert response.json()["code"] == "invalid_credentials"
    assert SecurityEvent.objects.filter(user=user, kind=EventKind.LOGIN_FAILED).exists()


def test_failed_login_limits_apply_as_to_the_token_login(make_user, settings):
    settings.THROTTLE_RATES = {
        **settings.THROTTLE_RATES,
        "login_failures_account_ip": "2/15min",
    }
    user = make_user()
    client = browser()
    token = csrf_token(client)
    wrong = {"username": user.username, "password": "not-the-password"}
    url = reverse("sessions:browser-login")

    codes = [
        client.post(url, wrong, headers={"X-CSRFToken": token}).status_code
        for _ in range(3)
    ]
    right = spa_login(client, user)

    assert codes == [400, 400, 429]
    assert right.status_code == 429
    assert "Retry-After" in right


def test_login_is_recorded_as_a_cookie_login_event(make_user):
    user = make_user()

    session_id = spa_login(browser(), user).json()["session"]["id"]

    event = SecurityEvent.objects.get(user=user, kind=EventKind.LOGIN)
    assert str(event.session_id) == session_id
    assert event.detail == {"login_method": "password_browser", "transport": "cookie"}


def test_logout_with_the_csrf_header_ends_the_session(make_user):
    user = make_user()
    client = browser()
    session_id = spa_login(client, user).json()["session"]["id"]

    response = client.post(
        reverse("sessions:browser-logout"),
        headers={"X-CSRFToken": csrf_token(client)},  # rotated at login: fetch again
    )

    assert response.status_code == 204
    assert ended_reason(session_id) == EndReason.LOGOUT
    assert client.get(reverse("sessions:me")).status_code in (401, 403)


def test_logout_without_the_csrf_header_is_refused(make_user):
    user = make_user()
    client = browser()
    session_id = spa_login(client, user).json()["session"]["id"]

    response = client.post(reverse("sessions:browser-logout"))

    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    assert UserSession.objects.get(pk=session_id).is_active


def test_logout_takes_no_token(make_user, token_client):
    client = token_client(make_user())

    response = client.post(reverse("sessions:browser-logout"))

    assert response.status_code == 401
    assert UserSession.objects.get(pk=client.session_id).is_active


# Cross-origin apps (django-cors-headers)


def preflight(origin: str):
    return APIClient().options(
        reverse("sessions:browser-login"),
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type,x-csrftoken",
        },
    )


def test_no_origin_may_call_the_api_cross_site_by_default():
    response = preflight(SPA_ORIGIN)

    assert "Access-Control-Allow-Origin" not in response


def test_a_listed_origin_may_call_with_credentials_and_no_other(settings):
    settings.CORS_ALLOWED_ORIGINS = [SPA_ORIGIN]
    settings.CORS_ALLOW_CREDENTIALS = True

    allowed = preflight(SPA_ORIGIN)
    other = preflight("https://evil.example.com")

    assert allowed["Access-Control-Allow-Origin"] == SPA_ORIGIN
    assert allowed["Access-Control-Allow-Credentials"] == "true"
    assert "x-csrftoken" in allowed["Access-Control-Allow-Headers"]
    assert "Access-Control-Allow-Origin" not in other


def settings_from_env(**env: str) -> dict:
    """Read the cookie and CORS settings a fresh process builds from this env."""
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "DATABASE_URL", "REDIS_URL"))
    }
    code = (
        "import json; from django.conf import settings as s; print(json.dumps(["
        "s.CORS_ALLOWED_ORIGINS, s.CORS_ALLOW_CREDENTIALS, "
        "s.SESSION_COOKIE_SAMESITE, s.CSRF_COOKIE_SAMESITE, s.CSRF_COOKIE_NAME]))"
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.mark.slow
def test_cors_and_cross_site_cookies_come_from_the_environment():
    default = settings_from_env()
    cross_site = settings_from_env(
        DJANGO_CORS_ALLOWED_ORIGINS=f"{SPA_ORIGIN}, https://admin.example.com",
        DJANGO_CROSS_SITE_COOKIES="1",
        DJANGO_SECURE_COOKIES="1",
    )

    assert default == [[], False, "Lax", "Lax", "csrftoken"]
    assert cross_site == [
        [SPA_ORIGIN, "https://admin.example.com"],
        True,
        "None",
        "None",
        "__Host-csrftoken",
    ]


@pytest.mark.slow
def test_cross_site_cookies_without_secure_cookies_refuse_to_start():
    clean = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env={**clean, "DJANGO_CROSS_SITE_COOKIES": "1"},
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode != 0
    assert "DJANGO_CROSS_SITE_COOKIES" in result.stderr
