import pytest
from django.urls import reverse

from accounts.models import User
from sessions_app.models import BrowserSession

pytestmark = pytest.mark.django_db

SIGNUP_URLS = [reverse("accounts:signup"), reverse("legacy:signup")]


def signup_data(**overrides: str) -> dict:
    return {
        "username": "meera",
        "mobile": "9012345678",
        "password": "a-long-passphrase-77",
        "real_name": "Meera Nair",
        "tz": "Asia/Kolkata",
        "email": "meera@example.com",
        **overrides,
    }


@pytest.mark.parametrize("url", SIGNUP_URLS)
def test_signup_creates_user_and_no_session(api_client, url):
    response = api_client.post(url, signup_data())

    assert response.status_code == 201
    body = response.json()
    assert set(body) == {
        "id",
        "username",
        "mobile",
        "real_name",
        "tz",
        "email",
        "pending_email",
        "email_verified",
        "is_staff",
        "date_joined",
    }
    assert body["mobile"] == "+919012345678"
    user = User.objects.get(id=body["id"])
    assert user.check_password("a-long-passphrase-77")
    assert not user.is_staff
    assert BrowserSession.objects.count() == 0
    assert "sessionid" not in response.cookies


def test_signup_keeps_whitespace_in_password(api_client):
    response = api_client.post(
        reverse("accounts:signup"), signup_data(password="  spaced passphrase  ")
    )

    assert response.status_code == 201
    user = User.objects.get(username="meera")
    assert user.check_password("  spaced passphrase  ")
    assert not user.check_password("spaced passphrase")


def test_signup_defaults_time_zone_to_utc_and_email_to_blank(api_client):
    data = signup_data()
    del data["tz"], data["email"]

    response = api_client.post(reverse("accounts:signup"), data)

    assert response.status_code == 201
    assert response.json()["tz"] == "UTC"
    assert response.json()["email"] == ""


@pytest.mark.parametrize("field", ["username", "mobile", "password", "real_name"])
def test_signup_requires_field(api_client, field):
    data = signup_data()
    del data[field]

    response = api_client.post(reverse("accounts:signup"), data)

    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert set(body["fields"]) == {field}
    assert User.objects.count() == 0


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("username", "has space"),
        ("username", "semi;colon"),
        ("username", "x" * 151),
        ("username", ""),
        ("mobile", "12345"),
        ("mobile", "not a number"),
        ("mobile", "+1 555 0100"),
        ("real_name", "r" * 151),
        ("real_name", ""),
        ("tz", "Mars/Olympus_Mons"),
        ("tz", "asia/kolkata"),
        ("email", "not-an-email"),
        ("password", "p" * 129),
    ],
)
def test_signup_rejects_invalid_value(api_client, field, value):
    response = api_client.post(
        reverse("accounts:signup"), signup_data(**{field: value})
    )

    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert field in response.json()["fields"]
    assert User.objects.count() == 0


@pytest.mark.parametrize(
    "password",
    ["short-pw", "12345678901234", "password12345", "meeranair123"],
    ids=["too-short", "numeric", "common", "like-the-username"],
)
def test_signup_rejects_weak_password(api_client, password):
    response = api_client.post(
        reverse("accounts:signup"), signup_data(password=password)
    )

    assert response.status_code == 400
    assert set(response.json()["fields"]) == {"password"}
    assert User.objects.count() == 0


@pytest.mark.parametrize(
    "spelling",
    [
        "9012345678",
        "+91 90123 45678",
        "+919012345678",
        "090123 45678",
        "+91-901-234-5678",
    ],
)
def test_signup_refuses_mobile_taken_in_another_spelling(
    api_client, make_user, spelling
):
    make_user(mobile="+919012345678")

    response = api_client.post(reverse("accounts:signup"), signup_data(mobile=spelling))

    assert response.status_code == 400
    assert set(response.json()["fields"]) == {"mobile"}
    assert User.objects.count() == 1


@pytest.mark.parametrize("spelling", ["MEERA", "Meera", "ｍｅｅｒａ"])
def test_signup_refuses_username_taken_in_another_case_or_width(
    api_client, make_user, spelling
):
    make_user(username="meera")

    response = api_client.post(
        reverse("accounts:signup"), signup_data(username=spelling)
    )

    assert response.status_code == 400
    assert set(response.json()["fields"]) == {"username"}
    assert User.objects.count() == 1


def test_signup_stores_username_after_nfkc(api_client):
    response = api_client.post(
        reverse("accounts:signup"), signup_data(username="ｍｅｅｒａ")
    )

    assert response.status_code == 201
    assert response.json()["username"] == "meera"


def test_signup_ignores_attempts_to_set_staff(api_client):
    response = api_client.post(
        reverse("accounts:signup"),
        {**signup_data(), "is_staff": True, "is_superuser": True},
    )

    assert response.status_code == 201
    user = User.objects.get(username="meera")
    assert not user.is_staff and not user.is_superuser
