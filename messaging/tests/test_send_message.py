import logging

import pytest
from django.urls import reverse

from messaging.exceptions import BLOCKED_DETAIL
from messaging.models import Message
from messaging.tests.factories import make_block

pytestmark = pytest.mark.django_db

SEND = reverse("messaging:message-list")


def test_send_stores_the_message_and_answers_it(make_user, token_client):
    alice, bob = make_user(username="alice"), make_user(username="bob")

    response = token_client(alice).post(SEND, {"receiver": "bob", "content": "Hi Bob"})

    assert response.status_code == 201
    body = response.json()
    assert set(body) == {"id", "sender", "receiver", "content", "created_at"}
    assert (body["sender"], body["receiver"], body["content"]) == (
        "alice",
        "bob",
        "Hi Bob",
    )
    message = Message.objects.get()
    assert (message.pk, message.sender, message.receiver) == (body["id"], alice, bob)


def test_receiver_username_matches_in_any_case(make_user, token_client):
    alice, bob = make_user(), make_user(username="Bob.Smith")

    response = token_client(alice).post(
        SEND, {"receiver": "bOB.smITH", "content": "Hi"}
    )

    assert response.status_code == 201
    assert response.json()["receiver"] == "Bob.Smith"
    assert Message.objects.get().receiver == bob


def test_content_is_trimmed(make_user, token_client):
    alice, bob = make_user(), make_user()

    response = token_client(alice).post(
        SEND, {"receiver": bob.username, "content": "  \n spaced out \t "}
    )

    assert response.status_code == 201
    assert Message.objects.get().content == "spaced out"


def test_unknown_receiver_is_400_with_the_field(make_user, token_client):
    alice = make_user()

    response = token_client(alice).post(SEND, {"receiver": "nobody", "content": "Hi"})

    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert "receiver" in response.json()["fields"]
    assert not Message.objects.exists()


def test_deactivated_receiver_is_unknown(make_user, token_client):
    alice, gone = make_user(), make_user(is_active=False)

    response = token_client(alice).post(
        SEND, {"receiver": gone.username, "content": "Hi"}
    )

    assert response.status_code == 400
    assert "receiver" in response.json()["fields"]


def test_messaging_oneself_is_400(make_user, token_client):
    alice = make_user()

    response = token_client(alice).post(
        SEND, {"receiver": alice.username.upper(), "content": "Note to self"}
    )

    assert response.status_code == 400
    assert "receiver" in response.json()["fields"]
    assert not Message.objects.exists()


@pytest.mark.parametrize("content", ["", "   ", "\n\t ", None])
def test_empty_content_is_400(make_user, token_client, content):
    alice, bob = make_user(), make_user()
    data = {"receiver": bob.username}
    if content is not None:
        data["content"] = content

    response = token_client(alice).post(SEND, data)

    assert response.status_code == 400
    assert "content" in response.json()["fields"]


def test_content_of_2000_characters_after_trimming_is_accepted(make_user, token_client):
    alice, bob = make_user(), make_user()

    response = token_client(alice).post(
        SEND, {"receiver": bob.username, "content": "  " + "é" * 2000 + "  "}
    )

    assert response.status_code == 201
    assert len(Message.objects.get().content) == 2000


def test_content_over_2000_characters_is_400(make_user, token_client):
    alice, bob = make_user(), make_user()

    response = token_client(alice).post(
        SEND, {"receiver": bob.username, "content": "x" * 2001}
    )

    assert response.status_code == 400
    assert "content" in response.json()["fields"]
    assert not Message.objects.exists()


@pytest.mark.parametrize("content", ["bell\x07", "esc\x1b[31m", "del\x7f", "nul\x00"])
def test_control_characters_are_refused(make_user, token_client, content):
    alice, bob = make_user(), make_user()

    response = token_client(alice).post(
        SEND, {"receiver": bob.username, "content": content}
    )

    assert response.status_code == 400
    assert "content" in response.json()["fields"]


def test_multiline_plain_text_is_kept(make_user, token_client):
    alice, bob = make_user(), make_user()
    text = "Line one\n\tLine two\r\nNamaste 🙏 <b>not html</b>"

    response = token_client(alice).post(
        SEND, {"receiver": bob.username, "content": text}
    )

    assert response.status_code == 201
    assert Message.objects.get().content == text


def test_receiver_who_blocked_the_sender_refuses_and_nothing_is_stored(
    make_user, token_client
):
    alice, bob = make_user(), make_user()
    make_block(blocker=bob, blocked=alice)

    response = token_client(alice).post(
        SEND, {"receiver": bob.username, "content": "Hi"}
    )

    assert response.status_code == 403
    assert response.json() == {"detail": str(BLOCKED_DETAIL), "code": "blocked"}
    assert str(BLOCKED_DETAIL) == "This user does not accept your messages."
    assert not Message.objects.exists()


def test_blocking_is_one_way(make_user, token_client):
    alice, bob = make_user(), make_user()
    make_block(blocker=alice, blocked=bob)

    response = token_client(alice).post(
        SEND, {"receiver": bob.username, "content": "Hi"}
    )

    assert response.status_code == 201


def test_blocks_by_others_do_not_refuse(make_user, token_client):
    alice, bob, carol = make_user(), make_user(), make_user()
    make_block(blocker=carol, blocked=alice)
    make_block(blocker=bob, blocked=carol)

    response = token_client(alice).post(
        SEND, {"receiver": bob.username, "content": "Hi"}
    )

    assert response.status_code == 201


@pytest.mark.parametrize("path", ["/api/message", "/api/message/", "/api/v1/messages/"])
def test_every_send_route_answers_without_redirect(make_user, token_client, path):
    alice, bob = make_user(), make_user()

    response = token_client(alice).post(
        path, {"receiver": bob.username, "content": "Hi"}
    )

    assert response.status_code == 201
    assert response.json()["receiver"] == bob.username


def test_send_from_a_superseded_token_is_403_with_the_reason(make_user, token_client):
    alice, bob = make_user(), make_user()
    old_device = token_client(alice)
    token_client(alice)  # the new login ends the first session

    response = old_device.post(
        "/api/message", {"receiver": bob.username, "content": "Hi"}
    )

    assert response.status_code == 403
    assert response.json()["code"] == "session_superseded"
    assert not Message.objects.exists()


def test_send_without_credentials_is_401(make_user, api_client):
    bob = make_user()

    response = api_client.post(SEND, {"receiver": bob.username, "content": "Hi"})

    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def test_send_from_a_browser_session_works(make_user, cookie_client):
    alice, bob = make_user(), make_user()
    client = cookie_client(alice)

    response = client.post(
        SEND, {"receiver": bob.username, "content": "From a browser"}
    )

    assert response.status_code == 201


def test_logs_name_the_parties_never_the_content(make_user, token_client, caplog):
    alice, bob, carol = make_user(), make_user(), make_user()
    make_block(blocker=carol, blocked=alice)
    client = token_client(alice)
    secret = "my-secret-words-1234"

    with caplog.at_level(logging.INFO, logger="messaging"):
        client.post(SEND, {"receiver": bob.username, "content": secret})
        client.post(SEND, {"receiver": carol.username, "content": secret})

    lines = [r.getMessage() for r in caplog.records if r.name == "messaging"]
    assert len(lines) == 2
    sent, refused = lines
    message = Message.objects.get()
    assert f"id={message.pk}" in sent
    assert alice.username in sent and bob.username in sent
    assert "refused" in refused and carol.username in refused
    assert all(secret not in line for line in caplog.messages)
