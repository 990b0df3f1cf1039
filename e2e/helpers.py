"""What the end-to-end tests do: in a browser as a person would, or as a REST client."""

import json
import os
import re
import time
import urllib.error
import urllib.request
from pathlib import Path

from playwright.sync_api import Page

from accounts.demo import DEMO_PASSWORD
from serving.runner import DevServer

ROOT = Path(__file__).resolve().parent.parent
SCREENSHOTS = ROOT / "docs" / "screenshots"

# Never through a proxy: every server these tests talk to is on 127.0.0.1.
_opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))


# A `manage.py runserver` on 127.0.0.1 that the tests started.
LiveServer = DevServer


def http_json(
    url: str, *, method: str = "GET", body: dict | None = None, token: str | None = None
) -> tuple[int, dict]:
    """Call the API as a REST client does: no cookies, JSON in and out."""
    headers = {"Accept": "application/json"}
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    if token is not None:
        headers["Authorization"] = f"Token {token}"
    request = urllib.request.Request(url, data=data, headers=headers, method=method)
    try:
        with _opener.open(request, timeout=15) as response:
            status, raw = response.status, response.read()
    except urllib.error.HTTPError as error:
        status, raw = error.code, error.read()
    return status, json.loads(raw) if raw else {}


def token_login(server: LiveServer, username: str) -> dict:
    """Log in with `POST /api/v1/auth/login/`; return its answer (token, session...)."""
    status, body = http_json(
        server.url("/api/v1/auth/login/"),
        method="POST",
        body={"username": username, "password": DEMO_PASSWORD},
    )
    assert status == 200, body
    return body


def browsable_login(
    page: Page, server: LiveServer, username: str, next_path: str
) -> None:
    """Sign in on the browsable API's login page and land on `next_path`."""
    page.goto(server.url(f"/api-auth/login/?next={next_path}"))
    page.fill("#id_username", username)
    page.fill("#id_password", DEMO_PASSWORD)
    with page.expect_navigation():
        page.click("#submit-id-submit")
    assert "/login/" not in page.url, page.inner_text("body")


def admin_login(page: Page, server: LiveServer, username: str) -> None:
    """Sign in on the Django admin's login page and land on the admin index."""
    page.goto(server.url("/admin/login/?next=/admin/"))
    page.fill("#id_username", username)
    page.fill("#id_password", DEMO_PASSWORD)
    with page.expect_navigation():
        page.click("#login-form [type=submit]")
    assert page.url == server.url("/admin/"), page.inner_text("body")


def api_get_in_browser(page: Page, server: LiveServer, path: str) -> tuple[int, dict]:
    """GET an API path as JSON with the browser's own cookies (not shown on screen)."""
    response = page.request.get(
        server.url(path), headers={"Accept": "application/json"}
    )
    return response.status, response.json()


def current_session_id(page: Page, server: LiveServer) -> str:
    """The id of the session this browser is signed in with."""
    status, body = api_get_in_browser(page, server, "/api/v1/auth/users/me/")
    assert status == 200, body
    return body["session"]["id"]


def browsable_body(page: Page) -> dict:
    """The JSON answer that the browsable API page on screen shows under its headers."""
    shown = page.inner_text(".response-info pre")
    return json.loads(shown[shown.index("{") :])


def browsable_status(page: Page) -> str:
    """The status line the browsable API page shows, e.g. `HTTP 403 Forbidden`."""
    return page.inner_text(".response-info pre").splitlines()[0].strip()


def log_size(server: LiveServer) -> int:
    """Where the server's log ends now: mail printed later comes after it."""
    return server.log_path.stat().st_size


def mailed_link(server: LiveServer, prefix: str, *, since: int) -> str:
    """The path of the newest link starting with `prefix` in mail the server sent.

    Development mail goes to the console, so to the server's log (the logging filter
    that hides these tokens covers log lines, not the console mail backend).
    """
    pattern = re.compile(rf"https?://[^/\s]+({re.escape(prefix)}[^\s\"<>]+)")
    deadline = time.monotonic() + 15
    while True:
        with open(server.log_path, "rb") as log:
            log.seek(since)
            found = pattern.findall(log.read().decode(errors="replace"))
        if found:
            return found[-1]
        if time.monotonic() > deadline:
            raise AssertionError(f"no mail with a {prefix} link in the server log")
        time.sleep(0.2)


def save_readme_screenshot(page: Page, name: str) -> Path | None:
    """Refresh one of the README's pictures, when asked (`E2E_SCREENSHOTS=1`)."""
    if os.environ.get("E2E_SCREENSHOTS") != "1":
        return None  # ids and times change every run: don't dirty the tree by default
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=path, full_page=True)
    return path
