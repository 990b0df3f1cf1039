"""Mail leaves the request as a task: retried with back-off, never lost silently."""

import logging
import smtplib

import pytest
from django.core import mail
from django.core.management import call_command
from django_tasks_db.models import DBTaskResult

from accounts.tasks import password_reset_mail
from config.mail import MAX_ATTEMPTS, retry_delay

pytestmark = pytest.mark.django_db

# The worker closes the database connection after each task, as in production.
worker_db = pytest.mark.django_db(transaction=True)
DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


@pytest.fixture
def smtp_down(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(self: object, messages: list) -> int:
        raise smtplib.SMTPConnectError(421, "try later")

    monkeypatch.setattr(
        "django.core.mail.backends.locmem.EmailBackend.send_messages", refuse
    )


def run_worker() -> None:
    call_command("db_worker", "--batch", "--no-startup-delay", "--interval", "0")


@worker_db
def test_a_queued_mail_waits_for_the_worker(make_user, settings):
    settings.TASKS = DATABASE_TASKS
    user = make_user(email="owner@example.com")

    password_reset_mail.enqueue(user_id=str(user.pk))
    queued = mail.outbox[:]
    run_worker()

    assert queued == []
    assert [m.to for m in mail.outbox] == [["owner@example.com"]]
    assert DBTaskResult.objects.get().status == "SUCCESSFUL"


@worker_db
def test_a_failed_mail_is_retried_later_and_the_log_holds_no_address(
    make_user, settings, smtp_down, caplog
):
    settings.TASKS = DATABASE_TASKS
    user = make_user(email="owner@example.com")
    password_reset_mail.enqueue(user_id=str(user.pk))

    with caplog.at_level(logging.DEBUG):
        run_worker()

    retry = DBTaskResult.objects.get(status="READY")
    assert retry.args_kwargs["kwargs"] == {"user_id": str(user.pk), "attempt": 2}
    first = DBTaskResult.objects.get(status="SUCCESSFUL")
    assert retry.run_after - first.finished_at >= retry_delay(1) * 0.9
    assert "owner@example.com" not in caplog.text
    assert "attempt 2 of 5" in caplog.text


@worker_db
def test_after_the_last_attempt_one_error_names_the_task(
    make_user, settings, smtp_down, caplog
):
    settings.TASKS = DATABASE_TASKS
    user = make_user(email="owner@example.com")
    password_reset_mail.enqueue(user_id=str(user.pk), attempt=MAX_ATTEMPTS)

    with caplog.at_level(logging.ERROR, logger="config.mail"):
        run_worker()

    [record] = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert str(DBTaskResult.objects.get().id) in record.getMessage()
    assert "giving up" in record.getMessage()
    assert not DBTaskResult.objects.filter(status="READY").exists()


def test_retry_delays_grow():
    delays = [retry_delay(attempt) for attempt in range(1, MAX_ATTEMPTS)]

    assert delays == sorted(delays) and len(set(delays)) == len(delays)


def test_a_rolled_back_login_mails_nothing(
    make_user, api_client, django_capture_on_commit_callbacks
):
    from django.db import transaction

    from accounts.services import user_request_password_reset

    make_user(email="owner@example.com")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        try:
            with transaction.atomic():
                user_request_password_reset(email="owner@example.com")
                raise RuntimeError("the request failed after queueing")
        except RuntimeError:
            pass

    assert callbacks == []
    assert mail.outbox == []
