from collections import Counter

import pytest
from django.urls import reverse
from swagger_spec_validator.validator20 import validate_spec

pytestmark = pytest.mark.django_db

V1 = {
    ("get", "/api/v1/messages/"),
    ("post", "/api/v1/messages/"),
    ("get", "/api/v1/messages/sent/"),
    ("get", "/api/v1/messages/received/"),
    ("get", "/api/v1/blocks/"),
    ("post", "/api/v1/blocks/"),
    ("delete", "/api/v1/blocks/{username}/"),
}
ORIGINAL = {
    ("post", "/api/auth/register/"),
    ("post", "/api/auth/login/"),
    ("post", "/api/auth/logout/"),
    ("get", "/api/message/"),
    ("post", "/api/message/"),
    ("get", "/api/message/sent/"),
    ("get", "/api/message/received/"),
    ("post", "/api/block/"),
}


@pytest.fixture
def spec(api_client) -> dict:
    response = api_client.get(reverse("schema-json", kwargs={"format": "json"}))
    assert response.status_code == 200
    return response.json()


def operations(spec: dict) -> dict[tuple[str, str], dict]:
    return {
        (method, path): operation
        for path, item in spec["paths"].items()
        for method, operation in item.items()
        if method != "parameters"
    }


def test_schema_with_messaging_passes_the_swagger_2_validator(spec):
    validate_spec(spec)


def test_every_messaging_route_is_documented_and_tagged(spec):
    documented = operations(spec)

    assert V1 | ORIGINAL <= set(documented)
    for key in V1:
        assert documented[key]["tags"] == ["messaging"], key
    for key in ORIGINAL:
        assert documented[key]["tags"] == ["original routes"], key


def test_operation_ids_stay_unique(spec):
    ids = Counter(op["operationId"] for op in operations(spec).values())

    assert [name for name, count in ids.items() if count > 1] == []


def test_original_sign_in_routes_are_public_and_the_rest_need_a_session(spec):
    documented = operations(spec)

    for key in [("post", "/api/auth/register/"), ("post", "/api/auth/login/")]:
        assert documented[key]["security"] == [], key
    for key in (V1 | ORIGINAL) - {
        ("post", "/api/auth/register/"),
        ("post", "/api/auth/login/"),
    }:
        assert "security" not in documented[key], key
        assert {"401", "403"} <= set(documented[key]["responses"]), key


def test_refusals_are_documented_in_the_error_schema(spec):
    documented = operations(spec)
    error = {"$ref": "#/definitions/Error"}

    for path in ("/api/v1/messages/", "/api/message/"):
        refused = documented[("post", path)]["responses"]["403"]
        assert "`blocked`" in refused["description"]
        assert refused["schema"] == error
    for path in ("/api/v1/blocks/", "/api/block/"):
        twice = documented[("post", path)]["responses"]["409"]
        assert "`already_blocked`" in twice["description"]
        assert twice["schema"] == error
    assert "404" in documented[("delete", "/api/v1/blocks/{username}/")]["responses"]
    for path in ("/api/v1/messages/sent/", "/api/message/received/", "/api/v1/blocks/"):
        responses = documented[("get", path)]["responses"]
        assert {"200", "400", "404"} <= set(responses), path


def test_lists_document_their_filters_and_pages(spec):
    def parameters(path: str) -> set[str]:
        return {p["name"] for p in operations(spec)[("get", path)]["parameters"]}

    assert parameters("/api/v1/messages/") == {"date", "with", "page", "page_size"}
    assert parameters("/api/v1/messages/sent/") == {
        "date",
        "receiver",
        "page",
        "page_size",
    }
    assert parameters("/api/message/received/") == {
        "date",
        "sender",
        "page",
        "page_size",
    }
