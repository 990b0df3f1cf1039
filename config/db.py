"""Bounded waits on PostgreSQL for web requests: a client deadline, a statement timeout.

A database that stops answering (SIGSTOP, a black-holed host) never fires its own
`statement_timeout`, and the kernel keeps the TCP connection open for hours: only the
client can give up. psycopg2 waits through one process-wide *wait callback*; ours polls
the connection's socket with a `select` timeout and raises `DatabaseDeadlineExceeded`
(an `OperationalError`, so Django wraps it and the API answers 503) when the wait runs
out. psycopg2 then closes that connection, and Django opens a new one on the next query.

- Connecting waits at most `DATABASE_CONNECT_TIMEOUT` seconds (libpq's own
  `connect_timeout` does not apply to the asynchronous connect a wait callback drives).
- Each query of a web request waits at most `DATABASE_STATEMENT_TIMEOUT` + 1 s, and the
  server cancels it after `DATABASE_STATEMENT_TIMEOUT` (`SET LOCAL`, sent in the same
  round trip as the query, so it ends with the query's transaction: a
  transaction-pooling PgBouncer never hands it to another client).
- `deadline(seconds)` caps every wait inside it (the health check's 1 s budget).

Only the web process installs this (`ApiMiddleware` calls `install()`); migrations and
management commands keep libpq's blocking waits and no statement timeout.
"""

import contextvars
import select
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from django.conf import settings
from django.db.backends.signals import connection_created

# Slack between the server's statement_timeout and the client's own deadline, so that a
# slow query normally ends with the server's error, not a dropped connection.
CLIENT_DEADLINE_SLACK = 1.0

_in_web_request: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "in_web_request", default=False
)
_budget_ends_at: contextvars.ContextVar[float | None] = contextvars.ContextVar(
    "budget_ends_at", default=None
)
_installed = False

try:
    import psycopg2
    from psycopg2 import extensions as psycopg2_extensions
except ImportError:  # SQLite-only installs
    psycopg2 = psycopg2_extensions = None


if psycopg2 is not None:

    class DatabaseDeadlineExceeded(psycopg2.OperationalError):
        """The database did not answer within the client's deadline."""

else:

    class DatabaseDeadlineExceeded(Exception):  # never raised without psycopg2
        """The database did not answer within the client's deadline."""


def connect_timeout() -> float:
    return float(getattr(settings, "DATABASE_CONNECT_TIMEOUT", 3.0))


def statement_timeout() -> float:
    return float(getattr(settings, "DATABASE_STATEMENT_TIMEOUT", 5.0))


def _wait_seconds(*, connecting: bool) -> float | None:
    """How long this wait may last: None is for ever (outside web requests)."""
    if connecting:
        seconds = connect_timeout()
    elif _in_web_request.get():
        seconds = statement_timeout() + CLIENT_DEADLINE_SLACK
    else:
        seconds = None
    ends_at = _budget_ends_at.get()
    if ends_at is not None:
        left = max(ends_at - time.monotonic(), 0.0)
        seconds = left if seconds is None else min(seconds, left)
    return seconds


def wait_with_deadline(conn: Any) -> None:
    """psycopg2's wait callback: poll the socket until done or the deadline passes."""
    connecting = conn.status == psycopg2_extensions.STATUS_SETUP
    seconds = _wait_seconds(connecting=connecting)
    ends_at = None if seconds is None else time.monotonic() + seconds
    while True:
        state = conn.poll()
        if state == psycopg2_extensions.POLL_OK:
            return
        left = None if ends_at is None else ends_at - time.monotonic()
        if left is not None and left <= 0:
            what = "connect" if connecting else "answer"
            # Raising here makes psycopg2 close the connection: nothing is left
            # half-read, and Django reconnects on the next query.
            raise DatabaseDeadlineExceeded(
                f"the database did not {what} within {seconds:.1f} s"
            )
        if state == psycopg2_extensions.POLL_READ:
            select.select([conn.fileno()], [], [], left)
        elif state == psycopg2_extensions.POLL_WRITE:
            select.select([], [conn.fileno()], [], left)
        else:
            raise psycopg2.OperationalError(f"bad state from poll: {state}")


def _statement_timeout_prefix(
    execute: Callable, sql: str, params: Any, many: bool, context: dict
) -> Any:
    """Prefix a web request's statements with `SET LOCAL statement_timeout`."""
    named = getattr(getattr(context.get("cursor"), "cursor", None), "name", None)
    if _in_web_request.get() and not many and not named:
        milliseconds = max(int(statement_timeout() * 1000), 1)
        sql = f"SET LOCAL statement_timeout = {milliseconds}; {sql}"
    return execute(sql, params, many, context)


def _on_connection_created(sender: Any, connection: Any, **kwargs: Any) -> None:
    if connection.vendor != "postgresql":
        return
    if _statement_timeout_prefix not in connection.execute_wrappers:
        connection.execute_wrappers.append(_statement_timeout_prefix)


def install() -> None:
    """Bound every PostgreSQL wait of this process (idempotent); web processes only."""
    global _installed
    if _installed or psycopg2 is None:
        return
    _installed = True
    psycopg2_extensions.set_wait_callback(wait_with_deadline)
    connection_created.connect(
        _on_connection_created, dispatch_uid="config.db.statement_timeout"
    )
    # A connection opened before install() (the test runner's) gets the wrapper too.
    from django.db import connections

    for connection in connections.all(initialized_only=True):
        if connection.connection is not None:
            _on_connection_created(sender=None, connection=connection)


def is_installed() -> bool:
    return _installed


@contextmanager
def web_request() -> Iterator[None]:
    """Run a web request: its queries get the statement timeout and client deadline."""
    token = _in_web_request.set(True)
    try:
        yield
    finally:
        _in_web_request.reset(token)


@contextmanager
def deadline(seconds: float) -> Iterator[None]:
    """Let no database wait inside run past `seconds` from now (connects included)."""
    outer = _budget_ends_at.get()
    ends_at = time.monotonic() + seconds
    token = _budget_ends_at.set(ends_at if outer is None else min(outer, ends_at))
    try:
        yield
    finally:
        _budget_ends_at.reset(token)
