"""Real-browser end-to-end tests: `make e2e`, never part of `make test`.

Debian's chromium (`deploy/apt-install-missing.sh` installs it), driven by Playwright,
against `manage.py runserver` on 127.0.0.1 that these fixtures start on a fresh SQLite
database (migrated and seeded with the demo users), one server per session policy
(test_https_proxy.py: gunicorn behind nginx over HTTPS instead). A failing test leaves a
screenshot of each of its browsers (and the server's log) in e2e/artifacts/.
"""

import os
import re
import shutil
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from e2e.helpers import ROOT, LiveServer
from serving.runner import clean_env, manage

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
PAGES = pytest.StashKey[dict[str, Page]]()


def server_env(database: Path, policy: dict[str, str]) -> dict[str, str]:
    return clean_env(
        DJANGO_DEBUG="1",  # so runserver serves the Swagger UI and admin static files
        DJANGO_ALLOWED_HOSTS="127.0.0.1",
        DATABASE_URL=f"sqlite:///{database}",
        **policy,
    )


def serve(
    workdir: Path, template: Path, policy: dict[str, str]
) -> Iterator[LiveServer]:
    """Copy the seeded database, serve it on a free port, stop the server at the end."""
    database = workdir / "e2e.sqlite3"
    for suffix in ("", "-wal"):
        source = Path(f"{template}{suffix}")
        if source.exists():
            shutil.copyfile(source, f"{database}{suffix}")
    with LiveServer(
        env=server_env(database, policy), log_path=workdir / "server.log"
    ) as server:
        yield server


@pytest.fixture(scope="session")
def demo_database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite database with the demo users; each server gets its own copy."""
    database = tmp_path_factory.mktemp("e2e-template") / "e2e.sqlite3"
    env = server_env(database, {})
    manage("migrate", "--noinput", env=env, quiet=True)
    manage("seed_demo", env=env, quiet=True)
    return database


@pytest.fixture(scope="session")
def server(
    tmp_path_factory: pytest.TempPathFactory, demo_database: Path
) -> Iterator[LiveServer]:
    """The default policy: one live session per user, a new login ends the older one."""
    yield from serve(tmp_path_factory.mktemp("e2e-default"), demo_database, {})


@pytest.fixture(scope="session")
def server_two_sessions(
    tmp_path_factory: pytest.TempPathFactory, demo_database: Path
) -> Iterator[LiveServer]:
    """`SESSION_POLICY_MAX_SESSIONS_PER_USER=2`: two browsers may stay signed in."""
    yield from serve(
        tmp_path_factory.mktemp("e2e-two-sessions"),
        demo_database,
        {"SESSION_POLICY_MAX_SESSIONS_PER_USER": "2"},
    )


@pytest.fixture(scope="session")
def server_refuse_new(
    tmp_path_factory: pytest.TempPathFactory, demo_database: Path
) -> Iterator[LiveServer]:
    """`SESSION_POLICY_ON_LIMIT=refuse_new`: a second sign-in is refused, or forced."""
    yield from serve(
        tmp_path_factory.mktemp("e2e-refuse-new"),
        demo_database,
        {"SESSION_POLICY_ON_LIMIT": "refuse_new"},
    )


@pytest.fixture(scope="session")
def chromium() -> Iterator[Browser]:
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(
            f"{CHROMIUM} is missing: `make e2e` installs Debian's chromium "
            "(deploy/apt-install-missing.sh)",
            pytrace=False,
        )
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def open_browser(
    request: pytest.FixtureRequest, chromium: Browser
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
