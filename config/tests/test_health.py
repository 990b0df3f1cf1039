import pytest
from django.db import OperationalError
from django.urls import reverse

from config import db

pytestmark = pytest.mark.django_db


def test_health_reports_ok(api_client):
    response = api_client.get(reverse("health"))

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "cache": "ok"}


def test_health_ignores_a_stale_token(api_client):
    api_client.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")

    response = api_client.get(reverse("health"))

    assert response.status_code == 200


class _DeadConnection:
    def cursor(self):
        raise OperationalError("could not connect to server")


def test_health_is_503_when_the_database_does_not_answer(api_client, monkeypatch):
    monkeypatch.setattr("config.views.connection", _DeadConnection())

    response = api_client.get(reverse("health"))

    assert response.status_code == 503
    body = response.json()
    assert body["code"] == "database_unavailable"
    assert body["status"] == "error" and body["database"] == "unavailable"


def test_health_is_200_degraded_when_only_the_cache_is_down(
    api_client, settings, dead_redis_url
):
    settings.CACHES = {
        "default": {
            "BACKEND": "config.cache.ResilientRedisCache",
            "LOCATION": dead_redis_url,
        }
    }

    response = api_client.get(reverse("health"))

    assert response.status_code == 200
    assert response.json() == {
        "status": "degraded",
        "database": "ok",
        "cache": "unavailable",
    }


def test_health_checks_the_database_within_its_one_second_budget(
    api_client, monkeypatch
):
    budgets = []
    real_deadline = db.deadline

    def recording_deadline(seconds):
        budgets.append(seconds)
        return real_deadline(seconds)

    monkeypatch.setattr("config.views.db.deadline", recording_deadline)

    api_client.get(reverse("health"))

    assert budgets == [1.0]
