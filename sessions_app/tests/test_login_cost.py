"""What one token login costs in SQL statements (issue 21, "Cheaper logins").

The pinned scenario: the database task backend, a user without two-factor sign-in and
without an email, a token login that ends the user's one other session. The test runs
with `transaction=True`, so the login's own transaction is a real one (BEGIN ... COMMIT,
which Django logs and counts) as in production, not a savepoint; SQLite and PostgreSQL
count the same. README, "Performance", lists each statement and why it stays.
"""

import re

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from sessions_app.models import EventKind, SecurityEvent, UserSession
from sessions_app.tests.factories import CHROME_ON_WINDOWS

pytestmark = pytest.mark.django_db(transaction=True)

# (verb, table) of each statement, in order: 10 statements, BEGIN and COMMIT.
LOGIN_STATEMENTS = [
    ("SELECT", "accounts_user"),  # the account the username names (limits, password)
    ("SELECT", "mfa_totpdevice"),  # two-factor on? (no: the session starts now)
    ("BEGIN", ""),  # session_start; SQLite: BEGIN IMMEDIATE
    ("UPDATE", "accounts_user"),  # last_login, and the row lock of the policy
    ("SELECT", "sessions_app_usersession"),  # the live sessions, under the lock
    ("UPDATE", "sessions_app_usersession"),  # end the older one
    ("UPDATE", "activity_activityperiod"),  # ... and close its activity period
    ("INSERT", "sessions_app_usersession"),  # the new session
    ("SELECT", "sessions_app_usersession"),  # new device or country? (3 EXISTS)
    ("INSERT", "activity_activityperiod"),  # open the new session's period
    ("INSERT", "sessions_app_securityevent"),  # superseded, login, new_device: 1 INSERT
    ("COMMIT", ""),
]

# The statement timeout a web request sets first on PostgreSQL (config/db.py).
_PREFIX = re.compile(r"^SET LOCAL [^;]*;\s*", re.IGNORECASE)
_TABLE = re.compile(r'\b(?:FROM|INTO|UPDATE)\s+"?(\w+)', re.IGNORECASE)


def shape(sql: str) -> tuple[str, str]:
    """Return a statement's verb and the first table it names ("" for BEGIN, COMMIT)."""
    sql = _PREFIX.sub("", sql.strip())
    verb = sql.split(None, 1)[0].upper()
    table = _TABLE.search(sql)
    return verb, table[1] if table else ""


def test_token_login_that_ends_another_session_runs_10_statements_in_a_transaction(
    make_user, token_client, settings, django_assert_num_queries
):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    user = make_user(email="")
    earlier = token_client(user)
    client = APIClient(headers={"User-Agent": CHROME_ON_WINDOWS})

    with django_assert_num_queries(len(LOGIN_STATEMENTS)) as captured:
        response = client.post(
            reverse("sessions:login"),
            {"username": user.username, "password": user.raw_password},
        )

    assert response.status_code == 200, response.content
    assert [s["id"] for s in response.json()["ended_sessions"]] == [earlier.session_id]
    assert [shape(q["sql"]) for q in captured.captured_queries] == LOGIN_STATEMENTS


def test_the_cheaper_login_still_does_everything_it_did(make_user, token_client):
    user = make_user(email="")
    earlier = token_client(user)
    client = APIClient(headers={"User-Agent": CHROME_ON_WINDOWS})

    response = client.post(
        reverse("sessions:login"),
        {"username": user.username, "password": user.raw_password},
    )

    assert response.status_code == 200
    new = UserSession.objects.get(pk=response.json()["session"]["id"])
    old = UserSession.objects.get(pk=earlier.session_id)
    assert (old.is_active, old.end_reason) == (False, "superseded")
    assert old.activity_period.end_time == old.ended_at
    assert new.activity_period.end_time is None
    user.refresh_from_db()
    assert user.last_login == new.created_at
    kinds = list(
        SecurityEvent.objects.filter(user=user)
        .order_by("created_at", "id")
        .values_list("kind", "session_id")
    )
    # The first login was the account's first (nothing new); this one comes from a
    # new device (the test client had none) and ends the first.
    assert kinds[-3:] == [
        (EventKind.SESSION_SUPERSEDED, old.pk),
        (EventKind.LOGIN, new.pk),
        (EventKind.NEW_DEVICE, new.pk),
    ]
    assert earlier.get(reverse("sessions:me")).json()["code"] == "session_superseded"
