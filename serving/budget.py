"""How many PostgreSQL connections a deployment needs, against what the server allows.

Each gunicorn sync worker holds at most one connection (kept for DATABASE_CONN_MAX_AGE
seconds), and so does each task worker (`manage.py db_worker`) and each cron command
running at the same time. `make serve` prints the sum next to PostgreSQL's own limit;
the README's deployment section explains what to set when it does not fit.
"""

import os
from collections.abc import Mapping
from typing import NamedTuple


class ConnectionBudget(NamedTuple):
    web_workers: int  # gunicorn workers per host
    task_workers: int  # db_worker processes per host
    hosts: int
    cron: int  # maintenance commands that may run at once

    @property
    def needed(self) -> int:
        return self.hosts * (self.web_workers + self.task_workers) + self.cron

    def describe(self, available: int | None = None) -> str:
        line = (
            f"PostgreSQL connections: ({self.web_workers} web + {self.task_workers} "
            f"task worker(s)) x {self.hosts} host(s) + {self.cron} cron = {self.needed}"
        )
        if available is None:
            return line
        if self.needed <= available:
            return f"{line} of {available} available: fits"
        return (
            f"{line} of only {available} available: raise max_connections to at least "
            f"{self.needed + (self.needed - available) // 10 + 3}, or put PgBouncer in "
            f"transaction mode in front (DATABASE_DISABLE_SERVER_SIDE_CURSORS=1)"
        )


def web_workers_from(env: Mapping[str, str]) -> int:
    """gunicorn.conf.py's rule: WEB_CONCURRENCY, else 2 x cores + 1."""
    return int(env.get("WEB_CONCURRENCY") or 2 * (os.cpu_count() or 1) + 1)


def budget_from(env: Mapping[str, str]) -> ConnectionBudget:
    return ConnectionBudget(
        web_workers=web_workers_from(env),
        task_workers=int(env.get("TASK_WORKERS") or 1),
        hosts=int(env.get("DEPLOY_HOSTS") or 1),
        cron=int(env.get("CRON_CONNECTIONS") or 1),
    )


def available_connections(database_url: str) -> int:
    """max_connections less the slots PostgreSQL keeps for superusers."""
    import psycopg2

    connection = psycopg2.connect(
        database_url.replace("postgres://", "postgresql://", 1), connect_timeout=5
    )
    try:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT current_setting('max_connections')::int "
                "- current_setting('superuser_reserved_connections')::int"
            )
            return cursor.fetchone()[0]
    finally:
        connection.close()
