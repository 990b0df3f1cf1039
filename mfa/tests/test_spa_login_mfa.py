"""The JSON cookie login of single-page apps, with two factors."""

import pytest
from django.conf import settings
from django.urls import reverse
from rest_framework.test import APIClient

from mfa.models import VerifiedSession
from mfa.tests.factories import enable_totp, totp_code
from sessions_app.models import UserSession
from sessions_app.tests.helpers import CHROME_ON_WINDOWS, live_sessions

pytestmark = pytest.mark.django_db


def browser() -> APIClient:
    return APIClient(
        enforce_csrf_checks=True, headers={"User-Agent": CHROME_ON_WINDOWS}
    )


def csrf(client: APIClient) -> dict[str, str]:
    return {"X-CSRFToken": client.get(reverse("sessions:csrf")).json()["csrf_token"]}


@pytest.fixture
def member(make_user):
    user = make_user()
    user.totp = enable_totp(user)
    return user


def test_the_password_step_answers_202_and_sets_no_session_cookie(member):
    client = browser()

    response = client.post(
        reverse("sessions:browser-login"),
        {"username": member.username, "password": member.raw_password},
        headers=csrf(client),
    )

    assert response.status_code == 202
    assert response.json()["mfa_required"] is True
    assert settings.SESSION_COOKIE_NAME not in response.cookies
    assert not UserSession.objects.filter(user=member).exists()


def test_the_code_step_sets_the_cookie_and_answers_like_the_login(member):
    client = browser()
    headers = csrf(client)
    mfa_token = client.post(
        reverse("sessions:browser-login"),
        {"username": member.username, "password": member.raw_password},
        headers=headers,
    ).json()["mfa_token"]

    response = client.post(
        reverse("mfa:browser-login"),
        {"mfa_token": mfa_token, "code": totp_code(member.totp.secret)},
        headers=headers,
    )

    assert response.status_code == 200, response.content
    assert set(response.json()) == {"user", "session", "ended_sessions", "message"}
    assert response.cookies[settings.SESSION_COOKIE_NAME]["httponly"]
    [session] = live_sessions(member)
    assert session.transport == "cookie"
    assert VerifiedSession.objects.filter(session=session).exists()
    assert client.get(reverse("sessions:me")).json()["session"]["id"] == str(session.pk)


def test_the_code_step_needs_the_csrf_header(member):
    client = browser()
    mfa_token = client.post(
        reverse("sessions:browser-login"),
        {"username": member.username, "password": member.raw_password},
        headers=csrf(client),
    ).json()["mfa_token"]

    response = client.post(
        reverse("mfa:browser-login"),
        {"mfa_token": mfa_token, "code": totp_code(member.totp.secret)},
    )

    assert response.status_code == 403
    assert not UserSession.objects.filter(user=member).exists()


def test_a_token_of_the_rest_login_does_not_finish_a_cookie_login(member):
    rest_token = (
        APIClient()
        .post(
            reverse("sessions:login"),
            {"username": member.username, "password": member.raw_password},
        )
        .json()["mfa_token"]
    )
    client = browser()

    response = client.post(
        reverse("mfa:browser-login"),
        {"mfa_token": rest_token, "code": totp_code(member.totp.secret)},
        headers=csrf(client),
    )

    assert response.status_code == 400
    assert response.json()["code"] == "mfa_token_invalid"
