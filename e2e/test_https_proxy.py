"""The browser over HTTPS through nginx, as `make serve` runs it (serving/proxy.py).

nginx with a self-signed certificate (the browser ignores its errors, as a person
accepting it would) in front of the sign-in and API pools, production settings
(`DJANGO_DEBUG=0`, `DJANGO_NUM_PROXIES=1`, Secure `__Host-` cookies, HSTS) on a copy of
the seeded SQLite database: the cookies a real browser keeps, a sign-in, the devices
page, and the 403 that tells a superseded browser why.
"""

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page

from accounts.demo import DEMO_PASSWORD
from serving.proxy import DEFAULT_EMAIL_BACKEND, ProxyStack
from serving.runner import clean_env, manage

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def proxied(
    tmp_path_factory: pytest.TempPathFactory, demo_database: Path
) -> Iterator[ProxyStack]:
    workdir = tmp_path_factory.mktemp("e2e-https")
    database = workdir / "e2e.sqlite3"
    for suffix in ("", "-wal"):
        source = Path(f"{demo_database}{suffix}")
        if source.exists():
            shutil.copyfile(source, f"{database}{suffix}")
    env = clean_env(
        DATABASE_URL=f"sqlite:///{database}",
        REDIS_URL="",
        DJANGO_SECRET_KEY="e2e-https-secret-key-" + "x" * 40,
        DJANGO_LOG_LEVEL="WARNING",
        DJANGO_DEBUG="0",
        DJANGO_EMAIL_BACKEND=DEFAULT_EMAIL_BACKEND,
    )
    manage("collectstatic", "--noinput", env=env, quiet=True)  # whitenoise's manifest
    with ProxyStack(
        env=env, runtime=workdir, signin_pool=1, api_pool=2, nginx_workers="1"
    ) as stack:
        yield stack


@pytest.fixture
def contexts(chromium: Browser) -> Iterator[list[BrowserContext]]:
    opened: list[BrowserContext] = []
    yield opened
    for context in opened:
        context.close()


def open_page(chromium: Browser, contexts: list[BrowserContext]) -> Page:
    context = chromium.new_context(ignore_https_errors=True, locale="en-US")
    context.set_default_timeout(20_000)
    contexts.append(context)
    return context.new_page()


def sign_in(page: Page, stack: ProxyStack, username: str) -> None:
    page.goto(stack.url("/api-auth/login/?next=/api/v1/auth/users/me/"))
    page.fill("#id_username", username)
    page.fill("#id_password", DEMO_PASSWORD)
    with page.expect_navigation():
        page.click("#submit-id-submit")
    assert page.url == stack.url("/api/v1/auth/users/me/"), page.inner_text("body")


def test_sign_in_over_https_keeps_host_cookies_and_tells_a_superseded_browser_why(
    proxied, chromium, contexts
):
    page = open_page(chromium, contexts)
    answer = page.goto(proxied.url("/api-auth/login/"))
    assert answer.status == 200
    assert answer.headers["strict-transport-security"].startswith("max-age=")
    sign_in(page, proxied, "carol")

    cookies = {cookie["name"]: cookie for cookie in page.context.cookies()}
    assert {"__Host-sessionid", "__Host-csrftoken"} <= cookies.keys()
    for name in ("__Host-sessionid", "__Host-csrftoken"):
        assert cookies[name]["secure"] is True
        assert cookies[name]["path"] == "/"
        assert cookies[name]["domain"] == "127.0.0.1"  # host-only: no Domain attribute
    assert cookies["__Host-sessionid"]["httpOnly"] is True

    devices = page.goto(proxied.url("/account/devices/"))
    if devices.status != 404:  # the devices page, where it exists
        assert devices.status == 200
        assert page.url == proxied.url("/account/devices/")

    other = open_page(chromium, contexts)
    sign_in(other, proxied, "carol")  # one live session per user: the first ends
    refused = page.request.get(
        proxied.url("/api/v1/auth/users/me/"), headers={"Accept": "application/json"}
    )
    assert refused.status == 403
    assert refused.json()["code"] == "session_superseded"
