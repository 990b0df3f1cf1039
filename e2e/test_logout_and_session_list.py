"""Two live sessions allowed (`SESSION_POLICY_MAX_SESSIONS_PER_USER=2`): logging out in
one browser ends only that session, and the other browser's session list says so."""

import pytest
from playwright.sync_api import expect

from e2e.helpers import (
    api_get_in_browser,
    browsable_body,
    browsable_login,
    browsable_status,
    current_session_id,
    save_readme_screenshot,
)
from sessions_app.models import EndReason

pytestmark = pytest.mark.e2e

SESSIONS_PATH = "/api/v1/auth/users/me/sessions/"


def test_logout_in_one_browser_shows_in_the_others_session_list(
    server_two_sessions, open_browser
):
    server = server_two_sessions
    browser_a, browser_b = open_browser("A"), open_browser("B")
    browsable_login(browser_a, server, "alice", next_path=SESSIONS_PATH)
    browsable_login(browser_b, server, "alice", next_path=SESSIONS_PATH)
    session_a = current_session_id(browser_a, server)
    session_b = current_session_id(browser_b, server)
    assert session_a != session_b
    assert browser_a.reload().status == 200  # both signed in under this policy
    assert browsable_body(browser_a)["count"] == 2

    browser_a.click(".navbar .dropdown-toggle")
    # The link's href="#" is a same-page navigation first; wait for the form's POST.
    with browser_a.expect_navigation(url=lambda url: not url.endswith("#")):
        browser_a.click(".navbar .dropdown-menu >> text=Log out")

    assert browser_a.url.startswith(server.url("/api-auth/login/?next="))
    expect(browser_a.locator(".messages")).to_have_text("You have been signed out.")
    assert api_get_in_browser(browser_a, server, "/api/v1/auth/users/me/")[0] == 401
    response = browser_b.goto(server.url(f"{SESSIONS_PATH}?status=all"))
    assert response.status == 200
    assert browsable_status(browser_b) == "HTTP 200 OK"
    shown = browsable_body(browser_b)["results"]
    sessions = {session["id"]: session for session in shown}
    assert {session_a, session_b} <= set(sessions)  # other tests may sign alice in too
    assert sessions[session_a]["is_active"] is False
    assert sessions[session_a]["end_reason"] == EndReason.LOGOUT
    assert sessions[session_a]["is_current"] is False
    assert sessions[session_b]["is_active"] is True
    assert sessions[session_b]["is_current"] is True
    assert sessions[session_b]["end_reason"] in (None, "")
    save_readme_screenshot(browser_b, "browser-sessions-list")


def test_logout_link_asks_before_logging_out(server_two_sessions, open_browser):
    server = server_two_sessions
    browser = open_browser("A")
    browsable_login(browser, server, "bob", next_path="/api/v1/auth/users/me/")
    session = current_session_id(browser, server)

    browser.goto(server.url("/api-auth/logout/"))
    expect(browser.get_by_text("Log out bob from this browser?")).to_be_visible()
    assert api_get_in_browser(browser, server, "/api/v1/auth/users/me/")[0] == 200
    with browser.expect_navigation():
        browser.click("#logout-confirm-form [type=submit]")

    assert api_get_in_browser(browser, server, "/api/v1/auth/users/me/")[0] == 401
    browser_b = open_browser("B")
    browsable_login(browser_b, server, "bob", next_path="/api/v1/auth/users/me/")
    status, body = api_get_in_browser(browser_b, server, f"{SESSIONS_PATH}{session}/")
    assert status == 200
    assert body["end_reason"] == EndReason.LOGOUT
