"""Several gunicorn workers agree at once that a superseded session is over.

The database is the only place liveness lives, so the request after a new login is
refused whichever worker answers it. gunicorn's access log (gunicorn.conf.py's format
carries the worker's pid and the X-Request-ID) proves which workers answered.
"""

import http.client
import json
import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from serving.runner import Gunicorn

pytestmark = pytest.mark.serving

WORKERS = 4
STALE_REQUESTS = 200
CLIENT_THREADS = 8  # more clients than workers, so every worker has requests queued
PASSWORD = "a-long-serving-test-passphrase"
ACCESS_LINE = re.compile(r"pid=<(?P<pid>\d+)> rid=(?P<rid>[0-9a-f]{32})")


def call(
    port: int,
    method: str,
    path: str,
    *,
    token: str | None = None,
    body: dict | None = None,
) -> tuple[int, dict, str]:
    """One request on a new connection; return status, JSON body and X-Request-ID."""
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Token {token}"
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request(
            method, path, body=json.dumps(body) if body else None, headers=headers
        )
        response = connection.getresponse()
        raw = response.read()
        return (
            response.status,
            json.loads(raw) if raw else {},
            response.getheader("X-Request-ID"),
        )
    finally:
        connection.close()


def log_in(port: int, username: str) -> str:
    status, body, _ = call(
        port,
        "POST",
        "/api/v1/auth/login/",
        body={"username": username, "password": PASSWORD},
    )
    assert status == 200, body
    return body["token"]


def hammer(port: int, token: str, count: int) -> list[tuple[int, dict, str]]:
    with ThreadPoolExecutor(CLIENT_THREADS) as pool:
        return list(
            pool.map(
                lambda _: call(port, "GET", "/api/v1/auth/users/me/", token=token),
                range(count),
            )
        )


def workers_that_answered(log_path: Path, request_ids: set[str]) -> dict[str, int]:
    """Map each request id to the pid of the worker that logged it."""
    answered = {}
    for line in log_path.read_text().splitlines():
        match = ACCESS_LINE.search(line)
        if match and match["rid"] in request_ids:
            answered[match["rid"]] = int(match["pid"])
    return answered


def test_new_login_ends_old_session_on_every_worker_at_once(production_env, tmp_path):
    assert_workers_agree(production_env, tmp_path)


def assert_workers_agree(env: dict[str, str], tmp_path: Path) -> None:
    """Register, log in twice: every worker must refuse the first token at once."""
    access_log = tmp_path / "access.log"
    env = {**env, "GUNICORN_ACCESS_LOG": str(access_log)}
    with Gunicorn(
        env=env, workers=WORKERS, log_path=tmp_path / "gunicorn.log"
    ) as server:
        worker_pids = server.worker_pids()
        assert len(worker_pids) == WORKERS
        status, body, _ = call(
            server.port,
            "POST",
            "/api/v1/auth/register/",
            body={
                "username": "multiworker",
                "mobile": "+919876500001",
                "password": PASSWORD,
                "real_name": "Multi Worker",
            },
        )
        assert status == 201, body
        old_token = log_in(server.port, "multiworker")
        while_live = hammer(server.port, old_token, 40)
        new_token = log_in(server.port, "multiworker")  # ends the old session
        after = hammer(server.port, old_token, STALE_REQUESTS)
        new_status, _, _ = call(
            server.port, "GET", "/api/v1/auth/users/me/", token=new_token
        )

    assert [status for status, _, _ in while_live] == [200] * 40
    assert [(status, body.get("code")) for status, body, _ in after] == [
        (403, "session_superseded")
    ] * STALE_REQUESTS
    assert new_status == 200
    live_ids = {rid for _, _, rid in while_live}
    stale_ids = {rid for _, _, rid in after}
    live_pids = workers_that_answered(access_log, live_ids)
    stale_pids = workers_that_answered(access_log, stale_ids)
    assert set(stale_pids) == stale_ids, "every refused request is in the access log"
    print(
        f"\n{STALE_REQUESTS} stale requests refused by workers "
        f"{sorted(set(stale_pids.values()))} (of {sorted(worker_pids)})"
    )
    assert set(stale_pids.values()) <= worker_pids
    assert len(set(live_pids.values())) >= 2, (
        "the live token was served by several workers"
    )
    assert len(set(stale_pids.values())) >= 3, "the refusals came from several workers"
