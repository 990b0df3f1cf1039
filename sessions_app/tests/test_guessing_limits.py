"""Guessing limits that can be neither dodged nor turned against the owner."""

import threading

import pytest
from django.contrib.auth.hashers import MD5PasswordHasher
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from rest_framework.test import APIClient

from accounts.tokens import password_reset_tokens
from config.app_settings import DEFAULT_THROTTLE_RATES
from config.throttling import throttle_registry
from sessions_app.models import UserSession
from sessions_app.throttling import DEVICE_COOKIE, account_key

pytestmark = pytest.mark.django_db

WRONG = "not-the-password-at-all"


@pytest.fixture
def rates(settings):
    def set_rates(**overrides: str) -> None:
        settings.THROTTLE_RATES = {**DEFAULT_THROTTLE_RATES, **overrides}

    return set_rates


def api_login(client: APIClient, ip: str = "203.0.113.5", **body: str):
    return client.post(reverse("sessions:login"), body, REMOTE_ADDR=ip)


def test_failures_by_username_count_for_the_mobile_number_too(
    make_user, api_client, rates
):
    rates(login_failures_account_ip="3/15min")
    user = make_user(username="ptix", mobile="+919812300001")

    for spelling in ["ptix", "PTIX", "ｐｔｉｘ"]:
        assert (
            api_login(api_client, username=spelling, password=WRONG).status_code == 400
        )
    by_mobile = api_login(api_client, mobile="98123 00001", password=user.raw_password)

    assert by_mobile.status_code == 429
    assert by_mobile.json()["code"] == "throttled"


def test_a_dotless_i_spelling_names_no_account(make_user, api_client):
    user = make_user(username="ptix")

    response = api_login(api_client, username="ptıx", password=user.raw_password)

    assert response.status_code == 400
    assert response.json()["code"] == "invalid_credentials"
    assert not UserSession.objects.exists()


def test_unknown_names_are_counted_by_their_normalised_form(api_client, rates):
    rates(login_failures_account_ip="2/15min")

    answers = [
        api_login(api_client, username=name, password=WRONG)
        for name in ["Nobody", "NOBODY", "ｎｏｂｏｄｙ"]
    ]

    assert [a.status_code for a in answers] == [400, 400, 429]
    assert account_key(username="Nobody") == account_key(username="ｎｏｂｏｄｙ")


@pytest.mark.django_db(transaction=True)
def test_parallel_guesses_never_pass_the_limit(make_user, rates, monkeypatch):
    if connection.vendor == "sqlite" and connection.settings_dict["NAME"].startswith(
        "file:memorydb"
    ):
        pytest.skip("threads need a file database")
    rates(login_failures_account_ip="10/15min")
    user = make_user()
    evaluated = []
    real_verify = MD5PasswordHasher.verify

    def counting_verify(self, password, encoded):
        evaluated.append(password)
        return real_verify(self, password, encoded)

    monkeypatch.setattr(MD5PasswordHasher, "verify", counting_verify)
    barrier = threading.Barrier(30)
    statuses = []

    def guess() -> None:
        client = APIClient()
        barrier.wait(timeout=10)
        statuses.append(
            api_login(client, username=user.username, password=WRONG).status_code
        )
        connection.close()

    threads = [threading.Thread(target=guess) for _ in range(30)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert len(statuses) == 30
    assert statuses.count(400) == len(evaluated) <= 10
    assert statuses.count(429) >= 20


def test_the_owners_device_is_not_locked_out_by_others(make_user, api_client, rates):
    rates(login_failures_account="5/hour")
    owner = make_user()
    first = api_login(api_client, username=owner.username, password=owner.raw_password)
    device_token = first.json()["device_token"]
    for n in range(10):  # strangers from ten addresses
        api_login(
            APIClient(), ip=f"198.51.100.{n}", username=owner.username, password=WRONG
        )

    stranger = api_login(
        APIClient(),
        ip="192.0.2.7",
        username=owner.username,
        password=owner.raw_password,
    )
    known = api_login(
        api_client,
        username=owner.username,
        password=owner.raw_password,
        device_token=device_token,
    )

    assert stranger.status_code == 429
    assert known.status_code == 200
    assert known.json()["device_token"] != device_token  # a fresh one each sign-in


def test_a_known_device_has_its_own_limit(make_user, api_client, rates):
    rates(login_failures_device="3/15min")
    owner = make_user()
    token = api_login(
        api_client, username=owner.username, password=owner.raw_password
    ).json()["device_token"]

    answers = [
        api_login(
            api_client, username=owner.username, password=WRONG, device_token=token
        )
        for _ in range(4)
    ]

    assert [a.status_code for a in answers] == [400, 400, 400, 429]


def test_another_accounts_device_token_exempts_nothing(make_user, api_client, rates):
    rates(login_failures_account="2/hour")
    owner, other = make_user(), make_user()
    foreign = api_login(
        api_client, username=other.username, password=other.raw_password
    ).json()["device_token"]
    for n in range(3):
        api_login(
            APIClient(), ip=f"198.51.100.{n}", username=owner.username, password=WRONG
        )

    response = api_login(
        api_client,
        username=owner.username,
        password=owner.raw_password,
        device_token=foreign,
    )

    assert response.status_code == 429


def test_a_browser_sign_in_sets_an_httponly_device_cookie_that_exempts_it(
    make_user, rates
):
    rates(login_failures_account="2/hour")
    owner = make_user()
    browser = Client()
    browser.post(
        reverse("rest_framework:login"),
        {"username": owner.username, "password": owner.raw_password},
    )
    cookie = browser.cookies[DEVICE_COOKIE]
    browser.post(reverse("rest_framework:logout"))
    for n in range(3):
        api_login(
            APIClient(), ip=f"198.51.100.{n}", username=owner.username, password=WRONG
        )

    again = browser.post(
        reverse("rest_framework:login"),
        {"username": owner.username, "password": owner.raw_password},
    )

    assert cookie["httponly"]
    assert again.status_code == 302


@pytest.mark.parametrize("url_name", ["rest_framework:login", "admin:login"])
def test_login_forms_share_the_per_ip_limit_and_show_the_wait(
    make_user, rates, url_name
):
    rates(login_ip="3/min")
    user = make_user(is_staff=True)
    browser = Client()
    data = {"username": user.username, "password": WRONG}

    pages = [browser.post(reverse(url_name), data) for _ in range(4)]

    assert [p.status_code for p in pages] == [200, 200, 200, 200]
    assert b"Too many sign-in attempts from this address" in pages[3].content
    assert b"Try again in" in pages[3].content


@pytest.mark.parametrize("url_name", ["rest_framework:login", "admin:login"])
def test_login_forms_count_failed_passwords_by_account(make_user, rates, url_name):
    rates(login_failures_account_ip="2/15min")
    user = make_user(is_staff=True)
    browser = Client()

    for _ in range(2):
        browser.post(reverse(url_name), {"username": user.username, "password": WRONG})
    refused = browser.post(
        reverse(url_name), {"username": user.username, "password": user.raw_password}
    )

    assert refused.status_code == 200
    assert b"Too many failed logins for this account" in refused.content
    assert not UserSession.objects.filter(user=user).exists()


def test_the_browser_form_takes_a_mobile_number(make_user):
    user = make_user(mobile="+919812300002")

    response = Client().post(
        reverse("rest_framework:login"),
        {"username": "098123 00002", "password": user.raw_password},
    )

    assert response.status_code == 302
    assert UserSession.objects.filter(user=user, is_active=True).exists()


def test_a_tripped_limit_is_in_the_registry(make_user, api_client, rates):
    rates(login_failures_account_ip="2/15min")
    user = make_user()

    for _ in range(2):
        api_login(api_client, username=user.username, password=WRONG)

    tripped = throttle_registry.entries()
    assert [(t.scope, t.ident, t.count) for t in tripped] == [
        ("login_failures_account_ip", f"user:{user.pk}", 2)
    ]


def test_wrong_reset_tokens_count_against_the_account(make_user, api_client, rates):
    rates(login_failures_account_ip="3/15min")
    user = make_user(email="owner@example.com")
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    url = reverse("sessions:password-reset-confirm")
    body = {"uid": uid, "new_password": "a-brand-new-passphrase"}

    answers = [
        api_client.post(url, {**body, "token": f"guess-{n}"}, REMOTE_ADDR="203.0.113.5")
        for n in range(4)
    ]
    good_token = password_reset_tokens.make_token(user)
    still_refused = api_client.post(
        url, {**body, "token": good_token}, REMOTE_ADDR="203.0.113.5"
    )

    assert [a.status_code for a in answers] == [400, 400, 400, 429]
    assert still_refused.status_code == 429
    user.refresh_from_db()
    assert user.check_password(user.raw_password)
