"""Hostile and broken input: a clean 4xx in the documented shape, nothing changed."""

import json

import pytest
from django.urls import reverse

from accounts.models import User
from sessions_app.models import UserSession

pytestmark = pytest.mark.django_db

SIGNUP = {
    "username": "meera",
    "mobile": "9012345678",
    "password": "a-long-passphrase-77",
    "real_name": "Meera Nair",
    "tz": "Asia/Kolkata",
    "email": "meera@example.com",
}
HUGE = "x" * 60_000  # under the 64 KiB body limit, far over every field's limit


def post_raw(
    client, url: str, body: bytes | str, content_type: str = "application/json"
):
    return client.generic("POST", url, body, content_type=content_type)


def assert_error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content[:300]
    body = response.json()
    assert body["code"] == code
    assert isinstance(body["detail"], str) and body["detail"]
    return body


@pytest.mark.parametrize("name", ["accounts:signup", "sessions:register"])
@pytest.mark.parametrize("field", sorted(SIGNUP))
@pytest.mark.parametrize("value", [HUGE, "nul\x00byte"], ids=["huge", "nul"])
def test_signup_fields_refuse_huge_and_nul_values(api_client, name, field, value):
    response = api_client.post(reverse(name), {**SIGNUP, field: value})

    body = assert_error(response, 400, "invalid")
    assert field in body["fields"]
    assert not User.objects.exists()


@pytest.mark.parametrize("field", ["username", "password"])
@pytest.mark.parametrize("value", [HUGE, "nul\x00byte"], ids=["huge", "nul"])
def test_login_fields_refuse_huge_and_nul_values(make_user, api_client, field, value):
    user = make_user()
    data = {"username": user.username, "password": user.raw_password, field: value}

    response = api_client.post(reverse("sessions:login"), data)

    body = assert_error(response, 400, "invalid")
    assert field in body["fields"]
    assert not UserSession.objects.exists()


@pytest.mark.parametrize("value", [HUGE, "9\x00012345678", "+91 ٩٠١٢٣٤٥٦٧٨", "9" * 200])
def test_login_mobile_refuses_odd_values(api_client, value):
    response = api_client.post(
        reverse("sessions:login"), {"mobile": value, "password": "whatever-pass"}
    )

    assert response.status_code == 400
    assert response.json()["code"] in {"invalid", "invalid_credentials"}


@pytest.mark.parametrize("field", ["real_name", "tz", "email"])
@pytest.mark.parametrize("value", [HUGE, "nul\x00byte"], ids=["huge", "nul"])
def test_profile_fields_refuse_huge_and_nul_values(
    make_user, token_client, field, value
):
    user = make_user(real_name="Before")

    response = token_client(user).patch(reverse("sessions:me"), {field: value})

    body = assert_error(response, 400, "invalid")
    assert field in body["fields"]
    user.refresh_from_db()
    assert user.real_name == "Before"


@pytest.mark.parametrize("field", ["current_password", "new_password"])
def test_password_change_refuses_nul_values(make_user, token_client, field):
    user = make_user()
    data = {
        "current_password": user.raw_password,
        "new_password": "a-new-long-pass-1",
        field: "nul\x00byte-long-enough",
    }

    response = token_client(user).post(reverse("sessions:password-change"), data)

    assert field in assert_error(response, 400, "invalid")["fields"]
    user.refresh_from_db()
    assert user.check_password(user.raw_password)


@pytest.mark.parametrize(
    ("name", "param"),
    [
        ("sessions:session-list", "status"),
        ("sessions:session-list", "page"),
        ("sessions:session-list", "page_size"),
        ("sessions:event-list", "page"),
        ("accounts:user-list", "page_size"),
    ],
)
def test_nul_bytes_in_query_parameters_are_refused_cleanly(
    make_user, token_client, name, param
):
    response = token_client(make_user()).get(reverse(name), {param: "1\x00"})

    assert response.status_code in {200, 400, 404}
    if response.status_code != 200:
        assert response.json()["code"] in {"invalid", "not_found"}


def test_nul_bytes_in_staff_lookup_path_are_404(make_user, token_client):
    staff = token_client(make_user(is_staff=True))

    response = staff.get("/api/v1/users/90123%0045678/sessions/")

    assert_error(response, 404, "not_found")


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/auth/users/me/sessions/not-a-uuid/",
        "/api/v1/auth/users/me/sessions/%00/",
        "/api/v1/auth/users/me/sessions/12345678-1234-1234-1234-1234567890123/",
        "/api/v1/sessions/' OR 1=1 --/",
    ],
)
def test_invalid_ids_in_urls_are_404(make_user, token_client, path):
    response = token_client(make_user(is_staff=True)).delete(path)

    assert_error(response, 404, "not_found")


@pytest.mark.parametrize(
    "page", ["0", "-1", "abc", "1e3", "99999999999999999999999", "1.5"]
)
def test_odd_page_numbers_are_404(make_user, token_client, page):
    response = token_client(make_user()).get(
        reverse("sessions:session-list"), {"page": page}
    )

    assert_error(response, 404, "not_found")


@pytest.mark.parametrize("page_size", ["0", "-1", "abc", "99999999999999999999999"])
def test_odd_page_sizes_fall_back_or_cap(make_user, token_client, page_size):
    response = token_client(make_user()).get(
        reverse("sessions:session-list"), {"page_size": page_size}
    )

    assert response.status_code == 200
    assert response.json()["count"] == 1


@pytest.mark.parametrize(
    "content_type",
    [
        "text/plain",
        "application/xml",
        "application/x-www-form-urlencoded; charset=nope",
        "image/png",
    ],
)
def test_unsupported_or_broken_content_types_are_4xx(api_client, content_type):
    response = post_raw(
        api_client,
        reverse("accounts:signup"),
        json.dumps(SIGNUP),
        content_type=content_type,
    )

    assert response.status_code in {400, 415}
    assert response.json()["code"] in {
        "unsupported_media_type",
        "parse_error",
        "invalid",
    }
    assert not User.objects.exists()


def test_missing_content_type_is_treated_as_no_data(api_client):
    response = post_raw(
        api_client, reverse("accounts:signup"), json.dumps(SIGNUP), content_type=""
    )

    assert response.status_code in {400, 415}
    assert not User.objects.exists()


def test_form_encoded_signup_works_like_json(api_client):
    response = api_client.post(reverse("accounts:signup"), SIGNUP, format="multipart")

    assert response.status_code == 201


@pytest.mark.parametrize(
    "body",
    [
        b"\xff\xfe\x00{",
        '{"username": "caf\xe9"}'.encode("latin-1"),
        b'{"a": "\xed\xa0\x80"}',
    ],
)
def test_non_utf8_json_is_parse_error(api_client, body):
    assert_error(
        post_raw(api_client, reverse("accounts:signup"), body), 400, "parse_error"
    )


def test_duplicate_json_keys_are_parse_error(api_client):
    body = '{"username": "meera", "username": "admin", "mobile": "9012345678"}'

    assert_error(
        post_raw(api_client, reverse("accounts:signup"), body), 400, "parse_error"
    )
    assert not User.objects.exists()


@pytest.mark.parametrize("body", ["NaN", '{"force": Infinity}', '{"a": -Infinity}'])
def test_non_standard_json_constants_are_parse_error(api_client, body):
    assert_error(
        post_raw(api_client, reverse("sessions:login"), body), 400, "parse_error"
    )


@pytest.mark.parametrize(
    "body", ["[]", "[1, 2]", '"a string"', "123", "null", "true", '[{"username": "x"}]']
)
@pytest.mark.parametrize("name", ["accounts:signup", "sessions:login"])
def test_non_objects_where_objects_are_expected_are_400(api_client, body, name):
    response = post_raw(api_client, reverse(name), body)

    assert_error(response, 400, "invalid")


def test_wrong_types_in_fields_are_400(api_client):
    response = api_client.post(
        reverse("sessions:login"),
        {"username": ["a", "b"], "password": {"x": 1}, "force": "maybe"},
    )

    body = assert_error(response, 400, "invalid")
    assert {"username", "password", "force"} <= set(body["fields"])


@pytest.mark.parametrize(
    "payload",
    [
        "<script>alert(1)</script>",
        "'; DROP TABLE accounts_user; --",
        '" OR "1"="1',
        "{{7*7}} ${7*7}",
    ],
)
def test_sql_and_script_payloads_are_stored_and_returned_inert(
    make_user, token_client, payload
):
    user = make_user()
    client = token_client(user)

    changed = client.patch(reverse("sessions:me"), {"real_name": payload})
    shown = client.get(reverse("sessions:me"))

    assert changed.status_code == 200
    assert shown["Content-Type"] == "application/json"
    assert shown.json()["real_name"] == payload
    assert User.objects.count() == 1


@pytest.mark.parametrize("username", ["' OR '1'='1", "admin'--", "<script>"])
def test_sql_payloads_as_login_names_are_just_wrong_credentials(
    make_user, api_client, username
):
    make_user(username="admin")

    response = api_client.post(
        reverse("sessions:login"), {"username": username, "password": "' OR '1'='1"}
    )

    assert_error(response, 400, "invalid_credentials")
    assert User.objects.count() == 1


@pytest.mark.parametrize(
    ("taken", "attempt"),
    [
        ("fiona", "ﬁona"),  # the "fi" ligature
        ("fiona", "ＦＩＯＮＡ"),  # fullwidth capitals
        ("r2d2", "r²d²"),  # superscripts
        ("anna", "ANNA"),
    ],
)
def test_nfkc_and_case_variants_of_a_taken_username_are_refused(
    make_user, api_client, taken, attempt
):
    make_user(username=taken)

    response = api_client.post(
        reverse("accounts:signup"), {**SIGNUP, "username": attempt}
    )

    assert set(assert_error(response, 400, "invalid")["fields"]) == {"username"}


@pytest.mark.parametrize(
    "username", ["аdmin", "ädmin", "admín", "admin\u200b", "ad min"]
)
def test_look_alike_usernames_from_other_scripts_are_refused(api_client, username):
    response = api_client.post(
        reverse("accounts:signup"), {**SIGNUP, "username": username}
    )

    assert set(assert_error(response, 400, "invalid")["fields"]) == {"username"}


@pytest.mark.parametrize(
    "spelling",
    [
        "+91 90123 45678",
        "(+91) 90123-45678",
        "0 9012345678",
        "+91.901.234.5678",
        "00919012345678",
    ],
)
def test_odd_mobile_spellings_log_into_the_same_user(make_user, api_client, spelling):
    user = make_user(mobile="+919012345678")

    response = api_client.post(
        reverse("sessions:login"), {"mobile": spelling, "password": user.raw_password}
    )

    assert response.status_code == 200, response.json()
    assert response.json()["user"]["id"] == str(user.pk)
