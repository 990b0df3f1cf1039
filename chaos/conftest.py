"""`make chaos`: faults injected into a stack of our own, under load (not `make test`).

One PostgreSQL and one Redis of these tests' own (serving/private_services.py: spare
ports, temp dirs, never the shared 5432/6379), migrated, and gunicorn with 4 workers
on production settings in front of them. Each test injects its fault, checks what the
clients saw and what the database holds, prints its figures, and leaves the services
running again for the next test.
"""

import os
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from chaos.load import call
from serving.private_services import PrivatePostgres, PrivateRedis
from serving.runner import PLAIN_HTTP_PRODUCTION, Gunicorn, clean_env, manage

WORKERS = 4
PASSWORD = "a-long-chaos-test-passphrase"
USERS = 24


@dataclass
class Stack:
    postgres: PrivatePostgres
    redis: PrivateRedis
    server: Gunicorn
    log_path: Path
    database_url: str
    tokens: dict[str, str]  # username -> a live token, refreshed by tests as needed

    @property
    def port(self) -> int:
        return self.server.port

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace")

    def sql(self, statement: str) -> list[tuple]:
        import psycopg2

        connection = psycopg2.connect(
            self.database_url.replace("postgres://", "postgresql://", 1),
            connect_timeout=10,
        )
        try:
            with connection, connection.cursor() as cursor:
                cursor.execute(statement)
                return cursor.fetchall()
        finally:
            connection.close()

    def wait_healthy(self, seconds: float = 30) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            status, body = call(self.port, "GET", "/api/v1/health/")
            if status == 200 and body.get("status") == "ok":
                return
            time.sleep(0.2)
        raise AssertionError(f"the stack did not come back healthy: {status} {body}")


def username(index: int) -> str:
    return f"chaos{index:03d}"


def log_in(port: int, name: str) -> tuple[int, dict]:
    return call(
        port,
        "POST",
        "/api/v1/auth/login/",
        body={"username": name, "password": PASSWORD},
    )


@pytest.fixture(scope="session")
def stack(tmp_path_factory) -> Iterator[Stack]:
    logs = tmp_path_factory.mktemp("chaos")
    postgres = PrivatePostgres(max_connections=40)
    redis = PrivateRedis()
    try:
        postgres.start()
        redis.start()
        url = postgres.url("chaos")
        postgres_admin_create(postgres)
        env = clean_env(
            **PLAIN_HTTP_PRODUCTION,
            DATABASE_URL=url,
            REDIS_URL=redis.url(),
            DJANGO_SECRET_KEY="chaos-test-secret-key-" + "x" * 40,
            DJANGO_LOG_LEVEL="WARNING",
            GUNICORN_ACCESS_LOG="",
            # Many sign-ins from one address: the IP limit is not what is tested here.
            THROTTLE_LOGIN_IP="100000/min",
        )
        manage("migrate", "--noinput", env=env, quiet=True)
        log_path = logs / "gunicorn.log"
        with Gunicorn(env=env, workers=WORKERS, log_path=log_path) as server:
            tokens = {}
            for index in range(USERS):
                name = username(index)
                status, body = call(
                    server.port,
                    "POST",
                    "/api/v1/auth/register/",
                    body={
                        "username": name,
                        "mobile": f"+9198765{index:05d}",
                        "password": PASSWORD,
                        "real_name": f"Chaos {index}",
                    },
                )
                assert status == 201, body
                tokens[name] = body["token"]
            yield Stack(postgres, redis, server, log_path, url, tokens)
    finally:
        redis.close()
        postgres.close()


def postgres_admin_create(postgres: PrivatePostgres) -> None:
    import psycopg2

    connection = psycopg2.connect(
        host="127.0.0.1", port=postgres.port, user="postgres", dbname="postgres"
    )
    connection.autocommit = True
    try:
        with connection.cursor() as cursor:
            cursor.execute("CREATE DATABASE chaos")
    finally:
        connection.close()


def pytest_report_header(config) -> str:
    return f"chaos: own PostgreSQL and Redis, gunicorn x {WORKERS}, pid {os.getpid()}"
