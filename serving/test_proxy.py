"""The production topology through nginx: TLS, two pools, client addresses, limits.

nginx (serving/proxy.py, deploy/nginx/) on 127.0.0.1 over HTTPS in front of a sign-in
pool and an API pool on a fresh PostgreSQL database, with DJANGO_NUM_PROXIES=1. The
clients bind other loopback addresses (127.0.0.2, 127.0.0.3, ...) so that the address
nginx sees is not its own, and send forged X-Forwarded-For headers.
"""

import http.client
import json
import os
import re
import ssl
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from serving.proxy import ProxyStack, https_get
from serving.test_multiworker import PASSWORD

pytestmark = pytest.mark.serving

API_WORKERS = 4
REDIS_TEST_URL = os.environ.get("SERVING_REDIS_URL", "redis://127.0.0.1:6379/6")
ACCESS_LINE = re.compile(r"pid=<(?P<pid>\d+)> rid=(?P<rid>[0-9a-f]{32})")
FORGED = "203.0.113.77"


def call(
    port: int,
    method: str,
    path: str,
    *,
    token: str | None = None,
    body: dict | bytes | None = None,
    source: str = "127.0.0.2",
    headers: dict[str, str] | None = None,
) -> tuple[int, dict, dict[str, str]]:
    """One HTTPS request on a new connection from `source`: status, JSON, headers."""
    sent = {"Content-Type": "application/json", **(headers or {})}
    if token:
        sent["Authorization"] = f"Token {token}"
    if isinstance(body, dict):
        body = json.dumps(body).encode()
    connection = http.client.HTTPSConnection(
        "127.0.0.1",
        port,
        timeout=30,
        context=ssl._create_unverified_context(),
        source_address=(source, 0),
    )
    try:
        connection.request(method, path, body=body, headers=sent)
        response = connection.getresponse()
        raw = response.read()
        answer_headers = {k.lower(): v for k, v in response.getheaders()}
        content_type = answer_headers.get("content-type", "")
        parsed = json.loads(raw) if raw and "json" in content_type else {}
        return response.status, parsed, answer_headers
    finally:
        connection.close()


def register(port: int, username: str, mobile: str) -> None:
    """Sign up from an address of its own (sign-ups are limited per address)."""
    status, body, _ = call(
        port,
        "POST",
        "/api/v1/auth/register/",
        body={
            "username": username,
            "mobile": mobile,
            "password": PASSWORD,
            "real_name": username.title(),
        },
        source=f"127.0.1.{mobile[-2:]}",
    )
    assert status == 201, body


def log_in(port: int, username: str, **kwargs) -> str:
    status, body, _ = call(
        port,
        "POST",
        "/api/v1/auth/login/",
        body={"username": username, "password": PASSWORD},
        **kwargs,
    )
    assert status == 200, body
    return body["token"]


def pids_by_request(log: Path, expected: set[str] = frozenset()) -> dict[str, int]:
    """Map request ids to the worker that logged them, once `expected` are all in.

    gunicorn writes the access line after the answer: wait for it, 5 s at most.
    """
    deadline = time.monotonic() + 5
    while True:
        answered = {
            match["rid"]: int(match["pid"])
            for match in map(ACCESS_LINE.search, log.read_text().splitlines())
            if match
        }
        if expected <= answered.keys() or time.monotonic() > deadline:
            return answered
        time.sleep(0.05)


@pytest.fixture(scope="module")
def stack(production_env, tmp_path_factory) -> ProxyStack:
    runtime = tmp_path_factory.mktemp("proxy")
    env = {
        **production_env,
        "REDIS_URL": REDIS_TEST_URL,
        "DJANGO_CACHE_PREFIX": f"proxy_{os.getpid()}_{int(time.time())}",
        "THROTTLE_LOGIN_IP": "5/hour",  # a fixed window: no edge mid-test,
        "SIGNIN_CONCURRENCY": "2",
    }
    with ProxyStack(
        env=env,
        runtime=runtime,
        api_pool=API_WORKERS,
        signin_env={"GUNICORN_ACCESS_LOG": str(runtime / "signin-access.log")},
        api_env={"GUNICORN_ACCESS_LOG": str(runtime / "api-access.log")},
        nginx_workers="1",
    ) as running:
        yield running


def test_plain_http_redirects_to_https_and_answers_carry_hsts(stack):
    connection = http.client.HTTPConnection("127.0.0.1", stack.nginx.http_port)
    try:
        connection.request("GET", "/api/v1/health/?x=1")
        response = connection.getresponse()
        assert response.status == 301
        assert response.getheader("Location") == (
            f"https://127.0.0.1:{stack.port}/api/v1/health/?x=1"
        )
    finally:
        connection.close()
    status, headers, _ = https_get(stack.port, "/api/v1/health/")
    assert status == 200
    assert headers["Strict-Transport-Security"].startswith("max-age=31536000")


def test_http2_is_offered(stack):
    result = subprocess.run(
        ["curl", "-sk", "--http2", "-o", "/dev/null", "-w", "%{http_version}"]
        + [stack.url("/api/v1/health/")],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.stdout == "2", result.stderr


def test_sign_in_routes_reach_the_sign_in_pool_and_the_rest_the_api_pool(stack):
    register(stack.port, "routed", "+919876500011")
    token = log_in(stack.port, "routed")
    status, _, me_headers = call(
        stack.port, "GET", "/api/v1/auth/users/me/", token=token
    )
    assert status == 200
    status, _, login_headers = call(
        stack.port,
        "POST",
        "/api/v1/auth/login/",
        body={"username": "routed", "password": "wrong-password-here"},
    )
    assert status == 400
    signin = pids_by_request(
        stack.runtime / "signin-access.log", {login_headers["x-request-id"]}
    )
    api = pids_by_request(
        stack.runtime / "api-access.log", {me_headers["x-request-id"]}
    )
    assert login_headers["x-request-id"] in signin
    assert me_headers["x-request-id"] in api
    assert login_headers["x-request-id"] not in api


def test_the_session_records_the_address_nginx_saw_not_a_forged_one(stack):
    register(stack.port, "addressed", "+919876500012")
    token = log_in(
        stack.port,
        "addressed",
        source="127.0.0.9",
        headers={"X-Forwarded-For": FORGED},
    )
    status, body, _ = call(
        stack.port, "GET", "/api/v1/auth/users/me/sessions/", token=token
    )
    assert status == 200, body
    rows = body["results"] if isinstance(body, dict) and "results" in body else body
    assert [row["ip_address"] for row in rows] == ["127.0.0.9"]


def test_per_ip_login_limit_is_keyed_on_the_real_client(stack):
    """Five logins an hour per address: forged headers neither dodge nor share it."""
    register(stack.port, "limited", "+919876500013")

    def attempt(n: int, source: str) -> int:
        return call(
            stack.port,
            "POST",
            "/api/v1/auth/login/",
            body={"username": "limited", "password": PASSWORD},
            source=source,
            headers={"X-Forwarded-For": f"198.51.100.{n}"},
        )[0]

    from_one = [attempt(n, "127.0.0.20") for n in range(7)]
    from_another = attempt(99, "127.0.0.21")
    assert from_one[:5] == [200] * 5
    assert from_one[5:] == [429, 429]
    assert from_another == 200


def test_workers_of_the_api_pool_agree_at_once_through_nginx(stack):
    """The multi-worker check through nginx: the superseded token fails everywhere."""
    register(stack.port, "proxied", "+919876500014")
    old_token = log_in(stack.port, "proxied", source="127.0.0.30")

    def me(token: str) -> tuple[int, str | None, str]:
        status, body, headers = call(
            stack.port, "GET", "/api/v1/auth/users/me/", token=token
        )
        return status, body.get("code"), headers["x-request-id"]

    with ThreadPoolExecutor(8) as pool:
        live = list(pool.map(lambda _: me(old_token), range(40)))
        new_token = log_in(stack.port, "proxied", source="127.0.0.31")
        stale = list(pool.map(lambda _: me(old_token), range(120)))
    assert [status for status, _, _ in live] == [200] * 40
    assert {(status, code) for status, code, _ in stale} == {
        (403, "session_superseded")
    }
    assert me(new_token)[0] == 200
    answered = pids_by_request(
        stack.runtime / "api-access.log", {rid for _, _, rid in stale}
    )
    stale_pids = {answered[rid] for _, _, rid in stale}
    assert len(stale_pids) >= 3, "the refusals came from several workers"


def test_oversized_body_gets_the_apps_json_413(stack):
    body = json.dumps({"username": "x", "password": "y" * 100_000}).encode()
    status, answer, _ = call(stack.port, "POST", "/api/v1/auth/login/", body=body)
    assert (status, answer.get("code")) == (413, "request_too_large")


def test_no_worker_answering_is_a_json_502_under_api_only(tmp_path):
    from serving.proxy import Nginx, self_signed_certificate
    from serving.runner import free_port

    cert, key = self_signed_certificate(tmp_path / "tls")
    closed = f"127.0.0.1:{free_port()}"
    with Nginx(
        runtime=tmp_path / "nginx",
        tls_cert=cert,
        tls_key=key,
        signin_upstream=closed,
        api_upstream=closed,
        worker_processes="1",
    ) as nginx:
        api_status, api_headers, api_body = https_get(nginx.port, "/api/v1/users/")
        login_status, _, login_body = https_get(nginx.port, "/api/v1/auth/login/")
        page_status, page_headers, _ = https_get(nginx.port, "/account/devices/")
    assert api_status == login_status == 502
    assert api_headers["Content-Type"] == "application/json"
    assert json.loads(api_body)["code"] == "bad_gateway"
    assert json.loads(login_body)["code"] == "bad_gateway"
    assert page_status == 502
    assert page_headers["Content-Type"].startswith("text/html")
