"""schemathesis against the live OpenAPI (Swagger 2.0) schema, with a real staff token.

A server is started on 127.0.0.1 with a fresh SQLite database; every operation gets
`FUZZ_EXAMPLES` generated requests (default 50). No request may answer 5xx, and every
answer must match its documented status codes, content type and body schema. Run with
`make fuzz`; CI runs it too.
"""

import json
import os
import urllib.request

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "50"))
CHECKS = [
    schemathesis.checks.not_a_server_error,
    schemathesis.checks.status_code_conformance,
    schemathesis.checks.content_type_conformance,
    schemathesis.checks.response_schema_conformance,
]
NO_CONTENT_CHECKS = [
    check
    for check in CHECKS
    if check is not schemathesis.checks.content_type_conformance
]
ENDED_CODES = {
    "session_superseded",
    "session_terminated",
    "session_expired",
    "session_logged_out",
    "session_password_changed",
    "account_disabled",
}


@pytest.fixture(scope="session")
def api_schema(live_server_url):
    return schemathesis.openapi.from_url(f"{live_server_url}/swagger.json")


schema = schemathesis.pytest.from_fixture("api_schema")


class StaffToken:
    """A staff token that logs in again after a fuzzed request ended its session."""

    def __init__(self, base_url: str, username: str, password: str) -> None:
        self.base_url, self.username, self.password = base_url, username, password
        self.token: str | None = None

    def current(self) -> str:
        if self.token is None:
            body = json.dumps({"username": self.username, "password": self.password})
            request = urllib.request.Request(
                f"{self.base_url}/api/v1/auth/login/",
                data=body.encode(),
                headers={"Content-Type": "application/json"},
            )
            with urllib.request.urlopen(request, timeout=30) as response:
                self.token = json.load(response)["token"]
        return self.token

    def notice(self, response) -> None:
        try:
            code = response.json().get("code")
        except (ValueError, AttributeError):
            return
        if code in ENDED_CODES:
            self.token = None


@pytest.fixture(scope="session")
def staff_token(live_server_url, demo_staff) -> StaffToken:
    return StaffToken(live_server_url, *demo_staff)


@pytest.mark.fuzz
@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_operation_answers_5xx_or_off_its_schema(case, staff_token):
    response = case.call(
        headers={"Authorization": f"Token {staff_token.current()}"}, timeout=30
    )
    staff_token.notice(response)
    # A 204 has no body, hence no Content-Type (RFC 9110); everything else is checked.
    no_content = response.status_code == 204 and not response.content
    case.validate_response(response, checks=NO_CONTENT_CHECKS if no_content else CHECKS)
