"""Every wait on PostgreSQL in a web request is bounded (config/db.py)."""

import socket

import pytest
from django.db import OperationalError, connection

from config import db

psycopg2_extensions = pytest.importorskip("psycopg2.extensions")

on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="PostgreSQL's statement_timeout"
)


class SilentConnection:
    """A psycopg2 connection whose server never answers (a frozen database)."""

    def __init__(self, status: int) -> None:
        self.status = status
        self._ours, self._theirs = socket.socketpair()

    def poll(self) -> int:
        return psycopg2_extensions.POLL_READ

    def fileno(self) -> int:
        return self._ours.fileno()

    def close(self) -> None:
        self._ours.close()
        self._theirs.close()


@pytest.fixture
def silent_connection():
    conn = SilentConnection(psycopg2_extensions.STATUS_READY)
    yield conn
    conn.close()


def test_a_silent_database_fails_the_query_at_the_deadline(silent_connection):
    with db.web_request(), db.deadline(0.05):
        with pytest.raises(db.DatabaseDeadlineExceeded, match="answer"):
            db.wait_with_deadline(silent_connection)


def test_the_deadline_is_an_operational_error_so_the_api_answers_503():
    from psycopg2 import OperationalError as DriverOperationalError

    assert issubclass(db.DatabaseDeadlineExceeded, DriverOperationalError)


def test_a_silent_database_fails_the_connect_after_the_connect_timeout(settings):
    settings.DATABASE_CONNECT_TIMEOUT = 0.05
    conn = SilentConnection(psycopg2_extensions.STATUS_SETUP)
    try:
        with pytest.raises(db.DatabaseDeadlineExceeded, match="connect"):
            db.wait_with_deadline(conn)  # outside a request too: connects are bounded
    finally:
        conn.close()


def test_web_request_queries_wait_the_statement_timeout_plus_slack(settings):
    settings.DATABASE_STATEMENT_TIMEOUT = 2.5

    with db.web_request():
        seconds = db._wait_seconds(connecting=False)

    assert seconds == 2.5 + db.CLIENT_DEADLINE_SLACK


def test_commands_and_migrations_queries_are_not_bounded():
    assert db._wait_seconds(connecting=False) is None


def test_a_budget_caps_every_wait_inside_it(settings):
    settings.DATABASE_CONNECT_TIMEOUT = 3.0

    with db.deadline(1.0):
        connect = db._wait_seconds(connecting=True)
        query = db._wait_seconds(connecting=False)

    assert 0 < connect <= 1.0 and 0 < query <= 1.0


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_web_request_statements_are_cancelled_by_the_server(settings):
    db.install()
    connection.close()  # a new connection gets the statement-timeout wrapper
    settings.DATABASE_STATEMENT_TIMEOUT = 0.2

    with db.web_request(), connection.cursor() as cursor:
        with pytest.raises(OperationalError, match="statement timeout"):
            cursor.execute("SELECT pg_sleep(2)")


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_statement_timeout_never_outlives_the_request_transaction(settings):
    db.install()
    connection.close()
    settings.DATABASE_STATEMENT_TIMEOUT = 0.2

    with db.web_request(), connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    with connection.cursor() as cursor:  # the same connection, after the request
        cursor.execute("SHOW statement_timeout")
        after = cursor.fetchone()[0]
        cursor.execute("SELECT pg_sleep(0.3)")  # not cancelled outside a request

    assert after == "0"
