"""A live server on 127.0.0.1 with a fresh SQLite database, for the fuzz run."""
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DEMO_PASSWORD = "demo-password-2026"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="session")
def live_server_url():
    workdir = tempfile.mkdtemp(prefix="fuzz-")
    env = {
        **os.environ,
        # FUZZ_DATABASE_URL points the run at PostgreSQL (where NUL bytes would be 500s).
        "DATABASE_URL": os.environ.get("FUZZ_DATABASE_URL")
        or f"sqlite:///{workdir}/fuzz.sqlite3",
        "REDIS_URL": "",
        # runserver starts a thread per request; persistent connections would pile up.
        "DATABASE_CONN_MAX_AGE": "0",
        "THROTTLE_LOGIN_IP": "100000/min",
        "THROTTLE_LOGIN_FAILURES_ACCOUNT_IP": "100000/min",
        "THROTTLE_LOGIN_FAILURES_ACCOUNT": "100000/min",
    }
    manage = [sys.executable, "manage.py"]
    for command in (["migrate", "--noinput"], ["seed_demo"]):
        subprocess.run(manage + command, cwd=ROOT, env=env, check=True,
                       capture_output=True, timeout=300)
    port = _free_port()
    log = open(Path(workdir) / "server.log", "w")
    server = subprocess.Popen(manage + ["runserver", "--noreload", f"127.0.0.1:{port}"],
                              cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            urllib.request.urlopen(f"{url}/api/v1/health/", timeout=2).close()
            break
        except OSError:
            if time.monotonic() > deadline or server.poll() is not None:
                server.kill()
                raise RuntimeError(f"the fuzz server did not start; see {log.name}")
            time.sleep(0.3)
    yield url
    server.terminate()
    server.wait(timeout=30)
    log.close()


@pytest.fixture(scope="session")
def demo_staff() -> tuple[str, str]:
    return "admin", DEMO_PASSWORD
