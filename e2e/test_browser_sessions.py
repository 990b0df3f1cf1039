"""One live session per user (the default policy), seen from real browsers."""

import re

import pytest
from playwright.sync_api import expect

from e2e.helpers import (
    admin_login,
    api_get_in_browser,
    browsable_body,
    browsable_login,
    browsable_status,
    current_session_id,
    http_json,
    save_readme_screenshot,
    token_login,
)
from sessions_app.exceptions import SUPERSEDED_DETAIL
from sessions_app.models import EndReason

pytestmark = pytest.mark.e2e

SUPERSEDED = re.compile(
    r"You were signed out because your account signed in on another device "
    r"\(.+, Localhost\)\."
)


def test_browser_login_shows_users_list(server, open_browser):
    browser_a = open_browser("A")

    browsable_login(browser_a, server, "alice", next_path="/users/list/")
    response = browser_a.goto(server.url("/users/list/"))

    assert response.status == 200
    assert browsable_status(browser_a) == "HTTP 200 OK"
    usernames = {user["username"] for user in browsable_body(browser_a)["results"]}
    assert {"admin", "alice", "bob", "carol"} <= usernames
    expect(browser_a.locator(".navbar .dropdown-toggle")).to_have_text("alice")


def test_login_in_second_browser_sends_first_to_the_login_page_told_why(
    server, open_browser
):
    browser_a, browser_b = open_browser("A"), open_browser("B")
    browsable_login(browser_a, server, "alice", next_path="/users/list/")
    assert browser_a.goto(server.url("/users/list/")).status == 200

    browsable_login(browser_b, server, "alice", next_path="/users/list/")
    response = browser_a.reload()

    # A page (HTML) goes to the login page, which says why once; JSON keeps the 403.
    assert response.status == 200
    assert browser_a.url == server.url("/api-auth/login/?next=%2Fusers%2Flist%2F")
    expect(browser_a.locator(".messages")).to_have_text(SUPERSEDED)
    save_readme_screenshot(browser_a, "browser-signed-out")
    browser_a.reload()
    expect(browser_a.locator(".messages")).to_have_count(0)
    assert api_get_in_browser(browser_a, server, "/api/v1/auth/users/me/")[0] == 401
    assert browser_b.goto(server.url("/users/list/")).status == 200
    expect(browser_b.locator(".messages")).to_have_count(0)  # told to A only


def test_admin_login_elsewhere_sends_first_admin_to_login(server, open_browser):
    browser_a, browser_b = open_browser("A"), open_browser("B")
    admin_login(browser_a, server, "admin")
    expect(browser_a.get_by_role("heading", name="Site administration")).to_be_visible()
    first_session = current_session_id(browser_a, server)

    admin_login(browser_b, server, "admin")
    browser_a.reload()

    assert browser_a.url.startswith(server.url("/admin/login/"))
    expect(browser_a.locator("#login-form")).to_be_visible()
    expect(browser_a.locator(".messagelist")).to_have_text(SUPERSEDED)
    browser_b.goto(server.url("/admin/sessions_app/usersession/?q=admin"))
    row = browser_b.locator(f"#result_list tr:has(a[href*='{first_session}'])")
    assert row.count() == 1
    assert EndReason.SUPERSEDED.label in row.inner_text()
    browser_b.goto(
        server.url(f"/admin/sessions_app/usersession/{first_session}/change/")
    )
    details = browser_b.inner_text("#content-main")
    assert EndReason.SUPERSEDED.label in details
    assert browser_b.locator(".field-is_active img[alt='False']").count() == 1


def test_token_login_after_browser_login_ends_browser_session(server, open_browser):
    browser = open_browser("browser")
    browsable_login(browser, server, "carol", next_path="/api/v1/auth/users/me/")
    assert browser.goto(server.url("/api/v1/auth/users/me/")).status == 200

    token = token_login(server, "carol")["token"]
    browser.reload()

    # The page goes to the login page, naming the client that signed in instead.
    assert browser.url.startswith(server.url("/api-auth/login/"))
    expect(browser.locator(".messages")).to_contain_text("Python urllib")
    status, body = http_json(server.url("/api/v1/auth/users/me/"), token=token)
    assert status == 200
    assert body["username"] == "carol"


def test_browser_login_after_token_login_ends_token_session(server, open_browser):
    token = token_login(server, "carol")["token"]
    assert http_json(server.url("/api/v1/auth/users/me/"), token=token)[0] == 200

    browser = open_browser("browser")
    browsable_login(browser, server, "carol", next_path="/api/v1/auth/users/me/")
    status, body = http_json(server.url("/api/v1/auth/users/me/"), token=token)

    assert status == 403
    assert body == {"detail": str(SUPERSEDED_DETAIL), "code": "session_superseded"}
    assert browser.goto(server.url("/api/v1/auth/users/me/")).status == 200
    assert (
        api_get_in_browser(browser, server, "/api/v1/auth/users/me/")[1]["username"]
        == "carol"
    )
