"""Swagger UI at /docs/: every endpoint group shows; a token authorizes "Try it out"."""

import pytest
from playwright.sync_api import expect

from e2e.helpers import http_json, token_login

pytestmark = pytest.mark.e2e

EXPECTED_TAGS = {
    "sign-in",
    "me",
    "sessions",
    "staff",
    "users",
    "health",
    "activity",
    "original routes",
}
LIST_MY_SESSIONS = "sessions_list"  # GET .../users/me/sessions/
HTTP_METHODS = {"get", "post", "put", "patch", "delete", "head", "options"}


def test_swagger_ui_lists_every_endpoint_group(server, open_browser):
    status, schema = http_json(server.url("/swagger.json"))
    assert status == 200
    operations = {
        (operation["tags"][0], operation["operationId"])
        for path_item in schema["paths"].values()
        for method, operation in path_item.items()
        if method in HTTP_METHODS
    }
    schema_tags = {tag for tag, _ in operations}
    assert EXPECTED_TAGS <= schema_tags
    browser = open_browser("docs")

    browser.goto(server.url("/docs/"))
    browser.wait_for_selector("h3.opblock-tag")

    shown_tags = {
        heading.get_attribute("data-tag")
        for heading in browser.locator("h3.opblock-tag").all()
    }
    assert shown_tags == schema_tags
    shown_operations = {
        block.get_attribute("id") for block in browser.locator(".opblock").all()
    }
    assert shown_operations == {
        f"operations-{tag.replace(' ', '_')}-{operation_id}"
        for tag, operation_id in operations
    }


def test_swagger_ui_lists_my_sessions_with_a_token(server, open_browser):
    token = token_login(server, "bob")["token"]
    browser = open_browser("docs")
    browser.goto(server.url("/docs/"))
    browser.wait_for_selector("h3.opblock-tag")

    browser.click(".scheme-container button.authorize")
    dialog = browser.locator(".dialog-ux .modal-ux")
    dialog.locator("input[type=text]").fill(f"Token {token}")
    dialog.locator("button.authorize").click()
    dialog.locator("button.btn-done").click()
    operation = browser.locator(f"#operations-sessions-{LIST_MY_SESSIONS}")
    operation.locator(".opblock-summary").click()
    operation.locator("button.try-out__btn").click()
    with browser.expect_response(
        lambda response: "/api/v1/auth/users/me/sessions/" in response.url
    ) as answer:
        operation.locator("button.execute").click()

    assert answer.value.status == 200
    assert answer.value.request.headers["authorization"] == f"Token {token}"
    shown_status = operation.locator(".live-responses-table tbody .response-col_status")
    expect(shown_status).to_have_text("200")
    sessions = answer.value.json()["results"]
    assert [session["is_current"] for session in sessions] == [True]
    assert sessions[0]["transport"] == "token"
