import json
import logging

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.models import User

pytestmark = pytest.mark.django_db


def post_json(client: APIClient, url: str, raw: str | bytes, **extra):
    return client.generic("POST", url, raw, content_type="application/json", **extra)


def nested(depth: int) -> str:
    return '{"a":' * depth + "1" + "}" * depth


def test_validation_error_lists_fields(api_client):
    response = api_client.post(reverse("accounts:signup"), {"username": "x"})

    assert response.status_code == 400
    body = response.json()
    assert set(body) == {"detail", "code", "fields"}
    assert body["code"] == "invalid"
    assert set(body["fields"]) == {"mobile", "password", "real_name"}


def test_missing_credentials_are_401_with_challenge(api_client):
    response = api_client.get(reverse("accounts:user-list"))

    assert response.status_code == 401
    assert set(response.json()) == {"detail", "code"}
    assert response.json()["code"] == "not_authenticated"
    assert response["WWW-Authenticate"] == "Token"


@pytest.mark.parametrize("debug", [True, False])
def test_unknown_api_url_is_json_404_whatever_debug_says(api_client, settings, debug):
    settings.DEBUG = debug

    response = api_client.get("/api/v1/no-such-thing/")

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": "Not found.", "code": "not_found"}


@pytest.mark.parametrize(
    "path", ["/api/v1/auth/users/me/sessions/a%0Ab/", "/api/%0A", "/api/v1/x%00y/"]
)
def test_unknown_api_url_with_control_characters_is_json_404(
    api_client, settings, path
):
    settings.DEBUG = True

    response = api_client.delete(path)

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_api_url_without_slash_redirects_get(api_client):
    response = api_client.get("/api/v1/health?x=1")

    assert response.status_code == 301
    assert response["Location"] == "/api/v1/health/?x=1"


def test_api_post_without_slash_is_404_naming_the_right_url(api_client):
    response = api_client.post("/api/v1/users/signup", {}, format="json")

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    assert "/api/v1/users/signup/" in response.json()["detail"]


def test_unknown_url_outside_api_is_json_404_when_debug_is_off(api_client, settings):
    settings.DEBUG = False

    response = api_client.get("/nowhere/")

    assert response.status_code == 404
    assert response.json() == {"detail": "Not found.", "code": "not_found"}


def test_wrong_method_is_405(api_client):
    response = api_client.delete(reverse("accounts:signup"))

    assert response.status_code == 405
    assert response.json()["code"] == "method_not_allowed"


def test_unsupported_content_type_is_415(api_client):
    response = api_client.generic(
        "POST", reverse("accounts:signup"), "a=b", content_type="text/plain"
    )

    assert response.status_code == 415
    assert response.json()["code"] == "unsupported_media_type"


def test_body_over_64_kib_is_413_and_changes_nothing(api_client):
    payload = json.dumps(
        {
            "username": "big",
            "mobile": "9012345678",
            "password": "a-long-passphrase-77",
            "real_name": "x" * 70_000,
        }
    )

    response = post_json(api_client, reverse("accounts:signup"), payload)

    assert response.status_code == 413
    assert response.json()["code"] == "request_too_large"
    assert User.objects.count() == 0


@pytest.mark.parametrize("raw", ['{"username": ', "not json", "[1, 2", b"\xff\xfe{}"])
def test_malformed_json_is_parse_error(api_client, raw):
    response = post_json(api_client, reverse("accounts:signup"), raw)

    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"


@pytest.mark.parametrize(
    "raw",
    [nested(101), nested(1_000), "[" * 30_000 + "]" * 30_000],
    ids=["101", "1000", "30000"],
)
def test_json_nested_deeper_than_100_levels_is_parse_error(api_client, raw):
    response = post_json(api_client, reverse("accounts:signup"), raw)

    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"


def test_json_nested_100_levels_is_parsed(api_client):
    response = post_json(api_client, reverse("accounts:signup"), nested(100))

    assert response.status_code == 400
    assert response.json()["code"] == "invalid"  # parsed, then validated


def test_json_array_nested_too_deep_is_parse_error(api_client):
    response = post_json(api_client, reverse("accounts:signup"), "[" * 101 + "]" * 101)

    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"


@pytest.mark.urls("config.tests.crash_urls")
@pytest.mark.parametrize("debug", [True, False])
def test_unexpected_exception_is_json_500_logged_with_request_id(
    settings, caplog, debug
):
    settings.DEBUG = debug
    client = APIClient(raise_request_exception=False)

    with caplog.at_level(logging.ERROR, logger="config.errors"):
        response = client.get("/api/v1/crash/")

    assert response.status_code == 500
    body = response.json()
    assert body["detail"] == "Something went wrong"
    assert body["code"] == "server_error"
    assert len(body["request_id"]) == 32
    assert response["X-Request-ID"] == body["request_id"]
    records = [r for r in caplog.records if body["request_id"] in r.getMessage()]
    assert len(records) == 1
    assert records[0].exc_info is not None
    assert "boom" not in response.content.decode()


@pytest.mark.urls("config.tests.crash_urls")
def test_server_error_log_carries_no_credentials_or_passwords(caplog):
    client = APIClient(raise_request_exception=False)
    client.credentials(
        HTTP_AUTHORIZATION="Token tok-3f9a-secret", HTTP_COOKIE="sessionid=key-77"
    )

    with caplog.at_level(logging.DEBUG):
        response = client.post(
            "/api/v1/crash/?password=in-query",
            {"password": "pw-in-body-123"},
            format="json",
        )

    assert response.status_code == 500
    logged = "\n".join(caplog.handler.format(record) for record in caplog.records)
    assert response.json()["request_id"] in logged
    for secret in ("tok-3f9a-secret", "key-77", "pw-in-body-123", "in-query"):
        assert secret not in logged


def test_unknown_api_url_answers_json_404_even_without_csrf_token(make_user):
    user = make_user()
    client = APIClient(enforce_csrf_checks=True)
    client.login(username=user.username, password=user.raw_password)

    response = client.delete("/api/v1/auth/users/me/sessions/0/")

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_csrf_failure_under_api_is_json(rf):
    from config.errors import csrf_failure

    response = csrf_failure(rf.post("/api/v1/anything/"), reason="CSRF cookie not set.")

    assert response.status_code == 403
    assert json.loads(response.content)["code"] == "permission_denied"
