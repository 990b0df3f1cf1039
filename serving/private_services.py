"""A PostgreSQL, a Redis and a PgBouncer of a test's own, to stop and freeze at will.

The shared services on 5432 and 6379 are never touched: each of these runs on a spare
port of 127.0.0.1, in a temp dir. `initdb`, `postgres` and `pgbouncer` refuse to run as
root, so they run as the `postgres` user (`runuser -u postgres`) in dirs it owns. Each
service is one process group, so a freeze (SIGSTOP) stops every process of it at once,
and `close()` ends it whatever state it is in.
"""

import os
import pwd
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

from serving.runner import free_port

SERVICE_USER = "postgres"


def postgres_bin_dir() -> Path:
    """Return the newest installed PostgreSQL's bin dir (Debian's layout)."""
    found = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/initdb"),
        key=lambda path: int(path.parent.parent.name),
    )
    if not found:
        raise RuntimeError("no PostgreSQL server under /usr/lib/postgresql")
    return found[-1].parent


def _as_service_user(command: list[str]) -> list[str]:
    if os.geteuid() != 0:
        return command
    return ["runuser", "-u", SERVICE_USER, "--", *command]


def _owned_temp_dir(prefix: str) -> Path:
    path = Path(tempfile.mkdtemp(prefix=prefix))
    if os.geteuid() == 0:
        user = pwd.getpwnam(SERVICE_USER)
        os.chown(path, user.pw_uid, user.pw_gid)
    return path


def process_tree(root: int) -> list[int]:
    """Return `root` and all its descendants, parents before children."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    tree, index = [root], 0
    while index < len(tree):
        tree.extend(children.get(tree[index], []))
        index += 1
    return tree


def _wait(check, what: str, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.1)
    raise RuntimeError(f"{what} did not come up within {seconds:.0f} s")


class _Service:
    """One server process group; start, stop (TERM), freeze (STOP) and thaw (CONT)."""

    name = "service"

    def __init__(self) -> None:
        self.port = free_port()
        self.process: subprocess.Popen | None = None
        self.log_path: Path | None = None

    def command(self) -> list[str]:
        raise NotImplementedError

    def is_ready(self) -> bool:
        raise NotImplementedError

    def start(self, seconds: float = 30) -> None:
        log = open(self.log_path, "ab")
        try:
            self.process = subprocess.Popen(
                self.command(),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        finally:
            log.close()

        def ready() -> bool:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited:\n{self.log_tail()}")
            return self.is_ready()

        _wait(ready, self.name, seconds)

    def log_tail(self, lines: int = 20) -> str:
        if self.log_path is None or not self.log_path.exists():
            return ""
        return "\n".join(
            self.log_path.read_text(errors="replace").splitlines()[-lines:]
        )

    def _signal_group(self, signum: int) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signum)

    def _signal_tree(self, signum: int) -> None:
        # PostgreSQL's backends call setsid(): the process group alone misses them.
        if self.process is None or self.process.poll() is not None:
            return
        for pid in process_tree(self.process.pid):
            try:
                os.kill(pid, signum)
            except ProcessLookupError:
                pass

    def freeze(self) -> None:
        """Stop every process of the service: connections stay open, nothing answers."""
        self._signal_tree(signal.SIGSTOP)

    def thaw(self) -> None:
        self._signal_tree(signal.SIGCONT)

    def stop(self, seconds: float = 20) -> None:
        """Shut the service down (it refuses connections afterwards); wait for it."""
        if self.process is None or self.process.poll() is not None:
            return
        self.thaw()
        self._signal_group(self.stop_signal)
        try:
            self.process.wait(timeout=seconds)
        except subprocess.TimeoutExpired:
            self._signal_group(signal.SIGKILL)
            self.process.wait(timeout=10)

    stop_signal = signal.SIGTERM

    def close(self) -> None:
        self.stop()


class PrivatePostgres(_Service):
    """A PostgreSQL cluster of its own (trust auth, no fsync), user `postgres`."""

    name = "PostgreSQL"
    stop_signal = signal.SIGINT  # fast shutdown: ends the sessions, then exits

    def __init__(self, *, max_connections: int = 100) -> None:
        super().__init__()
        self.max_connections = max_connections
        self.bin = postgres_bin_dir()
        self.dir = _owned_temp_dir("private-pg-")
        self.data = self.dir / "data"
        self.log_path = Path(tempfile.mkdtemp(prefix="private-pg-log-")) / "pg.log"
        subprocess.run(
            _as_service_user(
                [
                    str(self.bin / "initdb"),
                    "-D",
                    str(self.data),
                    "-U",
                    "postgres",
                    "--auth=trust",
                    "--no-sync",
                    "-E",
                    "UTF8",
                ]
            ),
            check=True,
            capture_output=True,
            timeout=120,
        )

    def url(self, database: str = "postgres", port: int | None = None) -> str:
        return f"postgres://postgres@127.0.0.1:{port or self.port}/{database}"

    def command(self) -> list[str]:
        return _as_service_user(
            [
                str(self.bin / "postgres"),
                "-D",
                str(self.data),
                "-p",
                str(self.port),
                "-c",
                "listen_addresses=127.0.0.1",
                "-c",
                f"unix_socket_directories={self.dir}",
                "-c",
                f"max_connections={self.max_connections}",
                "-c",
                "fsync=off",
                "-c",
                "synchronous_commit=off",
                "-c",
                "full_page_writes=off",
            ]
        )

    def is_ready(self) -> bool:
        result = subprocess.run(
            [str(self.bin / "pg_isready"), "-h", "127.0.0.1", "-p", str(self.port)],
            capture_output=True,
            timeout=10,
        )
        return result.returncode == 0

    def close(self) -> None:
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)
        shutil.rmtree(self.log_path.parent, ignore_errors=True)


class PrivateRedis(_Service):
    """A Redis of its own: no persistence, 127.0.0.1 only."""

    name = "Redis"

    def __init__(self) -> None:
        super().__init__()
        self.dir = Path(tempfile.mkdtemp(prefix="private-redis-"))
        self.log_path = self.dir / "redis.log"

    def url(self, db: int = 0) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def command(self) -> list[str]:
        return [
            shutil.which("redis-server") or "redis-server",
            "--port",
            str(self.port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(self.dir),
        ]

    def is_ready(self) -> bool:
        import socket

        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def close(self) -> None:
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


PGBOUNCER = "/usr/sbin/pgbouncer"


class PrivatePgBouncer(_Service):
    """PgBouncer in transaction mode in front of a PostgreSQL on 127.0.0.1."""

    name = "PgBouncer"
    stop_signal = signal.SIGINT  # safe shutdown

    def __init__(
        self, *, backend_port: int, pool_size: int = 4, max_client_conn: int = 200
    ) -> None:
        super().__init__()
        self.dir = _owned_temp_dir("private-pgbouncer-")
        self.log_path = self.dir / "pgbouncer.log"
        (self.dir / "userlist.txt").write_text('"postgres" ""\n')
        (self.dir / "pgbouncer.ini").write_text(
            "[databases]\n"
            f"* = host=127.0.0.1 port={backend_port}\n"
            "[pgbouncer]\n"
            "listen_addr = 127.0.0.1\n"
            f"listen_port = {self.port}\n"
            f"unix_socket_dir = {self.dir}\n"
            "auth_type = trust\n"
            f"auth_file = {self.dir / 'userlist.txt'}\n"
            "pool_mode = transaction\n"
            f"default_pool_size = {pool_size}\n"
            f"max_client_conn = {max_client_conn}\n"
            "admin_users = postgres\n"
            "ignore_startup_parameters = extra_float_digits\n"
            "query_wait_timeout = 10\n"
        )
        if os.geteuid() == 0:
            user = pwd.getpwnam(SERVICE_USER)
            for path in self.dir.iterdir():
                os.chown(path, user.pw_uid, user.pw_gid)

    def url(self, database: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def command(self) -> list[str]:
        return _as_service_user([PGBOUNCER, str(self.dir / "pgbouncer.ini")])

    def is_ready(self) -> bool:
        import socket

        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                return True
        except OSError:
            return False

    def close(self) -> None:
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)
