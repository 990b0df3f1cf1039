"""The Content-Security-Policy in a real browser: every page still works under it, the
browser reports no violation, and no page loads anything from another host."""

from collections.abc import Iterator
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import ConsoleMessage, Page, Request, expect

from e2e.helpers import admin_login, browsable_body, browsable_login, browsable_status

pytestmark = pytest.mark.e2e

STRICT = "default-src 'self'"
# Swagger UI and ReDoc render the whole schema in the page: slow on a busy machine.
RENDER_MS = 60_000
DOCS_EXTRAS = ("worker-src 'self' blob:", "'unsafe-inline'", "data:")


@dataclass
class Watched:
    """What a page told the console about the policy, and where it fetched from."""

    violations: list[str] = field(default_factory=list)
    foreign_requests: list[str] = field(default_factory=list)

    def assert_clean(self) -> None:
        assert self.violations == []
        assert self.foreign_requests == []


@pytest.fixture
def watched(open_browser) -> Iterator[tuple[Page, Watched]]:
    page = open_browser("csp")
    seen = Watched()

    def on_console(message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text:
            seen.violations.append(message.text)

    def on_request(request: Request) -> None:
        host = urlsplit(request.url).hostname
        if request.url.startswith(("http:", "https:")) and host != "127.0.0.1":
            seen.foreign_requests.append(request.url)

    page.on("console", on_console)
    page.on("request", on_request)
    # Violations also fire as DOM events: count those the console might not show.
    page.add_init_script(
        "document.addEventListener('securitypolicyviolation', e => console.error("
        "'Content Security Policy violation: ' + e.violatedDirective + ' ' + "
        "e.blockedURI));"
    )
    yield page, seen


def test_swagger_ui_works_under_the_docs_policy(server, watched):
    page, seen = watched

    response = page.goto(server.url("/docs/"))
    page.wait_for_selector("h3.opblock-tag", timeout=RENDER_MS)
    operation = page.locator(".opblock").first
    operation.locator(".opblock-summary").click()
    expect(operation.locator(".opblock-body")).to_be_visible()
    page.locator(".models-control, section.models h4").first.click()
    page.wait_for_timeout(500)  # let lazily rendered parts fetch their images

    policy = response.headers["content-security-policy"]
    assert STRICT in policy
    assert all(extra in policy for extra in DOCS_EXTRAS)
    seen.assert_clean()


def test_redoc_renders_from_our_own_files_only(server, watched):
    page, seen = watched

    response = page.goto(server.url("/redoc/"))
    page.wait_for_selector(".api-content h1", timeout=RENDER_MS)
    page.wait_for_selector("[role=menu] li", state="attached")
    page.wait_for_timeout(1000)  # the side menu's credit renders after mounting

    assert "Session" in page.inner_text(".api-content h1")
    assert all(
        extra in response.headers["content-security-policy"] for extra in DOCS_EXTRAS
    )
    seen.assert_clean()


def test_admin_works_under_the_strict_policy(server, watched):
    page, seen = watched

    admin_login(page, server, "admin")
    response = page.goto(server.url("/admin/sessions_app/usersession/"))
    page.locator("#action-toggle").check()  # admin JavaScript: select every row
    expect(page.locator(".action-counter")).to_contain_text("selected")
    page.goto(server.url("/admin/sessions_app/securityevent/?q=127.0.0.1"))
    expect(page.locator("#result_list")).to_be_visible()

    policy = response.headers["content-security-policy"]
    assert STRICT in policy
    assert "'unsafe-inline'" not in policy and "blob:" not in policy
    seen.assert_clean()


def test_browsable_api_login_and_pages_work_under_the_strict_policy(server, watched):
    page, seen = watched

    login = page.goto(server.url("/api-auth/login/"))
    expect(page.locator("#id_username")).to_be_visible()
    browsable_login(page, server, "alice", next_path="/api/v1/auth/users/me/sessions/")
    response = page.goto(server.url("/api/v1/auth/users/me/sessions/"))
    page.click(".format-selection .dropdown-toggle")
    expect(page.locator(".format-selection .dropdown-menu")).to_be_visible()  # JS

    assert browsable_status(page) == "HTTP 200 OK"
    assert browsable_body(page)["count"] >= 1
    root = page.goto(server.url("/api/v1/"))  # the browsable API's front door
    assert browsable_status(page) == "HTTP 200 OK"
    for answer in (login, response, root):
        policy = answer.headers["content-security-policy"]
        assert STRICT in policy and "'unsafe-inline'" not in policy
    seen.assert_clean()
