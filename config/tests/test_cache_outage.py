"""Redis down or frozen: the cache fails fast; sign-in keeps working and limiting."""

import logging

import pytest
from django.core.cache import cache, caches
from django.urls import reverse

from config import throttling
from config.app_settings import DEFAULT_THROTTLE_RATES
from config.cache import CacheUnavailable

pytestmark = pytest.mark.django_db


def use_redis_at(settings, url: str) -> None:
    settings.CACHES = {
        "default": {
            "BACKEND": "config.cache.ResilientRedisCache",
            "LOCATION": url,
            "OPTIONS": {"timeout_seconds": 0.1},
        }
    }


@pytest.fixture
def redis_down(settings, dead_redis_url):
    use_redis_at(settings, dead_redis_url)


@pytest.fixture
def redis_frozen(settings, frozen_redis_url):
    use_redis_at(settings, frozen_redis_url)


@pytest.fixture(autouse=True)
def _fresh_local_counters(monkeypatch):
    throttling.local_counters.clear()
    monkeypatch.setattr(throttling._fallback_log, "_next_at", 0.0)


def test_a_refusing_redis_is_cache_unavailable(redis_down):
    with pytest.raises(CacheUnavailable):
        cache.get("anything")


def test_a_frozen_redis_is_cache_unavailable_after_the_timeout(redis_frozen):
    with pytest.raises(CacheUnavailable):
        cache.get("anything")


def test_after_a_failure_redis_is_skipped_without_trying(redis_down, monkeypatch):
    with pytest.raises(CacheUnavailable):
        cache.get("anything")
    backend = caches["default"]
    tried = []
    monkeypatch.setattr(
        type(backend._cache), "get", lambda *args, **kwargs: tried.append(1)
    )

    with pytest.raises(CacheUnavailable, match="skipped"):
        cache.get("anything")

    assert backend.is_skipped() and tried == []


def test_the_breaker_closes_when_redis_answers_again(redis_down, monkeypatch):
    with pytest.raises(CacheUnavailable):
        cache.get("anything")
    backend = caches["default"]

    class AnsweringClient:
        def ping(self) -> bool:
            return True

    monkeypatch.setattr(
        type(backend._cache), "get_client", lambda *args, **kwargs: AnsweringClient()
    )

    assert backend.ping() is True
    assert not backend.is_skipped()


def login(client, username: str, password: str):
    return client.post(
        reverse("sessions:login"),
        {"username": username, "password": password},
        REMOTE_ADDR="203.0.113.9",
    )


@pytest.mark.parametrize("outage", ["redis_down", "redis_frozen"])
def test_sign_in_works_without_the_cache(api_client, make_user, request, outage):
    request.getfixturevalue(outage)
    user = make_user()

    response = login(api_client, user.username, user.raw_password)

    assert response.status_code == 200
    me = api_client.get(
        reverse("sessions:me"), HTTP_AUTHORIZATION=f"Token {response.json()['token']}"
    )
    assert me.status_code == 200


def test_failed_logins_are_still_limited_in_the_workers_memory(
    api_client, make_user, settings, redis_down, caplog
):
    settings.THROTTLE_RATES = {
        **DEFAULT_THROTTLE_RATES,
        "login_failures_account_ip": "3/15min",
    }
    user = make_user()
    caplog.set_level(logging.INFO)

    statuses = [
        login(api_client, user.username, "wrong-password-here").status_code
        for _ in range(5)
    ]

    assert statuses == [400, 400, 400, 429, 429]
    fallback_lines = [r for r in caplog.records if r.name == "config.throttling"]
    assert len(fallback_lines) == 1, "logged at most once a minute"
    assert fallback_lines[0].levelno == logging.ERROR
    assert fallback_lines[0].exc_info is None


def test_the_ip_limit_holds_without_the_cache(api_client, settings, redis_down):
    settings.THROTTLE_RATES = {**DEFAULT_THROTTLE_RATES, "login_ip": "2/min"}

    statuses = [login(api_client, "nobody", "x").status_code for _ in range(3)]

    assert statuses[-1] == 429
    assert 500 not in statuses
