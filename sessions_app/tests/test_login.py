"""Signing in: token login and register (REST clients), cookie login (browsers)."""

import pytest
from django.urls import reverse
from rest_framework.response import Response
from rest_framework.test import APIClient

from accounts.models import User
from config.app_settings import DEFAULTS
from sessions_app.crypto import digest
from sessions_app.models import BrowserSession, EndReason, UserSession
from sessions_app.session_store import SessionStore
from sessions_app.tests.helpers import (
    CHROME_ON_WINDOWS,
    SAFARI_ON_IPHONE,
    STRONG_PASSWORD,
    browser_login,
    cookie_key,
    live_sessions,
    resend_cookie,
)

pytestmark = pytest.mark.django_db

TOKEN_KEYS = {"token", "expires_at", "refresh_token", "refresh_expires_at"}
LOGIN_KEYS = {
    "user",
    *TOKEN_KEYS,
    "session",
    "ended_sessions",
    "message",
    "device_token",
}
REGISTER_KEYS = {"user", *TOKEN_KEYS, "session", "device_token"}


def login(client: APIClient, **data: object) -> Response:
    return client.post(reverse("sessions:login"), data)


def register_data(**overrides: str) -> dict:
    return {
        "username": "meera",
        "mobile": "9012345678",
        "password": STRONG_PASSWORD,
        "real_name": "Meera Nair",
        **overrides,
    }


# Token login


@pytest.mark.parametrize("spelling", ["Priya.Sharma", "priya.sharma", "PRIYA.SHARMA"])
def test_token_login_by_username_in_any_case(make_user, api_client, spelling):
    user = make_user(username="Priya.Sharma")

    response = login(api_client, username=spelling, password=user.raw_password)

    assert response.status_code == 200
    body = response.json()
    assert set(body) == LOGIN_KEYS
    assert body["user"]["id"] == str(user.pk)
    assert body["ended_sessions"] == []
    session = UserSession.objects.get(user=user)
    assert body["session"]["id"] == str(session.pk)
    assert body["session"]["is_current"] is True
    assert (session.transport, session.login_method) == ("token", "password_api")
    assert session.is_active
    assert session.expires_at == session.created_at + DEFAULTS["SESSION_MAX_LIFETIME"]
    assert session.token_expires_at == session.created_at + DEFAULTS["TOKEN_TTL"]


@pytest.mark.parametrize("spelling", ["9012345678", "+91 90123 45678", "+919012345678"])
def test_token_login_by_mobile_in_any_spelling(make_user, api_client, spelling):
    user = make_user(mobile="+919012345678")

    response = login(api_client, mobile=spelling, password=user.raw_password)

    assert response.status_code == 200
    assert set(response.json()) == LOGIN_KEYS
    assert response.json()["user"]["id"] == str(user.pk)
    assert UserSession.objects.filter(user=user, is_active=True).count() == 1


def test_token_from_login_opens_the_api(make_user, api_client):
    user = make_user()
    token = login(
        api_client, username=user.username, password=user.raw_password
    ).json()["token"]

    response = APIClient(headers={"Authorization": f"Token {token}"}).get(
        reverse("accounts:user-list")
    )

    assert response.status_code == 200


def test_bearer_keyword_is_accepted(make_user, api_client):
    user = make_user()
    token = login(
        api_client, username=user.username, password=user.raw_password
    ).json()["token"]

    response = APIClient(headers={"Authorization": f"Bearer {token}"}).get(
        reverse("accounts:user-list")
    )

    assert response.status_code == 200


def test_only_the_sha256_of_the_token_is_stored(make_user, api_client):
    user = make_user()

    token = login(
        api_client, username=user.username, password=user.raw_password
    ).json()["token"]

    row = UserSession.objects.values().get(user=user)
    assert row["token_digest"] == digest(token)
    assert row["session_key_digest"] is None
    assert [column for column, value in row.items() if token in str(value)] == []


def test_second_login_lists_the_session_it_ended(make_user, api_client):
    user = make_user()
    first = login(api_client, username=user.username, password=user.raw_password).json()

    second = login(
        api_client, username=user.username, password=user.raw_password
    ).json()

    assert [s["id"] for s in second["ended_sessions"]] == [first["session"]["id"]]
    assert second["ended_sessions"][0]["end_reason"] == "superseded"
    assert UserSession.objects.get(pk=first["session"]["id"]).end_reason == "superseded"
    assert [str(s.pk) for s in live_sessions(user)] == [second["session"]["id"]]


# Failed logins


FAILED_LOGINS = {
    "wrong password": lambda user: {
        "username": user.username,
        "password": "wrong-pass",
    },
    "unknown username": lambda user: {
        "username": "nobody",
        "password": user.raw_password,
    },
    "unknown mobile": lambda user: {
        "mobile": "+919999999999",
        "password": user.raw_password,
    },
    "wrong password by mobile": lambda user: {
        "mobile": str(user.mobile),
        "password": "x",
    },
}


@pytest.mark.parametrize("case", FAILED_LOGINS)
def test_failed_login_is_invalid_credentials_and_starts_nothing(
    make_user, api_client, case
):
    user = make_user()

    response = login(api_client, **FAILED_LOGINS[case](user))

    assert response.status_code == 400
    assert response.json()["code"] == "invalid_credentials"
    assert UserSession.objects.count() == 0


@pytest.mark.parametrize("field", ["username", "mobile"])
def test_inactive_user_is_invalid_credentials(make_user, api_client, field):
    user = make_user(is_active=False)

    response = login(
        api_client, **{field: str(getattr(user, field))}, password=user.raw_password
    )

    assert response.status_code == 400
    assert response.json()["code"] == "invalid_credentials"
    assert UserSession.objects.count() == 0


def test_every_failed_login_gets_the_same_answer(make_user, api_client):
    user = make_user()
    inactive = make_user(is_active=False)
    attempts = [make(user) for make in FAILED_LOGINS.values()]
    attempts.append({"username": inactive.username, "password": inactive.raw_password})

    answers = {login(api_client, **data).content for data in attempts}

    assert len(answers) == 1


def test_login_without_username_or_mobile_is_invalid(api_client):
    response = login(api_client, password="whatever-password")

    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert "username" in response.json()["fields"]


@pytest.mark.parametrize(
    "stale_header",
    ["Token ended", "Token unknown-token-value", "Token a b", "Bearer"],
)
@pytest.mark.parametrize("url_name", ["sessions:login", "sessions:register"])
def test_stale_token_in_header_does_not_block_login_or_register(
    make_user, token_client, stale_header, url_name
):
    user = make_user()
    if stale_header == "Token ended":
        ended = token_client(user)
        ended.post(reverse("sessions:logout"))
        stale_header = f"Token {ended.token}"
    client = APIClient(headers={"Authorization": stale_header})
    if url_name == "sessions:login":
        data = {"username": user.username, "password": user.raw_password}
    else:
        data = register_data()

    response = client.post(reverse(url_name), data)

    assert response.status_code == (200 if url_name == "sessions:login" else 201)
    assert response.json()["token"]


# Where a login comes from


@pytest.mark.parametrize(
    ("user_agent", "device_name", "browser", "os", "device_type"),
    [
        (CHROME_ON_WINDOWS, "Chrome on Windows", "Chrome", "Windows", "desktop"),
        (SAFARI_ON_IPHONE, "Mobile Safari on iOS", "Mobile Safari", "iOS", "mobile"),
    ],
)
def test_login_records_the_device(
    make_user, user_agent, device_name, browser, os, device_type
):
    user = make_user()
    client = APIClient(headers={"User-Agent": user_agent})

    response = login(client, username=user.username, password=user.raw_password)

    session = response.json()["session"]
    assert session["device_name"] == device_name
    assert session["device_info"] == {
        "browser": browser,
        "os": os,
        "device": device_type,
    }
    assert session["user_agent"] == user_agent
    row = UserSession.objects.get(user=user)
    assert (row.device_name, row.browser, row.os, row.device_type) == (
        device_name,
        browser,
        os,
        device_type,
    )


@pytest.mark.parametrize(
    ("remote_addr", "ip_address", "location"),
    [
        ("127.0.0.1", "127.0.0.1", "Localhost"),
        ("::1", "::1", "Localhost"),
        ("10.1.2.3", "10.1.2.3", "Local network"),
        ("192.168.1.5", "192.168.1.5", "Local network"),
        ("8.8.8.8", "8.8.8.8", "United States"),
        ("49.36.0.1", "49.36.0.1", "India"),
        ("224.0.0.1", "224.0.0.1", "Unknown"),
        ("", None, "Unknown"),
    ],
)
def test_login_records_ip_and_location_from_remote_addr(
    make_user, api_client, remote_addr, ip_address, location
):
    user = make_user()

    response = api_client.post(
        reverse("sessions:login"),
        {"username": user.username, "password": user.raw_password},
        REMOTE_ADDR=remote_addr,
    )

    assert response.status_code == 200
    assert response.json()["session"]["ip_address"] == ip_address
    assert response.json()["session"]["location"] == location
    row = UserSession.objects.get(user=user)
    assert (row.ip_address, row.location) == (ip_address, location)


def test_forwarded_for_is_ignored_without_trusted_proxies(make_user, api_client):
    user = make_user()

    api_client.post(
        reverse("sessions:login"),
        {"username": user.username, "password": user.raw_password},
        REMOTE_ADDR="49.36.0.1",
        HTTP_X_FORWARDED_FOR="8.8.8.8",
    )

    row = UserSession.objects.get(user=user)
    assert (row.ip_address, row.location) == ("49.36.0.1", "India")


@pytest.mark.parametrize(
    ("forwarded_for", "ip_address", "location"),
    [
        ("8.8.8.8", "8.8.8.8", "United States"),
        # The client may write anything first; only the hop our proxy added counts.
        ("8.8.8.8, 49.36.0.1", "49.36.0.1", "India"),
    ],
)
def test_forwarded_for_is_used_with_one_trusted_proxy(
    make_user, api_client, settings, forwarded_for, ip_address, location
):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    user = make_user()

    api_client.post(
        reverse("sessions:login"),
        {"username": user.username, "password": user.raw_password},
        REMOTE_ADDR="10.0.0.2",
        HTTP_X_FORWARDED_FOR=forwarded_for,
    )

    row = UserSession.objects.get(user=user)
    assert (row.ip_address, row.location) == (ip_address, location)


def test_last_login_is_set_by_token_login(make_user, api_client):
    user = make_user()
    assert user.last_login is None

    login(api_client, username=user.username, password=user.raw_password)

    user.refresh_from_db()
    session = UserSession.objects.get(user=user)
    assert user.last_login is not None
    assert user.last_login >= session.created_at


# Register


def test_register_creates_user_and_first_token_session(api_client):
    response = api_client.post(
        reverse("sessions:register"), register_data(), HTTP_USER_AGENT=CHROME_ON_WINDOWS
    )

    assert response.status_code == 201
    body = response.json()
    assert set(body) == REGISTER_KEYS
    user = User.objects.get(username="meera")
    assert body["user"]["id"] == str(user.pk)
    assert body["user"]["mobile"] == "+919012345678"
    assert user.check_password(STRONG_PASSWORD)
    assert user.last_login is not None
    session = UserSession.objects.get(user=user)
    assert body["session"]["id"] == str(session.pk)
    assert (session.transport, session.login_method) == ("token", "register")
    assert session.device_name == "Chrome on Windows"
    assert session.token_digest == digest(body["token"])
    token_client = APIClient(headers={"Authorization": f"Token {body['token']}"})
    assert token_client.get(reverse("accounts:user-list")).status_code == 200


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"password": "short"}, "password"),
        ({"password": "123456789012"}, "password"),
        ({"username": "TAKEN"}, "username"),
        ({"mobile": "+919812345670"}, "mobile"),
        ({"mobile": "12"}, "mobile"),
        ({"real_name": ""}, "real_name"),
    ],
)
def test_invalid_register_creates_nothing(make_user, api_client, overrides, field):
    make_user(username="taken", mobile="+919812345670")
    users_before = User.objects.count()

    response = api_client.post(reverse("sessions:register"), register_data(**overrides))

    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert field in response.json()["fields"]
    assert User.objects.count() == users_before
    assert UserSession.objects.count() == 0


# Cookie logins (browsable API and admin)


def test_browsable_api_login_starts_a_cookie_session_linked_to_its_store_row(make_user):
    user = make_user()
    client = APIClient(headers={"User-Agent": CHROME_ON_WINDOWS})

    response = browser_login(client, user)

    assert response.status_code == 302
    key = cookie_key(client)
    session = UserSession.objects.get(user=user)
    assert (session.transport, session.login_method) == ("cookie", "password_browser")
    assert session.session_key_digest == digest(key)
    assert session.token_digest is None
    assert session.device_name == "Chrome on Windows"
    assert session.expires_at == session.created_at + DEFAULTS["COOKIE_TTL"]
    assert (
        BrowserSession.objects.get(session_key=digest(key)).user_session_id
        == session.pk
    )
    user.refresh_from_db()
    assert user.last_login is not None
    assert client.get(reverse("accounts:user-list")).status_code == 200


def test_admin_login_of_staff_starts_an_admin_cookie_session(make_user):
    staff = make_user(is_staff=True)
    client = APIClient()

    response = browser_login(client, staff, "admin:login")

    assert response.status_code == 302
    assert response["Location"] == reverse("admin:index")
    key = cookie_key(client)
    session = UserSession.objects.get(user=staff)
    assert (session.transport, session.login_method) == ("cookie", "admin")
    assert session.session_key_digest == digest(key)
    assert (
        BrowserSession.objects.get(session_key=digest(key)).user_session_id
        == session.pk
    )
    assert client.get(reverse("admin:index")).status_code == 200


def test_admin_login_of_a_member_starts_nothing(make_user):
    member = make_user()

    response = browser_login(APIClient(), member, "admin:login")

    assert response.status_code == 200
    assert UserSession.objects.count() == 0
    assert BrowserSession.objects.count() == 0


@pytest.mark.parametrize("url_name", ["rest_framework:login", "admin:login"])
def test_second_login_in_the_same_browser_rotates_the_cookie_key(make_user, url_name):
    user = make_user(is_staff=True)
    client = APIClient()
    browser_login(client, user, url_name)
    first_key = cookie_key(client)
    first = UserSession.objects.get(user=user)

    response = browser_login(client, user, url_name)

    assert response.status_code == 302
    second_key = cookie_key(client)
    assert second_key and second_key != first_key
    first.refresh_from_db()
    assert (first.is_active, first.end_reason) == (False, EndReason.SUPERSEDED)
    [second] = live_sessions(user)
    assert second.session_key_digest == digest(second_key)
    assert list(BrowserSession.objects.values_list("session_key", flat=True)) == [
        digest(second_key)  # the store keeps only digests of cookie keys
    ]
    assert client.get(reverse("accounts:user-list")).status_code == 200


def test_login_replaces_the_cookie_key_the_browser_held_before(make_user):
    user = make_user()
    anonymous = SessionStore()
    anonymous["seen_login_page"] = True
    anonymous.save()
    client = APIClient()
    resend_cookie(client, anonymous.session_key)

    browser_login(client, user)

    assert cookie_key(client) not in {"", anonymous.session_key}
    assert not BrowserSession.objects.filter(
        session_key=digest(anonymous.session_key)
    ).exists()


def test_another_user_signing_in_in_the_same_browser_ends_the_first_session(make_user):
    first_user, second_user = make_user(), make_user()
    client = APIClient()
    browser_login(client, first_user)
    [first] = live_sessions(first_user)

    browser_login(client, second_user)

    first.refresh_from_db()
    assert len(live_sessions(second_user)) == 1
    assert not first.is_active
