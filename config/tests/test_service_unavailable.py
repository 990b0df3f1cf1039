"""An unavailable database or cache is a 503 `service_unavailable`, never a 500."""

import logging

import pytest
from django.db import OperationalError
from rest_framework.test import APIClient

from config import errors

pytestmark = pytest.mark.django_db

SERVICE_UNAVAILABLE = {"service_unavailable"}


@pytest.fixture
def client(settings, monkeypatch) -> APIClient:
    settings.ROOT_URLCONF = "config.tests.outage_urls"
    monkeypatch.setattr(errors._outage_error_log, "_next_at", 0.0)
    return APIClient(raise_request_exception=False)


def outage_lines(caplog) -> list[logging.LogRecord]:
    return [
        record
        for record in caplog.records
        if record.levelno >= logging.WARNING
        and record.name in {"config.errors", "django.request"}
    ]


@pytest.mark.parametrize("debug", [True, False])
@pytest.mark.parametrize("dependency", ["database", "cache"])
def test_unavailable_dependency_in_a_view_is_503_with_retry_after(
    client, settings, dependency, debug
):
    settings.DEBUG = debug

    response = client.get(f"/api/v1/outage/{dependency}/")

    assert response.status_code == 503
    body = response.json()
    assert set(body) == {"detail", "code", "request_id"}
    assert body["code"] == "service_unavailable"
    assert body["detail"] == str(errors.SERVICE_UNAVAILABLE_DETAIL)
    assert body["request_id"] == response["X-Request-ID"]
    assert int(response["Retry-After"]) > 0


def test_database_down_in_a_middleware_is_503(client, settings, monkeypatch):
    # Production (DEBUG off): Django hands it to handler500. With DEBUG on a
    # middleware's crash shows Django's debug page, as any other crash there does.
    def refuse(*args, **kwargs):
        raise OperationalError("FATAL: sorry, too many clients already")

    monkeypatch.setattr("sessions_app.middleware.LiveSessionMiddleware._check", refuse)
    client.cookies[settings.SESSION_COOKIE_NAME] = "a" * 32

    response = client.get("/api/v1/auth/users/me/")

    assert response.status_code == 503
    assert response.json()["code"] == "service_unavailable"
    assert response["Retry-After"]


def test_outage_logs_one_line_per_request_without_traceback(client, caplog):
    caplog.set_level(logging.INFO)

    for _ in range(3):
        client.get("/api/v1/outage/database/")

    lines = outage_lines(caplog)
    warnings = [r for r in lines if r.levelno == logging.WARNING]
    errors_ = [r for r in lines if r.levelno >= logging.ERROR]
    assert len(warnings) == 3
    assert all("OperationalError" in r.getMessage() for r in warnings)
    assert len(errors_) == 1, "the error line is rate-limited"
    assert all(r.exc_info is None for r in lines), "no traceback"


def test_a_bug_in_database_use_is_still_a_500(client, caplog):
    response = client.get("/api/v1/outage/bug/")

    assert response.status_code == 500
    assert response.json()["code"] == "server_error"


def test_rate_limited_log_counts_what_it_skipped(caplog):
    log = errors.RateLimitedLog(seconds=60)
    logger = logging.getLogger("config.tests")
    caplog.set_level(logging.INFO)

    shown = [log(logger, logging.ERROR, "down: %s", "x") for _ in range(4)]
    log._next_at = 0.0
    log(logger, logging.ERROR, "down: %s", "y")

    assert shown == [True, False, False, False]
    assert [r.getMessage() for r in caplog.records] == [
        "down: x (0 more since the last report)",
        "down: y (3 more since the last report)",
    ]
