"""The knox project's `/api/auth/*` routes: the v1 views, with or without the slash."""

import pytest
from django.urls import reverse

from accounts.models import User
from sessions_app.models import UserSession

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-passphrase-77"


def register_data(n: int) -> dict:
    return {
        "username": f"meera{n}",
        "mobile": f"90123456{n:02d}",
        "password": PASSWORD,
        "real_name": "Meera Nair",
        "tz": "Asia/Kolkata",
    }


@pytest.mark.parametrize("path", ["/api/auth/register", "/api/auth/register/"])
def test_register_answers_as_v1_register(api_client, path):
    original = api_client.post(path, register_data(1))
    v1 = api_client.post(reverse("sessions:register"), register_data(2))

    assert original.status_code == v1.status_code == 201
    assert set(original.json()) == set(v1.json())
    assert {"user", "token", "expires_at", "session"} <= set(original.json())
    user = User.objects.get(username="meera1")
    assert UserSession.objects.get(user=user).is_active


def test_register_refuses_what_v1_refuses(api_client):
    bad = {**register_data(1), "password": "short"}

    original = api_client.post("/api/auth/register", bad)
    v1 = api_client.post(reverse("sessions:register"), bad)

    assert original.status_code == v1.status_code == 400
    assert original.json() == v1.json()


@pytest.mark.parametrize("path", ["/api/auth/login", "/api/auth/login/"])
def test_login_answers_as_v1_login(make_user, api_client, path):
    user = make_user()
    credentials = {"username": user.username, "password": user.raw_password}

    v1 = api_client.post(reverse("sessions:login"), credentials)
    original = api_client.post(path, credentials)

    assert original.status_code == v1.status_code == 200
    assert set(original.json()) == set(v1.json())
    assert {"user", "token", "session", "ended_sessions"} <= set(original.json())
    assert original.json()["ended_sessions"][0]["id"] == v1.json()["session"]["id"]
    assert UserSession.objects.get(user=user, is_active=True)


def test_login_with_a_wrong_password_is_invalid_credentials(make_user, api_client):
    user = make_user()

    response = api_client.post(
        "/api/auth/login", {"username": user.username, "password": "wrong-password"}
    )

    assert response.status_code == 400
    assert response.json()["code"] == "invalid_credentials"


def test_original_login_supersedes_a_v1_session(make_user, token_client, api_client):
    user = make_user()
    first = token_client(user)

    api_client.post(
        "/api/auth/login/", {"username": user.username, "password": user.raw_password}
    )

    response = first.get(reverse("messaging:message-list"))
    assert response.status_code == 403
    assert response.json()["code"] == "session_superseded"


@pytest.mark.parametrize("path", ["/api/auth/logout", "/api/auth/logout/"])
def test_logout_ends_the_session(make_user, token_client, path):
    user = make_user()
    client = token_client(user)

    response = client.post(path)

    assert response.status_code == 204
    assert not UserSession.objects.get(pk=client.session_id).is_active
    again = client.get("/api/message")
    assert again.status_code == 403
    assert again.json()["code"] == "session_logged_out"


def test_logout_without_credentials_is_401(api_client):
    response = api_client.post("/api/auth/logout")

    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


@pytest.mark.parametrize("path", ["/api/auth/login", "/api/message", "/api/block"])
def test_get_on_a_post_route_is_405_not_a_redirect(make_user, token_client, path):
    client = token_client(make_user())

    response = client.get(path) if path != "/api/message" else client.put(path)

    assert response.status_code == 405
    assert response.json()["code"] == "method_not_allowed"
