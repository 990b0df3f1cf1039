"""No reset token reaches a log line: every logger, every level, SQL included."""

import logging
import re
from collections.abc import Iterator

import pytest
from django.core import mail
from django.db import connection
from django.urls import reverse

pytestmark = pytest.mark.django_db


@pytest.fixture
def every_logger(
    caplog: pytest.LogCaptureFixture,
) -> Iterator[pytest.LogCaptureFixture]:
    """Capture every logger at DEBUG, also those that do not propagate, and SQL."""
    caplog.set_level(logging.DEBUG)
    loggers = [
        logging.getLogger(name) for name in list(logging.Logger.manager.loggerDict)
    ]
    for logger in loggers:
        caplog.set_level(logging.DEBUG, logger=logger.name)
    detached = [logger for logger in loggers if not logger.propagate]
    for logger in detached:
        logger.addHandler(caplog.handler)
    logged_queries, connection.force_debug_cursor = connection.force_debug_cursor, True
    try:
        yield caplog
    finally:
        connection.force_debug_cursor = logged_queries
        for logger in detached:
            logger.removeHandler(caplog.handler)


def reset_link_parts(body: str) -> tuple[str, str]:
    """Return (uid, token) from a reset mail: its API lines, else its page link."""
    parts = dict(re.findall(r"\b(uid|token):\s+(\S+)", body))
    if len(parts) == 2:
        return parts["uid"], parts["token"]
    uid, token = re.search(r"/reset/([\w-]+)/([\w-]+)/", body).groups()
    return uid, token


def test_reset_token_and_uid_never_reach_a_log_line(
    make_user, api_client, every_logger, django_capture_on_commit_callbacks
):
    user = make_user(email="owner@example.com")

    with django_capture_on_commit_callbacks(execute=True):
        requested = api_client.post(
            reverse("sessions:password-reset"), {"email": "owner@example.com"}
        )
    (message,) = mail.outbox
    uid, token = reset_link_parts(message.body)
    with django_capture_on_commit_callbacks(execute=True):
        confirmed = api_client.post(
            reverse("sessions:password-reset-confirm"),
            {"uid": uid, "token": token, "new_password": "a-brand-new-passphrase"},
        )

    assert requested.status_code == 200
    assert confirmed.status_code == 200, confirmed.content
    user.refresh_from_db()
    assert user.check_password("a-brand-new-passphrase")
    records = every_logger.records
    assert "django.db.backends" in {r.name for r in records}  # SQL was captured too
    for record in records:
        logged = f"{record.getMessage()} {record.exc_text or ''} {record.__dict__!r}"
        assert token not in logged, record.name
        assert uid not in logged, record.name
