"""Hostile and broken input to messaging: a clean 4xx, documented, nothing stored."""

import json

import pytest
from django.urls import reverse

from accounts.models import User
from messaging.models import Block, Message
from messaging.tests.factories import make_message

pytestmark = pytest.mark.django_db

SEND = reverse("messaging:message-list")
SENT = reverse("messaging:message-sent")
RECEIVED = reverse("messaging:message-received")
BLOCKS = reverse("messaging:block-list")
HUGE = "x" * 60_000  # under the 64 KiB body limit, far over every field's limit


def assert_error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content[:300]
    body = response.json()
    assert body["code"] == code
    assert isinstance(body["detail"], str) and body["detail"]
    return body


@pytest.fixture
def pair(make_user, token_client):
    alice, bob = make_user(username="alice"), make_user(username="bob")
    return token_client(alice), bob


@pytest.mark.parametrize("field", ["receiver", "content"])
@pytest.mark.parametrize("value", [HUGE, "nul\x00byte", ["a", "b"], {"x": 1}, None])
def test_message_fields_refuse_odd_values(pair, field, value):
    client, bob = pair
    data = {"receiver": bob.username, "content": "Hi", field: value}

    response = client.post(SEND, data)

    assert field in assert_error(response, 400, "invalid")["fields"]
    assert not Message.objects.exists()


@pytest.mark.parametrize("value", [HUGE, "nul\x00byte", ["bob"], {"x": 1}, None, ""])
def test_block_field_refuses_odd_values(pair, value):
    client, _ = pair

    response = client.post(BLOCKS, {"blocked": value})

    assert "blocked" in assert_error(response, 400, "invalid")["fields"]
    assert not Block.objects.exists()


def test_lone_surrogates_in_content_are_refused(pair):
    client, bob = pair
    body = '{"receiver": "bob", "content": "half \\ud800 a character"}'

    response = client.generic("POST", SEND, body, content_type="application/json")

    assert "content" in assert_error(response, 400, "invalid")["fields"]


@pytest.mark.parametrize(
    "body", ["[]", '"a string"', "123", "null", '[{"receiver": "bob"}]']
)
@pytest.mark.parametrize("url", [SEND, BLOCKS, "/api/message", "/api/block"])
def test_non_objects_are_400(pair, body, url):
    client, _ = pair

    response = client.generic("POST", url, body, content_type="application/json")

    assert_error(response, 400, "invalid")


@pytest.mark.parametrize("body", ['{"receiver": ', '{"receiver": "bob",}', "NaN"])
def test_malformed_json_is_parse_error(pair, body):
    client, _ = pair

    response = client.generic("POST", SEND, body, content_type="application/json")

    assert_error(response, 400, "parse_error")


def test_a_body_over_64_kib_is_413(pair):
    client, bob = pair
    body = json.dumps({"receiver": bob.username, "content": "x" * 70_000})

    response = client.generic("POST", SEND, body, content_type="application/json")

    assert_error(response, 413, "request_too_large")
    assert not Message.objects.exists()


def test_form_encoded_message_works_like_json(pair):
    client, bob = pair

    response = client.post(
        SEND, {"receiver": bob.username, "content": "form"}, format="multipart"
    )

    assert response.status_code == 201


@pytest.mark.parametrize(
    "receiver", ["' OR '1'='1", "bob'--", "<script>", "%", "_", "bo%", "b_b"]
)
def test_sql_and_wildcard_payloads_as_receiver_are_unknown(pair, receiver):
    client, _ = pair

    response = client.post(SEND, {"receiver": receiver, "content": "Hi"})

    assert "receiver" in assert_error(response, 400, "invalid")["fields"]
    assert not Message.objects.exists()


@pytest.mark.parametrize("receiver", ["ＢＯＢ", "BOB", "Bob"])
def test_receiver_matches_as_login_does_after_nfkc(pair, receiver):
    client, bob = pair

    response = client.post(SEND, {"receiver": receiver, "content": "Hi"})

    assert response.status_code == 201
    assert Message.objects.get().receiver == bob


@pytest.mark.parametrize(
    "payload",
    ["<script>alert(1)</script>", "'; DROP TABLE messaging_message; --", "{{7*7}}"],
)
def test_script_and_sql_payloads_are_stored_and_returned_inert(pair, payload):
    client, bob = pair

    sent = client.post(SEND, {"receiver": bob.username, "content": payload})
    shown = client.get(SENT)

    assert sent.status_code == 201
    assert shown["Content-Type"] == "application/json"
    assert shown.json()["results"][0]["content"] == payload


@pytest.mark.parametrize(
    ("url", "param"),
    [
        (SEND, "with"),
        (SEND, "date"),
        (SEND, "page"),
        (SENT, "receiver"),
        (SENT, "date"),
        (RECEIVED, "sender"),
        (RECEIVED, "page"),
        (BLOCKS, "page"),
    ],
)
def test_nul_bytes_in_query_parameters_are_400(pair, url, param):
    client, _ = pair

    response = client.get(url, {param: "1\x00"})

    assert param in assert_error(response, 400, "invalid")["fields"]


@pytest.mark.parametrize("param", ["with", "page_size", "date"])
def test_repeated_and_empty_query_parameters_answer_cleanly(pair, param):
    client, bob = pair
    make_message(sender=bob, receiver=User.objects.get(username="alice"))

    repeated = client.get(f"{SEND}?{param}=bob&{param}=carol")
    empty = client.get(f"{SEND}?{param}=")

    assert repeated.status_code in {200, 400}
    assert empty.status_code in {200, 400}


def test_huge_page_number_is_404(pair):
    client, _ = pair

    response = client.get(SENT, {"page": "9" * 30})

    assert_error(response, 404, "not_found")


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/blocks/%00/",
        "/api/v1/blocks/bob%00/",
        "/api/v1/blocks/' OR 1=1 --/",
        f"/api/v1/blocks/{'x' * 300}/",
        "/api/v1/blocks/%ff%fe/",
    ],
)
def test_odd_usernames_in_the_unblock_path_are_404(pair, path):
    client, _ = pair

    assert_error(client.delete(path), 404, "not_found")


@pytest.mark.parametrize("method", ["put", "patch"])
@pytest.mark.parametrize("url", [SEND, SENT, BLOCKS, "/api/message/sent", "/api/block"])
def test_unsupported_methods_are_405(pair, method, url):
    client, _ = pair

    response = getattr(client, method)(url, {})

    assert_error(response, 405, "method_not_allowed")
