"""The site as a person meets it in Chromium (issue 17): home and the API root, your
devices, the reason on the login page whenever a browser is signed out, the
refuse_new takeover, sign-up, the links mail brings, and the admin's End this session.

Every page of these tests is watched for Content-Security-Policy violations and
blocked requests: one is a failure.
"""

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import pyotp
import pytest
from playwright.sync_api import ConsoleMessage, Locator, Page, Request, expect

from accounts.demo import DEMO_PASSWORD
from e2e.helpers import (
    LiveServer,
    admin_login,
    api_get_in_browser,
    browsable_login,
    current_session_id,
    log_size,
    mailed_link,
    save_readme_screenshot,
)

pytestmark = pytest.mark.e2e

SUPERSEDED = re.compile(
    r"You were signed out because your account signed in on another device "
    r"\(.+, Localhost\)\."
)
NEW_PASSWORD = "a-new-and-long-passphrase-17"

VIOLATION_LISTENER = (
    "document.addEventListener('securitypolicyviolation', e => console.error("
    "'Content Security Policy violation: ' + e.violatedDirective + ' ' + "
    "e.blockedURI));"
)


@dataclass
class Watched:
    """Browsers whose policy violations and blocked requests are collected."""

    open_browser: Callable[[str], Page]
    problems: list[str] = field(default_factory=list)

    def open(self, label: str) -> Page:
        page = self.open_browser(label)

        def on_console(message: ConsoleMessage) -> None:
            text = message.text
            if "Content Security Policy" in text or "Refused to" in text:
                self.problems.append(f"{label}: {text}")

        def on_failed(request: Request) -> None:
            failure = request.failure or ""
            if "BLOCKED" in failure.upper():
                self.problems.append(f"{label}: {request.url} {failure}")

        page.on("console", on_console)
        page.on("requestfailed", on_failed)
        page.add_init_script(VIOLATION_LISTENER)
        return page

    def assert_clean(self) -> None:
        assert self.problems == []


@pytest.fixture
def browsers(open_browser) -> Iterator[Watched]:
    watched = Watched(open_browser)
    yield watched
    watched.assert_clean()


def login_form(page: Page, username: str, password: str = DEMO_PASSWORD) -> None:
    page.fill("#id_username", username)
    page.fill("#id_password", password)


def submit(page: Page, target: str | Locator) -> None:
    """Click a link or button (a selector, or a locator) and wait for the next page."""
    with page.expect_navigation():
        if isinstance(target, str):
            page.click(target)
        else:
            target.click()


def link(page: Page, within: str, name: str) -> Locator:
    return page.locator(within).get_by_role("link", name=name, exact=True)


def signed_out_notice(page: Page) -> str:
    return page.inner_text(".messages")


# ---- 1 and 7: home, the API root, the browsable API's name ------------------------


def test_home_leads_to_sign_in_the_api_root_and_devices(server, browsers):
    page = browsers.open("home")

    page.goto(server.url("/"))
    expect(
        page.get_by_role("heading", name="Session-managed authentication")
    ).to_be_visible()
    save_readme_screenshot(page, "browser-home")
    submit(page, link(page, "main", "Sign in"))
    assert page.url.startswith(server.url("/api-auth/login/"))
    expect(page.get_by_label("Username or mobile number")).to_be_visible()
    login_form(page, "bob")
    submit(page, "#submit-id-submit")
    page.goto(server.url("/"))
    expect(page.locator("#home-who")).to_contain_text("bob")
    submit(page, link(page, "main", "Your devices"))
    expect(page.get_by_role("heading", name="Your devices")).to_be_visible()

    submit(page, link(page, "nav", "API"))
    assert page.url == server.url("/api/v1/")
    assert "Session-managed authentication API" in page.title()
    expect(page.locator(".navbar-brand")).to_have_text("Session-managed authentication")
    expect(page.locator(".response-info")).to_contain_text("/api/v1/auth/login/")
    submit(page, link(page, ".navbar", "Your devices"))
    assert page.url == server.url("/account/devices/")
    browsers.assert_clean()


# ---- 3: signed out, told why -------------------------------------------------------


def test_api_calls_of_a_signed_out_browser_keep_the_403(server, browsers):
    browser_a, browser_b = browsers.open("A"), browsers.open("B")
    browsable_login(browser_a, server, "carol", next_path="/api/v1/auth/users/me/")
    browsable_login(browser_b, server, "carol", next_path="/api/v1/auth/users/me/")

    status, body = api_get_in_browser(browser_a, server, "/api/v1/auth/users/me/")

    assert status == 403
    assert body["code"] == "session_superseded"


def test_logging_out_lands_on_the_login_page_saying_so(server, browsers):
    page = browsers.open("A")
    browsable_login(page, server, "bob", next_path="/api/v1/auth/users/me/")
    page.goto(server.url("/api/v1/auth/users/me/"))

    page.click(".navbar .dropdown-toggle")
    submit(page, ".navbar .dropdown-menu >> text=Log out")

    assert page.url.startswith(server.url("/api-auth/login/"))
    expect(page.locator(".messages")).to_have_text("You have been signed out.")
    login_form(page, "bob")
    submit(page, "#submit-id-submit")
    assert page.url == server.url("/api/v1/auth/users/me/")  # `next` was kept
    browsers.assert_clean()


def test_an_admin_signed_in_elsewhere_lands_on_the_admin_login_told_why(
    server, browsers
):
    browser_a, browser_b = browsers.open("A"), browsers.open("B")
    admin_login(browser_a, server, "admin")
    admin_login(browser_b, server, "admin")

    browser_a.reload()

    assert browser_a.url.startswith(server.url("/admin/login/"))
    expect(browser_a.locator(".messagelist")).to_have_text(SUPERSEDED)
    browsers.assert_clean()


# ---- 2: your devices ---------------------------------------------------------------


def test_signing_out_another_device_from_the_devices_page(
    server_two_sessions, browsers
):
    server = server_two_sessions
    browser_a, browser_b = browsers.open("A"), browsers.open("B")
    # bob: e2e/test_logout_and_session_list.py counts alice's sessions on this server
    browsable_login(browser_a, server, "bob", next_path="/users/list/")
    session_a = current_session_id(browser_a, server)
    browsable_login(browser_b, server, "bob", next_path="/account/devices/")

    row_a = browser_b.locator(f"#session-{session_a}")
    expect(browser_b.locator("#sessions .this-device")).to_have_count(1)
    expect(row_a).to_be_visible()
    expect(browser_b.locator("#events")).to_contain_text("New sign-in from")
    save_readme_screenshot(browser_b, "browser-devices")
    submit(browser_b, f"#session-{session_a} button")

    expect(browser_b.locator(".messages")).to_contain_text("is signed out")
    expect(row_a).to_have_count(0)
    browser_a.reload()
    assert browser_a.url.startswith(server.url("/api-auth/login/"))
    expect(browser_a.locator(".messages")).to_have_text(
        "You were signed out from another of your devices."
    )
    browsers.assert_clean()


def test_sign_out_all_other_devices(server_two_sessions, browsers):
    server = server_two_sessions
    browser_a, browser_b = browsers.open("A"), browsers.open("B")
    browsable_login(browser_a, server, "carol", next_path="/users/list/")
    browsable_login(browser_b, server, "carol", next_path="/account/devices/")

    submit(browser_b, "#sign-out-others")

    expect(browser_b.locator(".messages")).to_contain_text("1 other session")
    expect(browser_b.locator("#sessions tbody tr")).to_have_count(1)
    assert api_get_in_browser(browser_a, server, "/api/v1/auth/users/me/")[0] == 403
    browsers.assert_clean()


def test_devices_page_sends_a_visitor_to_sign_in_first(server, browsers):
    page = browsers.open("A")

    page.goto(server.url("/account/devices/"))
    login_form(page, "+91 90000 00003")  # bob, by mobile number
    submit(page, "#submit-id-submit")

    assert page.url == server.url("/account/devices/")
    expect(page.locator("#signed-in-as")).to_have_text("bob")


# ---- 4: the refuse_new takeover ----------------------------------------------------


def test_refuse_new_names_the_other_session_and_signs_it_out_when_asked(
    server_refuse_new, browsers
):
    server = server_refuse_new
    browser_a, browser_b = browsers.open("A"), browsers.open("B")
    browsable_login(browser_a, server, "alice", next_path="/account/devices/")

    browser_b.goto(server.url("/api-auth/login/?next=/account/devices/"))
    login_form(browser_b, "alice")
    submit(browser_b, "#submit-id-submit")

    expect(browser_b.locator("#login-error")).to_contain_text("already signed in")
    expect(browser_b.locator("#takeover")).to_contain_text("Localhost, last active")
    force = browser_b.get_by_role(
        "button", name="Sign out the other session and continue"
    )
    expect(force).to_be_visible()
    browser_b.fill("#id_password", DEMO_PASSWORD)
    save_readme_screenshot(browser_b, "browser-refuse-new")
    with browser_b.expect_navigation():
        force.click()

    assert browser_b.url == server.url("/account/devices/")
    browser_a.reload()
    expect(browser_a.locator(".messages")).to_have_text(SUPERSEDED)
    browsers.assert_clean()


def test_admin_login_takes_a_mobile_number_and_offers_the_takeover(
    server_refuse_new, browsers
):
    server = server_refuse_new
    browser_a, browser_b = browsers.open("A"), browsers.open("B")
    admin_login(browser_a, server, "admin")

    browser_b.goto(server.url("/admin/login/?next=/admin/"))
    expect(browser_b.get_by_label("Username or mobile number")).to_be_visible()
    browser_b.fill("#id_username", "9000000001")
    browser_b.fill("#id_password", DEMO_PASSWORD)
    submit(browser_b, "#login-form [type=submit]")
    expect(browser_b.locator("#takeover")).to_be_visible()
    browser_b.fill("#id_force_password", DEMO_PASSWORD)
    submit(browser_b, "#force-submit")

    assert browser_b.url == server.url("/admin/")
    browser_a.reload()
    assert browser_a.url.startswith(server.url("/admin/login/"))
    expect(browser_a.locator(".messagelist")).to_have_text(SUPERSEDED)
    browsers.assert_clean()


# ---- 5 and 6: sign-up, the verification link, the reset link ----------------------


def test_sign_up_verify_the_email_and_reset_the_password_from_mailed_links(
    server: LiveServer, browsers
):
    page = browsers.open("newcomer")
    page.goto(server.url("/account/sign-up/"))
    expect(page.locator("#id_password_helptext")).to_contain_text("12 characters")
    page.fill("#id_username", "newcomer17")
    page.fill("#id_mobile", "+91 90000 01717")
    page.fill("#id_real_name", "New Comer")
    page.fill("#id_email", "newcomer17@example.com")
    page.fill("#id_password", "short")
    submit(page, "#sign-up-submit")
    expect(page.locator(".field-error").first).to_contain_text("too short")

    page.fill("#id_password", "a-good-long-passphrase-17")
    mail_from = log_size(server)
    submit(page, "#sign-up-submit")
    assert page.url == server.url("/account/devices/")
    expect(page.locator(".messages")).to_contain_text("Welcome, newcomer17")

    page.goto(
        server.url(mailed_link(server, "/account/email/verify/", since=mail_from))
    )
    submit(page, "text=Confirm this address")
    expect(page.get_by_role("status")).to_contain_text("newcomer17@example.com")

    page.goto(server.url("/account/devices/"))
    submit(page, "#sign-out")
    page.goto(server.url("/api-auth/login/"))
    submit(page, link(page, "main", "Forgot your password?"))
    page.fill("#id_email", "newcomer17@example.com")
    mail_from = log_size(server)
    submit(page, "#reset-request-submit")
    expect(page.locator("#reset-sent")).to_be_visible()

    page.goto(
        server.url(mailed_link(server, "/account/password/reset/", since=mail_from))
    )
    assert page.url.endswith("/set-password/")  # the token left the address bar
    page.fill("#id_new_password1", NEW_PASSWORD)
    page.fill("#id_new_password2", NEW_PASSWORD)
    submit(page, "text=Set the new password")
    expect(page.get_by_role("status")).to_contain_text("password was changed")

    submit(page, link(page, "main", "Sign in with the new password"))
    login_form(page, "newcomer17", NEW_PASSWORD)
    submit(page, "#submit-id-submit")
    assert "/login/" not in page.url
    browsers.assert_clean()


def test_confirm_password_page_returns_to_where_it_was_asked(server, browsers):
    page = browsers.open("A")
    browsable_login(page, server, "carol", next_path="/account/devices/")

    page.goto(server.url("/account/confirm-password/?next=/account/email/"))
    page.fill("#id_password", "not-the-password")
    submit(page, "#confirm-password-submit")
    expect(page.locator(".field-error")).to_have_text("The password is not correct.")
    page.fill("#id_password", DEMO_PASSWORD)
    submit(page, "#confirm-password-submit")

    assert page.url == server.url("/account/email/")
    expect(page.get_by_role("heading", name="Change your email")).to_be_visible()
    browsers.assert_clean()


# ---- 7: the admin's End this session ----------------------------------------------


def test_admin_ends_a_session_from_its_page_after_confirming(server, browsers):
    member, staff = browsers.open("member"), browsers.open("admin")
    browsable_login(member, server, "bob", next_path="/users/list/")
    session = current_session_id(member, server)
    admin_login(staff, server, "admin")

    staff.goto(server.url("/admin/sessions_app/usersession/"))
    headers = staff.locator("#result_list thead th").all_inner_texts()
    assert [h.strip().lower() for h in headers[1:3]] == ["status", "end reason"]
    staff.goto(server.url(f"/admin/sessions_app/usersession/{session}/change/"))
    submit(staff, "#end-session")
    expect(staff.locator("#content")).to_contain_text("End the session of bob")
    submit(staff, "#confirm-end-session")
    expect(staff.locator(".messagelist")).to_contain_text("The session was ended.")

    member.reload()
    assert member.url.startswith(server.url("/api-auth/login/"))
    expect(member.locator(".messages")).to_have_text(
        "You were signed out because an administrator ended your session."
    )
    browsers.assert_clean()


def test_docs_group_operations_by_tag_each_with_a_summary(server, browsers):
    page = browsers.open("docs")

    page.goto(server.url("/docs/"))
    page.wait_for_selector("h3.opblock-tag")
    tags = [
        heading.get_attribute("data-tag")
        for heading in page.locator("h3.opblock-tag").all()
    ]
    summaries = page.locator(".opblock .opblock-summary-description").all_inner_texts()

    assert tags[:3] == ["sign-in", "me", "sessions"]
    assert tags[-1] == "original routes"
    assert summaries and all(summary.strip() for summary in summaries)
    browsers.assert_clean()


def test_two_factor_page_enrols_shows_the_codes_once_and_turns_off(server, browsers):
    page = browsers.open("A")
    page.goto(server.url("/account/sign-up/"))
    page.fill("#id_username", "twofactor17")
    page.fill("#id_mobile", "+91 90000 01718")
    page.fill("#id_real_name", "Two Factor")
    page.fill("#id_password", "a-good-long-passphrase-18")
    submit(page, "#sign-up-submit")
    expect(page.locator("#mfa-status")).to_contain_text("Off")

    submit(page, link(page, "#mfa-status", "Manage two-factor sign-in"))
    submit(page, "#mfa-enrol")
    expect(page.locator("#qr-code svg")).to_be_visible()
    secret = page.inner_text("#totp-secret")
    page.fill("#id_code", pyotp.TOTP(secret).now())
    submit(page, "#totp-confirm")

    expect(page.locator("#recovery-codes li")).to_have_count(10)
    submit(page, link(page, "main", "Done"))
    expect(page.locator("#mfa-on")).to_contain_text("10 recovery codes left")
    submit(page, "#mfa-disable")
    assert page.url == server.url("/account/devices/")
    expect(page.locator("#mfa-status")).to_contain_text("Off")
    browsers.assert_clean()
