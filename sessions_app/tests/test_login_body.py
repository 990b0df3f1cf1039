"""The token login body names one account: a username or a mobile number, not both."""

import pytest
from django.urls import reverse

from sessions_app.models import UserSession
from sessions_app.serializers import LoginSerializer

pytestmark = pytest.mark.django_db

NOT_BOTH = LoginSerializer.default_error_messages["username_and_mobile"]


def test_login_with_username_and_mobile_is_invalid_saying_send_one(
    make_user, api_client
):
    user = make_user()

    response = api_client.post(
        reverse("sessions:login"),
        {
            "username": user.username,
            "mobile": str(user.mobile),
            "password": user.raw_password,
        },
    )

    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert body["fields"] == {"non_field_errors": [str(NOT_BOTH)]}
    assert UserSession.objects.count() == 0


def test_login_with_two_accounts_named_is_invalid_not_a_credentials_error(
    make_user, api_client
):
    alice, bob = make_user(), make_user()

    response = api_client.post(
        reverse("sessions:login"),
        {"username": alice.username, "mobile": str(bob.mobile), "password": "x"},
    )

    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert "non_field_errors" in response.json()["fields"]
    assert UserSession.objects.count() == 0
