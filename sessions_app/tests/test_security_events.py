import logging

import pytest
from django.core import mail
from django.urls import reverse

from config.app_settings import DEFAULTS
from sessions_app import services
from sessions_app.models import EndReason, SecurityEvent
from sessions_app.tests.factories import CHROME_ON_WINDOWS

pytestmark = pytest.mark.django_db

FIREFOX_ON_LINUX = (
    "Mozilla/5.0 (X11; Linux x86_64; rv:132.0) Gecko/20100101 Firefox/132.0"
)


def kinds(user) -> list[str]:
    return list(
        SecurityEvent.objects.filter(user=user)
        .order_by("created_at", "id")
        .values_list("kind", flat=True)
    )


def login(api_client, user, **extra):
    return api_client.post(
        reverse("sessions:login"),
        {"username": user.username, "password": user.raw_password},
        **extra,
    )


def test_login_and_logout_are_recorded(make_user, token_client):
    user = make_user()
    client = token_client(user)
    client.post(reverse("sessions:logout"))

    assert kinds(user) == ["login", "logout"]
    login_event = SecurityEvent.objects.get(user=user, kind="login")
    assert str(login_event.session_id) == client.session_id
    assert login_event.detail == {"login_method": "password_api", "transport": "token"}


def test_supersede_is_recorded_on_the_ended_session(make_user, token_client):
    user = make_user()
    first = token_client(user)
    token_client(user)

    event = SecurityEvent.objects.get(user=user, kind="session_superseded")
    assert str(event.session_id) == first.session_id
    assert event.detail == {"reason": "superseded"}


@pytest.mark.parametrize(
    ("reason", "kind"),
    [
        (EndReason.TERMINATED, "session_terminated"),
        (EndReason.TERMINATED_BY_STAFF, "session_terminated"),
        (EndReason.EXPIRED, "session_expired"),
        (EndReason.PASSWORD_CHANGED, "session_terminated"),
        (EndReason.USER_DEACTIVATED, "session_terminated"),
    ],
)
def test_every_end_reason_is_recorded(make_user, make_session, reason, kind):
    user = make_user()
    session = make_session(user=user)

    services.session_end(session=session, reason=reason)

    event = SecurityEvent.objects.get(user=user, kind=kind)
    assert event.session_id == session.pk
    assert event.detail == {"reason": reason}


def test_failed_login_is_recorded_on_the_account(make_user, api_client):
    user = make_user()

    response = api_client.post(
        reverse("sessions:login"),
        {"username": user.username, "password": "wrong-guess-1"},
        REMOTE_ADDR="8.8.8.8",
    )

    assert response.status_code == 400
    event = SecurityEvent.objects.get(kind="login_failed")
    assert event.user == user
    assert event.ip_address == "8.8.8.8"
    assert event.location == "United States"
    assert event.detail == {"by": "username"}


def test_failed_login_for_unknown_account_is_recorded_without_a_user(api_client):
    response = api_client.post(
        reverse("sessions:login"), {"mobile": "9123456789", "password": "guess-guess-1"}
    )

    assert response.status_code == 400
    assert response.json()["code"] == "invalid_credentials"
    event = SecurityEvent.objects.get(kind="login_failed")
    assert event.user is None
    assert event.detail == {"by": "mobile"}


def test_password_change_is_recorded(make_user, token_client):
    user = make_user()
    client = token_client(user)

    client.post(
        reverse("sessions:password-change"),
        {"current_password": user.raw_password, "new_password": "another-long-pass-7"},
    )

    event = SecurityEvent.objects.get(user=user, kind="password_changed")
    assert str(event.session_id) == client.session_id


def test_events_endpoint_lists_own_events_newest_first(make_user, token_client):
    user = make_user()
    token_client(make_user())  # someone else's events stay theirs
    first = token_client(user)
    first.post(reverse("sessions:logout"))
    second = token_client(user)

    response = second.get(reverse("sessions:event-list"))

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 3
    assert [e["kind"] for e in body["results"]] == ["login", "logout", "login"]
    assert set(body["results"][0]) == {
        "id",
        "kind",
        "session",
        "ip_address",
        "device_name",
        "location",
        "created_at",
        "detail",
    }


def test_events_endpoint_refuses_an_ended_session(make_user, token_client):
    user = make_user()
    old = token_client(user)
    token_client(user)

    response = old.get(reverse("sessions:event-list"))

    assert response.status_code == 403
    assert response.json()["code"] == "session_superseded"


def test_no_secret_reaches_an_event_a_log_line_or_an_error(
    make_user, api_client, caplog
):
    user = make_user()
    with caplog.at_level(logging.DEBUG):
        api_client.post(
            reverse("sessions:login"),
            {"username": user.username, "password": "wrong-secret-pw"},
        )
        ok = login(api_client, user)
        token = ok.json()["token"]
        api_client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
        api_client.get(reverse("sessions:event-list"))

    secrets = [token, user.raw_password, "wrong-secret-pw"]
    stored = " ".join(
        str(v) for e in SecurityEvent.objects.values() for v in e.values()
    )
    logged = " ".join(r.getMessage() for r in caplog.records)
    for secret in secrets:
        assert secret not in stored
        assert secret not in logged


@pytest.fixture
def notify(settings):
    settings.SESSION_POLICY = {**DEFAULTS, "NOTIFY_NEW_LOGIN": True}


def test_login_ending_another_session_emails_the_user(
    make_user, api_client, notify, django_capture_on_commit_callbacks
):
    user = make_user(email="owner@example.com")
    login(api_client, user, HTTP_USER_AGENT=CHROME_ON_WINDOWS)
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        second = login(api_client, user, HTTP_USER_AGENT=CHROME_ON_WINDOWS)

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["owner@example.com"]
    assert "Chrome on Windows" in message.body
    assert "127.0.0.1" in message.body and "Localhost" in message.body
    assert (
        f"/api/v1/auth/users/me/sessions/{second.json()['session']['id']}/"
        in message.body
    )
    assert second.json()["token"] not in message.body


def test_login_from_new_device_is_flagged_and_emailed(
    make_user, api_client, notify, django_capture_on_commit_callbacks, settings
):
    settings.SESSION_POLICY = {**DEFAULTS, "MAX_SESSIONS_PER_USER": 5}
    user = make_user(email="owner@example.com")
    login(api_client, user, HTTP_USER_AGENT=CHROME_ON_WINDOWS)
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        login(
            api_client, user, HTTP_USER_AGENT=FIREFOX_ON_LINUX, REMOTE_ADDR="49.36.0.1"
        )

    event = SecurityEvent.objects.get(user=user, kind="new_device")
    assert event.detail == {"new_device": True, "new_location": True}
    assert len(mail.outbox) == 1
    assert "Firefox on Linux" in mail.outbox[0].body and "India" in mail.outbox[0].body


def test_first_login_and_same_device_send_nothing(
    make_user, api_client, notify, settings, django_capture_on_commit_callbacks
):
    settings.SESSION_POLICY = {**DEFAULTS, "MAX_SESSIONS_PER_USER": 5}
    user = make_user(email="owner@example.com")

    with django_capture_on_commit_callbacks(execute=True):
        login(api_client, user, HTTP_USER_AGENT=CHROME_ON_WINDOWS)
        login(api_client, user, HTTP_USER_AGENT=CHROME_ON_WINDOWS)

    assert mail.outbox == []
    assert not SecurityEvent.objects.filter(kind="new_device").exists()


def test_notices_can_be_switched_off(
    make_user, api_client, settings, django_capture_on_commit_callbacks
):
    settings.SESSION_POLICY = {**DEFAULTS, "NOTIFY_NEW_LOGIN": False}
    user = make_user(email="owner@example.com")
    login(api_client, user)

    with django_capture_on_commit_callbacks(execute=True):
        login(api_client, user)

    assert mail.outbox == []
