"""Two-factor sign-in in a real browser: the code page after the password.

The test enrols demo users over the API, then computes each code from the secret
with pyotp, as an authenticator app would. Its own server (a copy of the demo
database), so the other e2e tests keep signing in with the password alone.
"""

import time
from collections.abc import Iterator
from pathlib import Path

import pyotp
import pytest
from playwright.sync_api import Page, expect

from accounts.demo import DEMO_PASSWORD
from e2e.conftest import serve
from e2e.helpers import LiveServer, api_get_in_browser, http_json, token_login

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def two_factor_server(
    tmp_path_factory: pytest.TempPathFactory, demo_database: Path
) -> Iterator[LiveServer]:
    yield from serve(tmp_path_factory.mktemp("e2e-two-factor"), demo_database, {})


def enrol(server: LiveServer, username: str) -> tuple[pyotp.TOTP, list[str]]:
    """Turn two-factor sign-in on for a demo user over the API (setup, confirm)."""
    token = token_login(server, username)["token"]  # a login is a fresh step-up
    status, setup = http_json(
        server.url("/api/v1/auth/mfa/totp/setup/"), method="POST", body={}, token=token
    )
    assert status == 200, setup
    totp = pyotp.TOTP(setup["secret"])
    status, confirmed = http_json(
        server.url("/api/v1/auth/mfa/totp/confirm/"),
        method="POST",
        body={"code": totp.now()},
        token=token,
    )
    assert status == 200, confirmed
    return totp, confirmed["recovery_codes"]


def next_code(totp: pyotp.TOTP) -> str:
    """The code of the next 30-second step: the enrolment spent the current one."""
    return totp.at(time.time() + totp.interval)


def password_page(page: Page, server: LiveServer, path: str, username: str) -> None:
    page.goto(server.url(path))
    page.fill("#id_username", username)
    page.fill("#id_password", DEMO_PASSWORD)
    with page.expect_navigation():
        page.click("#submit-id-submit, #login-form [type=submit]")


def test_browsable_login_asks_for_the_code_before_any_session(
    two_factor_server, open_browser
):
    server = two_factor_server
    totp, _codes = enrol(server, "bob")
    page = open_browser("bob")

    password_page(page, server, "/api-auth/login/?next=/api/v1/auth/users/me/", "bob")

    assert page.url == server.url("/api-auth/login/code/")
    expect(page.get_by_label("Code")).to_be_visible()
    assert api_get_in_browser(page, server, "/api/v1/auth/users/me/")[0] == 401
    page.fill("#id_code", "000000")
    with page.expect_navigation():
        page.click("#submit-code")
    expect(page.get_by_role("alert")).to_contain_text("not correct")

    page.fill("#id_code", next_code(totp))
    with page.expect_navigation():
        page.click("#submit-code")

    assert page.url == server.url("/api/v1/auth/users/me/")
    status, me = api_get_in_browser(page, server, "/api/v1/auth/users/me/")
    assert status == 200
    assert me["username"] == "bob"
    assert me["session"]["transport"] == "cookie"


def test_admin_login_takes_a_recovery_code_on_its_code_page(
    two_factor_server, open_browser
):
    server = two_factor_server
    _totp, recovery_codes = enrol(server, "admin")
    page = open_browser("admin")

    password_page(page, server, "/admin/login/?next=/admin/", "admin")

    assert page.url == server.url("/admin/login/code/")
    page.fill("#id_code", recovery_codes[0])
    with page.expect_navigation():
        page.click("#code-form [type=submit]")

    assert page.url == server.url("/admin/")
    expect(page.get_by_role("heading", name="Site administration")).to_be_visible()
    page.goto(server.url("/admin/accounts/user/?q=admin"))
    expect(page.locator("#result_list thead")).to_contain_text("2FA")
    status, mfa = api_get_in_browser(page, server, "/api/v1/auth/mfa/")
    assert status == 200
    assert mfa == {"totp": True, "recovery_codes_left": 9}
