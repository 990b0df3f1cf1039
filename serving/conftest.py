"""Tests against the real stack: gunicorn workers on a fresh PostgreSQL database.

Not in pytest.ini's testpaths, so `make test` never collects them; `.ci/run` runs
`pytest serving` after the suite, with PostgreSQL up.
"""

import os
import time
from collections.abc import Iterator

import pytest

from serving.runner import (
    PLAIN_HTTP_PRODUCTION,
    database_drop,
    database_ensure,
    manage,
    with_database,
)

ADMIN_PG_URL = os.environ.get(
    "SERVING_PG_URL", "postgres://postgres@127.0.0.1:5432/postgres"
)


@pytest.fixture(scope="module")
def production_env() -> Iterator[dict[str, str]]:
    """A migrated, empty PostgreSQL database and production settings pointing at it."""
    url = with_database(ADMIN_PG_URL, f"serving_{os.getpid()}_{int(time.time())}")
    env = {
        **os.environ,
        **PLAIN_HTTP_PRODUCTION,
        "DATABASE_URL": url,
        "REDIS_URL": "",
        "DJANGO_SECRET_KEY": "serving-test-secret-key-" + "x" * 40,
        "DJANGO_LOG_LEVEL": "WARNING",
    }
    database_ensure(url)
    try:
        manage("migrate", "--noinput", env=env, quiet=True)
        yield env
    finally:
        database_drop(url)
