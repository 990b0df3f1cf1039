import pytest
from django.urls import reverse
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "name",
    ["sessions:login", "sessions:me", "sessions:session-list", "sessions:event-list"],
)
def test_auth_session_and_event_answers_are_never_cached(make_user, token_client, name):
    client = token_client(make_user())

    response = (
        client.get(reverse(name))
        if name != "sessions:login"
        else client.post(reverse(name), {})
    )

    assert "no-store" in response["Cache-Control"]


def test_login_answer_with_the_token_is_not_cached(make_user, api_client):
    user = make_user()

    response = api_client.post(
        reverse("sessions:login"),
        {"username": user.username, "password": user.raw_password},
    )

    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]


def test_session_cookie_is_httponly_and_samesite(make_user, api_client):
    user = make_user()

    response = api_client.post(
        reverse("rest_framework:login"),
        {"username": user.username, "password": user.raw_password},
        format="multipart",
    )

    cookie = response.cookies["sessionid"]
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"


def test_session_cookie_is_secure_when_configured(make_user, api_client, settings):
    settings.SESSION_COOKIE_SECURE = True
    user = make_user()

    response = api_client.post(
        reverse("rest_framework:login"),
        {"username": user.username, "password": user.raw_password},
        format="multipart",
    )

    assert response.cookies["sessionid"]["secure"] is True


def test_cookie_authenticated_unsafe_request_needs_csrf(make_user):
    user = make_user()
    client = APIClient(enforce_csrf_checks=True)
    login_page = client.get(reverse("rest_framework:login"))
    client.post(
        reverse("rest_framework:login"),
        {
            "username": user.username,
            "password": user.raw_password,
            "csrfmiddlewaretoken": login_page.cookies["csrftoken"].value,
        },
        format="multipart",
    )

    without = client.patch(reverse("sessions:me"), {"real_name": "Changed"})
    with_token = client.patch(
        reverse("sessions:me"),
        {"real_name": "Changed"},
        HTTP_X_CSRFTOKEN=client.cookies["csrftoken"].value,
    )

    assert without.status_code == 403
    assert without.json()["code"] == "permission_denied"
    assert with_token.status_code == 200


def test_token_requests_need_no_csrf(make_user, token_client):
    client = token_client(make_user())
    client.handler.enforce_csrf_checks = True

    response = client.patch(reverse("sessions:me"), {"real_name": "Changed"})

    assert response.status_code == 200
