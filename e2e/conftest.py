"""Real-browser end-to-end tests: `make e2e`, never part of `make test`.

Debian's chromium (`e2e/install_chromium.sh` installs it), driven by Playwright, against
`manage.py runserver` on 127.0.0.1 that these fixtures start on a fresh SQLite database
(migrated and seeded with the demo users), one server per session policy. A failing test
leaves a screenshot of each of its browsers (and the server's log) in e2e/artifacts/.
"""
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from e2e.helpers import ROOT, LiveServer

ARTIFACTS = ROOT / "e2e" / "artifacts"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",  # root in a container: no user namespaces for chromium's sandbox
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
VIEWPORT = {"width": 1280, "height": 800}
SERVER_START_SECONDS = 30
# Variables of the caller's shell that would point the server elsewhere or change it.
INHERITED_ENV_DROPPED = (
    "DATABASE_URL", "REDIS_URL", "DJANGO_CACHE_PREFIX", "DJANGO_DEBUG",
    "DJANGO_SECURE_SSL_REDIRECT", "DJANGO_SECURE_COOKIES", "DJANGO_NUM_PROXIES",
    "DJANGO_ALLOWED_HOSTS", "EMAIL_HOST", "SESSION_POLICY_", "THROTTLE_",
)

PAGES = pytest.StashKey[dict[str, Page]]()
_no_proxy = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def server_env(database: Path, policy: dict[str, str]) -> dict[str, str]:
    env = {
        name: value for name, value in os.environ.items()
        if not name.startswith(INHERITED_ENV_DROPPED)
    }
    env.update(
        DJANGO_DEBUG="1",  # so runserver serves the Swagger UI and admin static files
        DJANGO_ALLOWED_HOSTS="127.0.0.1",
        DATABASE_URL=f"sqlite:///{database}",
        PYTHONUNBUFFERED="1",
        **policy,
    )
    return env


def manage(*args: str, env: dict[str, str]) -> None:
    result = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True,
        text=True, timeout=180, stdin=subprocess.DEVNULL,
    )
    if result.returncode != 0:
        raise RuntimeError(
            f"manage.py {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}"
        )


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def log_tail(path: Path, lines: int = 40) -> str:
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])


def wait_until_healthy(server: LiveServer) -> None:
    deadline = time.monotonic() + SERVER_START_SECONDS
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(
                f"the e2e server exited with {server.process.returncode}:\n"
                f"{log_tail(server.log_path)}"
            )
        try:
            with _no_proxy.open(server.url("/api/v1/health/"), timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.2)
    raise RuntimeError(
        f"the e2e server did not answer /api/v1/health/ in {SERVER_START_SECONDS} s:\n"
        f"{log_tail(server.log_path)}"
    )


def stop(server: LiveServer) -> None:
    if server.process.poll() is None:
        server.process.terminate()
        try:
            server.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.process.kill()
            server.process.wait(timeout=10)


def serve(
    workdir: Path, template: Path, policy: dict[str, str]
) -> Iterator[LiveServer]:
    """Copy the seeded database, serve it on a free port, stop the server at the end."""
    database = workdir / "e2e.sqlite3"
    for suffix in ("", "-wal"):
        source = Path(f"{template}{suffix}")
        if source.exists():
            shutil.copyfile(source, f"{database}{suffix}")
    env = server_env(database, policy)
    server = None
    for attempt in range(3):  # another process may take the port between probe and bind
        port = free_port()
        log_path = workdir / f"server-{attempt}.log"
        with open(log_path, "wb") as log:
            process = subprocess.Popen(
                [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}",
                 "--noreload"],
                cwd=ROOT, env=env, stdin=subprocess.DEVNULL, stdout=log,
                stderr=subprocess.STDOUT,
            )
        server = LiveServer(f"http://127.0.0.1:{port}", process, log_path)
        try:
            wait_until_healthy(server)
            break
        except RuntimeError:
            stop(server)
            port_taken = "already in use" in log_path.read_text(errors="replace")
            if attempt == 2 or not port_taken:
                raise
    try:
        yield server
    finally:
        stop(server)


@pytest.fixture(scope="session")
def demo_database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite database with the demo users; each server gets its own copy."""
    database = tmp_path_factory.mktemp("e2e-template") / "e2e.sqlite3"
    env = server_env(database, {})
    manage("migrate", "--noinput", env=env)
    manage("seed_demo", env=env)
    return database


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory, demo_database: Path
           ) -> Iterator[LiveServer]:
    """The default policy: one live session per user, a new login ends the older one."""
    yield from serve(tmp_path_factory.mktemp("e2e-default"), demo_database, {})


@pytest.fixture(scope="session")
def server_two_sessions(tmp_path_factory: pytest.TempPathFactory, demo_database: Path
                        ) -> Iterator[LiveServer]:
    """`SESSION_POLICY_MAX_SESSIONS_PER_USER=2`: two browsers may stay signed in."""
    yield from serve(
        tmp_path_factory.mktemp("e2e-two-sessions"), demo_database,
        {"SESSION_POLICY_MAX_SESSIONS_PER_USER": "2"},
    )


@pytest.fixture(scope="session")
def chromium() -> Iterator[Browser]:
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(
            f"{CHROMIUM} is missing: `make e2e` installs Debian's chromium "
            "(e2e/install_chromium.sh)", pytrace=False,
        )
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def open_browser(request: pytest.FixtureRequest, chromium: Browser
                 ) -> Iterator[Callable[[str], Page]]:
    """Open a browser with cookies of its own, as on another machine, named `label`."""
    pages: dict[str, Page] = {}
    request.node.stash[PAGES] = pages
    contexts = []

    def open_one(label: str) -> Page:
        context = chromium.new_context(viewport=VIEWPORT, locale="en-US")
        context.set_default_timeout(15_000)
        contexts.append(context)
        pages[label] = context.new_page()
        return pages[label]

    yield open_one
    for context in contexts:
        context.close()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Iterator:
    outcome = yield
    report = outcome.get_result()
    if report.failed and report.when in ("setup", "call"):
        saved = save_failure_artifacts(item)
        if saved:
            report.sections.append(("e2e artifacts", "\n".join(map(str, saved))))


def save_failure_artifacts(item: pytest.Item) -> list[Path]:
    """Screenshot every browser of a failed test (the first as <test name>.png) and keep
    the log of each server it used."""
    name = re.sub(r"[^\w.-]+", "_", item.name).strip("_")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    saved = []
    for index, (label, page) in enumerate(item.stash.get(PAGES, {}).items()):
        path = ARTIFACTS / (f"{name}.png" if index == 0 else f"{name}-{label}.png")
        try:
            page.screenshot(path=path, full_page=True)
        except Exception as error:  # a crashed page must not hide the test's failure
            print(f"e2e: no screenshot of browser {label}: {error}", file=sys.stderr)
            continue
        saved.append(path)
    for value in getattr(item, "funcargs", {}).values():
        if isinstance(value, LiveServer):
            path = ARTIFACTS / f"{name}-{value.log_path.parent.name}.log"
            shutil.copyfile(value.log_path, path)
            saved.append(path)
    return saved
