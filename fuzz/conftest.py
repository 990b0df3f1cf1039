"""A live server on 127.0.0.1 with a fresh SQLite database, for the fuzz run."""

import os
from collections.abc import Iterator

import pytest

from accounts.demo import DEMO_PASSWORD
from serving.runner import DevServer, clean_env, manage


@pytest.fixture(scope="session")
def live_server_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    workdir = tmp_path_factory.mktemp("fuzz")
    env = clean_env(
        # FUZZ_DATABASE_URL runs it on PostgreSQL (NUL bytes would be 500s there).
        DATABASE_URL=os.environ.get("FUZZ_DATABASE_URL")
        or f"sqlite:///{workdir}/fuzz.sqlite3",
        # runserver starts a thread per request; persistent connections would pile up.
        DATABASE_CONN_MAX_AGE="0",
        THROTTLE_LOGIN_IP="100000/min",
        THROTTLE_LOGIN_FAILURES_ACCOUNT_IP="100000/min",
        THROTTLE_LOGIN_FAILURES_ACCOUNT="100000/min",
    )
    manage("migrate", "--noinput", env=env, quiet=True)
    manage("seed_demo", env=env, quiet=True)
    with DevServer(env=env, log_path=workdir / "server.log") as server:
        yield server.url()


@pytest.fixture(scope="session")
def demo_staff() -> tuple[str, str]:
    return "admin", DEMO_PASSWORD
