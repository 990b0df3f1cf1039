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

# Production settings with plain HTTP on 127.0.0.1 (TLS belongs to the proxy).
PLAIN_HTTP_PRODUCTION = {
    "DJANGO_DEBUG": "0",
    "DJANGO_SECURE_SSL_REDIRECT": "0",
    "DJANGO_SECURE_COOKIES": "0",
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
    """Run `manage.py <args>` with this environment; return its output, raise on failure."""
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


def http_get(port: int, path: str, timeout: float = 5.0) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


class Gunicorn:
    """gunicorn with gunicorn.conf.py on 127.0.0.1:<port>, up until the context ends."""

    def __init__(
        self,
        *,
        env: Mapping[str, str],
        workers: int,
        port: int | None = None,
        extra_args: tuple[str, ...] = (),
        log_path: Path | None = None,
    ) -> None:
        self.port = port or free_port()
        self.env = {
            **env,
            "WEB_CONCURRENCY": str(workers),
            "GUNICORN_BIND": f"127.0.0.1:{self.port}",
        }
        self.args = [PYTHON, "-m", "gunicorn", "-c", "gunicorn.conf.py", *extra_args]
        self.log_path = log_path
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> "Gunicorn":
        log = open(self.log_path, "ab") if self.log_path else subprocess.DEVNULL
        self.process = subprocess.Popen(
            self.args,
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # a Ctrl-C in the terminal reaches us, not it
        )
        if self.log_path:
            log.close()
        try:
            self._wait_until_healthy(deadline=time.monotonic() + 60)
        except BaseException:
            self.stop()
            raise
        return self

    def _wait_until_healthy(self, *, deadline: float) -> None:
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"gunicorn exited with {self.process.returncode}"
                    + (f"; see {self.log_path}" if self.log_path else "")
                )
            try:
                status, _ = http_get(self.port, "/api/v1/health/", timeout=2)
                if status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError("gunicorn did not answer /api/v1/health/ within 60 s")

    def worker_pids(self) -> set[int]:
        """Return the pids of the master's worker processes."""
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return {int(pid) for pid in children.read_text().split()}

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
