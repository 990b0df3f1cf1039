import pytest
from django.urls import reverse
from swagger_spec_validator.validator20 import validate_spec

pytestmark = pytest.mark.django_db

PUBLIC_OPERATIONS = {
    ("post", "/api/v1/auth/login/"),
    ("post", "/api/v1/auth/login/mfa/"),
    ("post", "/api/v1/auth/register/"),
    ("post", "/api/v1/auth/token/refresh/"),
    ("get", "/api/v1/auth/csrf/"),
    ("post", "/api/v1/auth/browser/login/"),
    ("post", "/api/v1/users/signup/"),
    ("post", "/users/signup/"),
    ("get", "/api/v1/health/"),
    ("post", "/api/v1/auth/password/reset/"),
    ("post", "/api/v1/auth/password/reset/confirm/"),
    ("post", "/api/v1/auth/email/verify/"),
    ("post", "/api/v1/auth/browser/login/mfa/"),
    ("post", "/api/auth/login/"),
    ("post", "/api/auth/register/"),
}


@pytest.fixture
def spec(api_client) -> dict:
    response = api_client.get(reverse("schema-json", kwargs={"format": "json"}))
    assert response.status_code == 200
    return response.json()


def operations(spec: dict):
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            if method != "parameters":
                yield method, path, operation


def test_schema_passes_the_swagger_2_validator(spec):
    validate_spec(spec)  # raises SwaggerValidationError on any violation


def test_schema_documents_every_endpoint(spec):
    documented = {(method, path) for method, path, _ in operations(spec)}

    assert {
        ("post", "/api/v1/auth/register/"),
        ("post", "/api/v1/auth/login/"),
        ("post", "/api/v1/auth/logout/"),
        ("post", "/api/v1/auth/password/"),
        ("get", "/api/v1/auth/users/me/"),
        ("patch", "/api/v1/auth/users/me/"),
        ("get", "/api/v1/auth/users/me/sessions/"),
        ("delete", "/api/v1/auth/users/me/sessions/"),
        ("get", "/api/v1/auth/users/me/sessions/{id}/"),
        ("delete", "/api/v1/auth/users/me/sessions/{id}/"),
        ("get", "/api/v1/users/"),
        ("post", "/api/v1/users/signup/"),
        ("get", "/api/v1/users/{mobile}/sessions/"),
        ("delete", "/api/v1/sessions/{id}/"),
        ("get", "/api/v1/health/"),
        ("get", "/users/list/"),
        ("post", "/users/signup/"),
        ("post", "/api/v1/auth/password/reset/"),
        ("post", "/api/v1/auth/password/reset/confirm/"),
        ("get", "/api/v1/auth/users/me/events/"),
        ("get", "/users/session/{mobile}/"),
        ("get", "/users/session/{mobile}/v/"),
        ("post", "/api/v1/auth/token/refresh/"),
        ("get", "/api/v1/auth/csrf/"),
        ("post", "/api/v1/auth/browser/login/"),
        ("post", "/api/v1/auth/browser/logout/"),
    } <= documented


def test_token_security_scheme_lets_swagger_ui_authorize(spec):
    assert spec["securityDefinitions"]["Token"] == {
        "type": "apiKey",
        "in": "header",
        "name": "Authorization",
        "description": spec["securityDefinitions"]["Token"]["description"],
    }


def test_public_operations_need_no_credentials_and_others_inherit_token(spec):
    for method, path, operation in operations(spec):
        if (method, path) in PUBLIC_OPERATIONS:
            assert operation["security"] == [], (method, path)
        else:
            assert "security" not in operation, (method, path)
            assert {"401", "403"} <= set(operation["responses"]), (method, path)


def test_every_error_response_uses_the_shared_error_schema(spec):
    for method, path, operation in operations(spec):
        errors = {
            code: r for code, r in operation["responses"].items() if code >= "400"
        }
        assert errors, (method, path)
        for code, response in errors.items():
            assert response["schema"] == {"$ref": "#/definitions/Error"}, (
                method,
                path,
                code,
            )


def test_operations_are_grouped_by_area(spec):
    tags = {operation["tags"][0] for _, _, operation in operations(spec)}

    assert {
        "sign-in",
        "me",
        "sessions",
        "staff",
        "users",
        "health",
        "original routes",
    } <= tags


def test_tags_are_listed_in_reading_order_original_routes_last(spec):
    listed = [tag["name"] for tag in spec["tags"]]
    used = {operation["tags"][0] for _, _, operation in operations(spec)}

    assert listed[:3] == ["sign-in", "me", "sessions"]
    assert listed[-1] == "original routes"
    assert set(listed) == used
    assert all(tag["description"] for tag in spec["tags"])


def test_every_operation_has_a_summary_and_a_readable_id(spec):
    ids = [operation["operationId"] for _, _, operation in operations(spec)]

    for method, path, operation in operations(spec):
        assert operation.get("summary"), (method, path)
        assert len(operation["summary"]) <= 120, (method, path)
    assert len(ids) == len(set(ids))
    assert not [i for i in ids if i.startswith("api_v1_") or "-" in i]
    login = spec["paths"]["/api/v1/auth/login/"]["post"]
    assert login["operationId"] == "login"
    assert spec["paths"]["/api/v1/"]["get"]["operationId"] == "api_root"


def test_login_documents_its_body_and_the_refusal(spec):
    login = spec["paths"]["/api/v1/auth/login/"]["post"]

    body = next(p for p in login["parameters"] if p["in"] == "body")
    assert body["schema"] == {"$ref": "#/definitions/Login"}
    assert {"200", "400", "409", "429"} <= set(login["responses"])
    assert login["responses"]["200"]["schema"] == {
        "$ref": "#/definitions/LoginResponse"
    }


@pytest.mark.parametrize("name", ["schema-swagger-ui", "schema-redoc"])
def test_docs_pages_render(api_client, name):
    response = api_client.get(reverse(name))

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")


def test_swagger_ui_session_login_points_at_the_browsable_login(api_client):
    response = api_client.get(reverse("schema-swagger-ui"))

    assert "/api-auth/login/" in response.content.decode()


def test_blank_and_null_model_values_are_allowed_in_answers(spec):
    session = spec["definitions"]["Session"]["properties"]
    user = spec["definitions"]["User"]["properties"]

    assert "" in session["end_reason"]["enum"]
    assert session["ended_at"]["x-nullable"] is True
    assert session["ip_address"]["x-nullable"] is True
    assert "minLength" not in user["email"] and "format" not in user["email"]
