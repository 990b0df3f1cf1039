import pytest
from django.contrib.auth.hashers import MD5PasswordHasher
from django.urls import reverse

from config.app_settings import DEFAULT_THROTTLE_RATES, parse_rate
from sessions_app.models import SecurityEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def rates(settings):
    def set_rates(**overrides: str) -> None:
        settings.THROTTLE_RATES = {**DEFAULT_THROTTLE_RATES, **overrides}

    return set_rates


def attempt(client, username: str, password: str, ip: str = "203.0.113.5", **extra):
    return client.post(
        reverse("sessions:login"),
        {"username": username, "password": password},
        REMOTE_ADDR=ip,
        **extra,
    )


@pytest.mark.parametrize(
    ("rate", "expected"),
    [
        ("60/min", (60, 60)),
        ("10/15min", (10, 900)),
        ("100/hour", (100, 3600)),
        ("5/2h", (5, 7200)),
        ("3/day", (3, 86400)),
        ("1/s", (1, 1)),
    ],
)
def test_parse_rate(rate, expected):
    assert parse_rate(rate) == expected


@pytest.mark.parametrize("rate", ["sixty/min", "10/fortnight", "10", ""])
def test_parse_rate_refuses_nonsense(rate):
    with pytest.raises(ValueError):
        parse_rate(rate)


@pytest.mark.parametrize(
    "name",
    [
        "sessions:login",
        "sessions:register",
        "sessions:password-reset",
        "accounts:signup",
    ],
)
def test_sign_in_endpoints_allow_n_requests_per_ip_then_429(api_client, rates, name):
    rates(login_ip="3/min")
    url = reverse(name)

    answers = [
        api_client.post(url, {}, REMOTE_ADDR="198.51.100.7").status_code
        for _ in range(4)
    ]
    other_ip = api_client.post(url, {}, REMOTE_ADDR="198.51.100.8")

    assert answers[:3] == [400, 400, 400]
    assert answers[3] == 429
    assert other_ip.status_code == 400


def test_throttled_answer_has_code_and_retry_after(api_client, rates):
    rates(login_ip="1/min")
    api_client.post(reverse("sessions:login"), {})

    response = api_client.post(reverse("sessions:login"), {})

    assert response.status_code == 429
    assert response.json()["code"] == "throttled"
    assert 1 <= int(response["Retry-After"]) <= 60
    assert SecurityEvent.objects.filter(kind="throttled").count() == 1


def test_forwarded_for_cannot_dodge_the_ip_limit_without_a_proxy(api_client, rates):
    rates(login_ip="2/min")

    answers = [
        api_client.post(
            reverse("sessions:login"),
            {},
            REMOTE_ADDR="198.51.100.7",
            HTTP_X_FORWARDED_FOR=f"10.0.0.{n}",
        ).status_code
        for n in range(3)
    ]

    assert answers == [400, 400, 429]


def test_forwarded_for_names_the_client_behind_a_trusted_proxy(
    api_client, rates, settings
):
    rates(login_ip="1/min")
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}

    first = api_client.post(
        reverse("sessions:login"),
        {},
        REMOTE_ADDR="10.0.0.1",
        HTTP_X_FORWARDED_FOR="198.51.100.1",
    )
    second = api_client.post(
        reverse("sessions:login"),
        {},
        REMOTE_ADDR="10.0.0.1",
        HTTP_X_FORWARDED_FOR="198.51.100.2",
    )

    assert (first.status_code, second.status_code) == (400, 400)


def test_ten_failures_per_account_and_ip_then_429_even_with_the_right_password(
    make_user, api_client
):
    user = make_user()
    failures = [
        attempt(api_client, user.username, f"wrong-{n}").status_code for n in range(10)
    ]

    blocked = attempt(api_client, user.username, user.raw_password)
    from_elsewhere = attempt(
        api_client, user.username, user.raw_password, ip="203.0.113.99"
    )

    assert failures == [400] * 10
    assert blocked.status_code == 429
    assert blocked.json()["code"] == "throttled"
    assert "Retry-After" in blocked
    assert from_elsewhere.status_code == 200  # the owner elsewhere is not locked out


def test_failure_limit_counts_unknown_accounts_the_same_way(api_client):
    answers = [
        attempt(api_client, "nobody-here", f"wrong-{n}").status_code for n in range(11)
    ]

    assert answers == [400] * 10 + [429]


def test_failure_limit_counts_the_account_in_any_case(make_user, api_client):
    user = make_user(username="casey")
    for n in range(10):
        attempt(api_client, "CASEY" if n % 2 else "casey", f"wrong-{n}")

    assert attempt(api_client, "Casey", user.raw_password).status_code == 429


def test_account_limit_holds_across_many_ips(make_user, api_client, rates):
    rates(login_failures_account="5/hour")
    user = make_user()
    for n in range(5):
        attempt(api_client, user.username, "wrong-password", ip=f"198.51.100.{n}")

    response = attempt(
        api_client, user.username, user.raw_password, ip="198.51.100.200"
    )

    assert response.status_code == 429


def test_success_clears_this_addresses_failures(make_user, api_client):
    user = make_user()
    for n in range(9):
        attempt(api_client, user.username, f"wrong-{n}")
    assert attempt(api_client, user.username, user.raw_password).status_code == 200

    answers = [
        attempt(api_client, user.username, f"again-{n}").status_code for n in range(9)
    ]

    assert answers == [400] * 9


def test_browser_login_form_shares_the_failure_limit(make_user, client, rates):
    rates(login_failures_account_ip="2/15min")
    user = make_user()
    url = reverse("rest_framework:login")
    for _ in range(2):
        client.post(url, {"username": user.username, "password": "wrong-password"})

    response = client.post(
        url, {"username": user.username, "password": user.raw_password}
    )

    assert response.status_code == 200  # the form again, with the error
    assert "Too many failed logins" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_unknown_username_still_runs_the_password_hasher(api_client, monkeypatch):
    calls = []
    original = MD5PasswordHasher.encode

    def counting_encode(self, password, salt):
        calls.append(password)
        return original(self, password, salt)

    monkeypatch.setattr(MD5PasswordHasher, "encode", counting_encode)

    by_name = attempt(api_client, "no-such-user", "some-password-1")
    by_mobile = api_client.post(
        reverse("sessions:login"),
        {"mobile": "9123456789", "password": "some-password-2"},
    )

    assert by_name.json() == by_mobile.json()
    assert by_name.json()["code"] == "invalid_credentials"
    assert calls == ["some-password-1", "some-password-2"]
