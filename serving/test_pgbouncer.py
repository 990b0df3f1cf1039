"""The multi-worker check again, through PgBouncer in transaction mode.

Four gunicorn workers share two server connections: every transaction may land on
another one, so nothing may live on a connection between transactions (no session
`SET`, no cursor kept open; the statement timeout is `SET LOCAL`, and the token
lookup prepares its statement again where it is missing). `make pgbouncer` installs
Debian's pgbouncer; `.ci/run` does so before `pytest serving`.
"""

import os
from urllib.parse import urlsplit

import pytest

from serving.private_services import PGBOUNCER, PrivatePgBouncer
from serving.runner import database_name
from serving.test_multiworker import WORKERS, assert_workers_agree

pytestmark = pytest.mark.serving

POOL_SIZE = 2  # fewer server connections than workers


@pytest.fixture
def pgbouncer(production_env):
    if not os.path.exists(PGBOUNCER):
        pytest.fail(f"{PGBOUNCER} is missing: run `make pgbouncer` first")
    backend = urlsplit(production_env["DATABASE_URL"])
    bouncer = PrivatePgBouncer(
        backend_port=backend.port or 5432, pool_size=POOL_SIZE, max_client_conn=100
    )
    bouncer.start()
    try:
        yield bouncer
    finally:
        bouncer.close()


def server_connections(bouncer: PrivatePgBouncer, database: str) -> int:
    """Ask PgBouncer's admin console how many server connections the pool holds."""
    import psycopg2

    connection = psycopg2.connect(
        host="127.0.0.1", port=bouncer.port, user="postgres", dbname="pgbouncer"
    )
    connection.autocommit = True
    try:
        with connection.cursor() as cursor:
            cursor.execute("SHOW SERVERS")
            columns = [column.name for column in cursor.description]
            rows = [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]
    finally:
        connection.close()
    return sum(1 for row in rows if row["database"] == database)


def test_workers_agree_through_pgbouncer_in_transaction_mode(
    production_env, pgbouncer, tmp_path
):
    database = database_name(production_env["DATABASE_URL"])
    env = {
        **production_env,
        "DATABASE_URL": pgbouncer.url(database),
        "DATABASE_DISABLE_SERVER_SIDE_CURSORS": "1",
    }

    assert_workers_agree(env, tmp_path)

    servers = server_connections(pgbouncer, database)
    print(f"\n{WORKERS} workers through PgBouncer on {servers} server connection(s)")
    assert 1 <= servers <= POOL_SIZE
