"""Signing out: token and cookie logout, and CSRF on cookie-authenticated writes."""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.models import User
from sessions_app.crypto import digest
from sessions_app.exceptions import LOGGED_OUT_DETAIL
from sessions_app.models import BrowserSession, EndReason, UserSession
from sessions_app.tests.helpers import (
    browser_login,
    cookie_key,
    resend_cookie,
    set_policy,
)

pytestmark = pytest.mark.django_db


def test_token_logout_ends_the_session_and_the_token_is_refused_after(
    make_user, token_client
):
    user = make_user()
    client = token_client(user)

    response = client.post(reverse("sessions:logout"))

    assert response.status_code == 204
    session = UserSession.objects.get(pk=client.session_id)
    assert (session.is_active, session.end_reason) == (False, EndReason.LOGOUT)
    assert session.ended_at is not None
    for _ in range(2):  # a token is told why, every time
        refused = client.get(reverse("accounts:user-list"))
        assert refused.status_code == 403
        assert refused.json() == {
            "detail": str(LOGGED_OUT_DETAIL),
            "code": "session_logged_out",
        }


def test_token_logout_leaves_the_users_other_sessions_live(
    make_user, token_client, settings
):
    set_policy(settings, MAX_SESSIONS_PER_USER=2)
    user = make_user()
    leaving, staying = token_client(user), token_client(user)

    leaving.post(reverse("sessions:logout"))

    assert staying.get(reverse("accounts:user-list")).status_code == 200
    assert UserSession.objects.get(pk=staying.session_id).is_active


# (login route, logout route, status of the logout answer)
COOKIE_LOGOUTS = [
    ("rest_framework:login", "rest_framework:logout", 302),
    ("rest_framework:login", "sessions:logout", 204),
    ("admin:login", "admin:logout", 200),
]


@pytest.mark.parametrize(("login_name", "logout_name", "status"), COOKIE_LOGOUTS)
def test_cookie_logout_ends_the_session_and_deletes_its_store_row(
    make_user, login_name, logout_name, status
):
    user = make_user(is_staff=True)
    client = APIClient()
    browser_login(client, user, login_name)
    key = cookie_key(client)
    session = UserSession.objects.get(user=user)

    response = client.post(reverse(logout_name))

    assert response.status_code == status
    session.refresh_from_db()
    assert (session.is_active, session.end_reason) == (False, EndReason.LOGOUT)
    assert not BrowserSession.objects.filter(session_key=digest(key)).exists()
    assert BrowserSession.objects.count() == 0
    assert cookie_key(client) == ""  # the server cleared the cookie


@pytest.mark.parametrize(("login_name", "logout_name", "status"), COOKIE_LOGOUTS)
def test_logged_out_cookie_is_refused_once_then_anonymous(
    make_user, login_name, logout_name, status
):
    user = make_user(is_staff=True)
    client = APIClient()
    browser_login(client, user, login_name)
    key = cookie_key(client)
    client.post(reverse(logout_name))
    resend_cookie(client, key)  # a browser that kept the old cookie

    refused = client.get(reverse("accounts:user-list"))
    after = client.get(reverse("accounts:user-list"))

    assert refused.status_code == 403
    assert refused.json()["code"] == "session_logged_out"
    assert cookie_key(client) == ""
    assert after.status_code == 401
    assert after.json()["code"] == "not_authenticated"


def test_logged_out_admin_cookie_no_longer_opens_the_admin(make_user):
    staff = make_user(is_staff=True)
    client = APIClient()
    browser_login(client, staff, "admin:login")
    key = cookie_key(client)
    client.post(reverse("admin:logout"))
    resend_cookie(client, key)

    response = client.get(reverse("admin:index"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_logout_without_credentials_is_401(api_client):
    response = api_client.post(reverse("sessions:logout"))

    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"
    assert response["WWW-Authenticate"] == "Token"


def test_logout_with_an_unknown_token_is_401(api_client):
    api_client.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")

    response = api_client.post(reverse("sessions:logout"))

    assert response.status_code == 401
    assert response.json()["code"] == "authentication_failed"


def test_second_logout_with_the_same_token_is_refused(make_user, token_client):
    client = token_client(make_user())
    client.post(reverse("sessions:logout"))

    response = client.post(reverse("sessions:logout"))

    assert response.status_code == 403
    assert response.json()["code"] == "session_logged_out"


# CSRF


def csrf_browser_login(user: User) -> APIClient:
    """Log in through the browsable API as a browser does, CSRF checks on."""
    client = APIClient(enforce_csrf_checks=True)
    client.get(reverse("rest_framework:login"))
    response = browser_login(
        client, user, csrfmiddlewaretoken=client.cookies["csrftoken"].value
    )
    assert response.status_code == 302
    return client


def test_cookie_logout_without_csrf_token_is_refused(make_user):
    user = make_user()
    client = csrf_browser_login(user)

    response = client.post(reverse("sessions:logout"))

    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    assert UserSession.objects.get(user=user).is_active


def test_cookie_logout_with_csrf_token_succeeds(make_user):
    user = make_user()
    client = csrf_browser_login(user)

    response = client.post(
        reverse("sessions:logout"), HTTP_X_CSRFTOKEN=client.cookies["csrftoken"].value
    )

    assert response.status_code == 204
    assert UserSession.objects.get(user=user).end_reason == EndReason.LOGOUT


def test_cookie_safe_methods_need_no_csrf_token(make_user):
    client = csrf_browser_login(make_user())

    assert client.get(reverse("accounts:user-list")).status_code == 200


def test_token_requests_need_no_csrf_token(make_user):
    user = make_user()
    client = APIClient(enforce_csrf_checks=True)
    login = client.post(
        reverse("sessions:login"),
        {"username": user.username, "password": user.raw_password},
    )
    assert login.status_code == 200
    client.credentials(HTTP_AUTHORIZATION=f"Token {login.json()['token']}")

    response = client.post(reverse("sessions:logout"))

    assert response.status_code == 204
    assert UserSession.objects.get(user=user).end_reason == EndReason.LOGOUT
