"""Run the production stack locally: a PostgreSQL database, manage.py, gunicorn.

Shared by `make serve` (serving/serve.py), the multi-worker test, `make bench` and
`make soak`. Everything listens on 127.0.0.1 only, and every wait is bounded.
"""

import http.client
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
LOCAL_PG_URL = "postgres://postgres@127.0.0.1:5432/sessionauth"
LOCAL_REDIS_URL = "redis://127.0.0.1:6379/0"

# Production settings with plain HTTP on 127.0.0.1 (TLS belongs to the proxy). Mail
# stays in each worker's memory: production refuses to start without a named backend.
PLAIN_HTTP_PRODUCTION = {
    "DJANGO_DEBUG": "0",
    "DJANGO_SECURE_SSL_REDIRECT": "0",
    "DJANGO_SECURE_COOKIES": "0",
    "DJANGO_EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
}


def database_name(url: str) -> str:
    return urlsplit(url).path.lstrip("/")


def with_database(url: str, name: str) -> str:
    """Return the same server URL pointing at another database."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, ""))


def _admin_connection(url: str):
    import psycopg2

    parts = urlsplit(url)
    connection = psycopg2.connect(
        host=parts.hostname or "127.0.0.1",
        port=parts.port or 5432,
        user=parts.username or "postgres",
        password=parts.password,
        dbname="postgres",
        connect_timeout=10,
    )
    connection.autocommit = True
    return connection


def database_ensure(url: str) -> bool:
    """Create the PostgreSQL database of `url` unless it exists; True if created."""
    from psycopg2 import sql

    name = database_name(url)
    connection = _admin_connection(url)
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
            if cursor.fetchone():
                return False
            cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            return True
    finally:
        connection.close()


def database_drop(url: str) -> None:
    """Drop the PostgreSQL database of `url` (and its connections) if it exists."""
    from psycopg2 import sql

    connection = _admin_connection(url)
    try:
        with connection.cursor() as cursor:
            cursor.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                    sql.Identifier(database_name(url))
                )
            )
    finally:
        connection.close()


def manage(*args: str, env: Mapping[str, str], quiet: bool = False) -> str:
    """Run `manage.py <args>` in this environment; return its output or raise."""
    result = subprocess.run(
        [PYTHON, "manage.py", *args],
        cwd=ROOT,
        env=dict(env),
        capture_output=True,
        text=True,
        timeout=600,
    )
    if result.returncode != 0:
        sys.stderr.write(result.stdout + result.stderr)
        raise RuntimeError(f"manage.py {' '.join(args)} failed ({result.returncode})")
    if not quiet:
        sys.stdout.write(result.stdout)
    return result.stdout


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def http_get(
    port: int,
    path: str,
    timeout: float = 5.0,
    headers: Mapping[str, str] | None = None,
) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request("GET", path, headers=dict(headers or {}))
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


# Variables of the caller's shell that would point a test server elsewhere or change it.
INHERITED_ENV_DROPPED = (
    "DATABASE_URL",
    "REDIS_URL",
    "DJANGO_CACHE_PREFIX",
    "DJANGO_DEBUG",
    "DJANGO_SECURE_SSL_REDIRECT",
    "DJANGO_SECURE_COOKIES",
    "DJANGO_NUM_PROXIES",
    "DJANGO_ALLOWED_HOSTS",
    "EMAIL_HOST",
    "DJANGO_EMAIL_BACKEND",
    "SESSION_POLICY_",
    "THROTTLE_",
)


def clean_env(**overrides: str) -> dict[str, str]:
    """The caller's environment less what would change a test server, plus overrides."""
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(INHERITED_ENV_DROPPED)
    }
    return {**env, "PYTHONUNBUFFERED": "1", **overrides}


def log_tail(path: Path | None, lines: int = 40) -> str:
    if path is None or not path.exists():
        return ""
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])


class ServerProcess:
    """A server on 127.0.0.1:<port>, answering /api/v1/health/ until the context ends.

    A free port is picked; if another process takes it before the server binds, the
    server starts again on another (three tries).
    """

    name = "server"
    start_seconds = 60
    port_taken_messages = ("already in use", "Connection in use")
    # Behind a proxy that ends TLS, the health check says it came over HTTPS.
    health_headers: Mapping[str, str] = {}

    def __init__(
        self,
        *,
        env: Mapping[str, str],
        port: int | None = None,
        log_path: Path | None = None,
    ) -> None:
        self.fixed_port = port
        self.port = port or free_port()
        self.env = dict(env)
        self.log_path = log_path
        self.process: subprocess.Popen | None = None

    def command(self) -> list[str]:
        raise NotImplementedError

    def url(self, path: str = "") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def __enter__(self) -> "ServerProcess":
        for attempt in range(3):
            self._start()
            try:
                self._wait_until_healthy(deadline=time.monotonic() + self.start_seconds)
                return self
            except BaseException:
                self.stop()
                taken = any(
                    m in log_tail(self.log_path) for m in self.port_taken_messages
                )
                if attempt == 2 or self.fixed_port or not taken:
                    raise
                self.port = free_port()
        raise AssertionError("unreachable")

    def _start(self) -> None:
        log = open(self.log_path, "ab") if self.log_path else subprocess.DEVNULL
        self.process = subprocess.Popen(
            self.command(),
            cwd=ROOT,
            env=self.env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # a Ctrl-C in the terminal reaches us, not it
        )
        if self.log_path:
            log.close()

    def _wait_until_healthy(self, *, deadline: float) -> None:
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"{self.name} exited with {self.process.returncode}:\n"
                    f"{log_tail(self.log_path)}"
                )
            try:
                status, _ = http_get(
                    self.port, "/api/v1/health/", timeout=2, headers=self.health_headers
                )
                if status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError(
            f"{self.name} did not answer /api/v1/health/ within {self.start_seconds} "
            f"s:\n"
            f"{log_tail(self.log_path)}"
        )

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        # Graceful: the workers finish the request in hand.
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=35)
        except subprocess.TimeoutExpired:
            # It runs in a session of its own: this kills its workers and nothing else.
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)

    def __exit__(self, *exc_info) -> None:
        self.stop()


class Gunicorn(ServerProcess):
    """gunicorn with gunicorn.conf.py and `workers` workers, at CPU priority `nice`."""

    name = "gunicorn"

    def __init__(
        self,
        *,
        env: Mapping[str, str],
        workers: int,
        port: int | None = None,
        extra_args: tuple[str, ...] = (),
        log_path: Path | None = None,
        nice: int = 0,
    ) -> None:
        super().__init__(
            env={**env, "WEB_CONCURRENCY": str(workers)}, port=port, log_path=log_path
        )
        self.extra_args = extra_args
        self.nice = nice

    def command(self) -> list[str]:
        self.env["GUNICORN_BIND"] = f"127.0.0.1:{self.port}"
        niced = ["nice", "-n", str(self.nice)] if self.nice else []  # nice execs it
        return [
            *niced,
            *[PYTHON, "-m", "gunicorn", "-c", "gunicorn.conf.py", *self.extra_args],
        ]

    def worker_pids(self) -> set[int]:
        """Return the pids of the master's worker processes."""
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return {int(pid) for pid in children.read_text().split()}


class DevServer(ServerProcess):
    """`manage.py runserver` (no reloader), for the browser and fuzz tests."""

    name = "runserver"
    start_seconds = 30

    def command(self) -> list[str]:
        return [
            PYTHON,
            "manage.py",
            "runserver",
            "--noreload",
            f"127.0.0.1:{self.port}",
        ]
