import logging

import pytest
from django.urls import reverse

from messaging.models import Block, Message
from messaging.tests.factories import make_block
from sessions_app.models import EventKind, SecurityEvent

pytestmark = pytest.mark.django_db

BLOCKS = reverse("messaging:block-list")


def unblock_url(username: str) -> str:
    return reverse("messaging:block-detail", kwargs={"username": username})


def test_block_stores_it_and_answers_the_username(make_user, token_client):
    alice, bob = make_user(), make_user(username="Bob")

    response = token_client(alice).post(BLOCKS, {"blocked": "bob"})

    assert response.status_code == 201
    assert set(response.json()) == {"blocked", "created_at"}
    assert response.json()["blocked"] == "Bob"
    assert Block.objects.get().blocker == alice
    assert Block.objects.get().blocked == bob


def test_blocked_member_can_no_longer_message_the_blocker(make_user, token_client):
    alice, bob = make_user(), make_user()
    token_client(alice).post(BLOCKS, {"blocked": bob.username})

    response = token_client(bob).post(
        reverse("messaging:message-list"), {"receiver": alice.username, "content": "Hi"}
    )

    assert response.status_code == 403
    assert response.json()["code"] == "blocked"
    assert not Message.objects.exists()


def test_blocking_twice_is_409(make_user, token_client):
    alice, bob = make_user(), make_user()
    client = token_client(alice)
    client.post(BLOCKS, {"blocked": bob.username})

    response = client.post(BLOCKS, {"blocked": bob.username.upper()})

    assert response.status_code == 409
    assert response.json()["code"] == "already_blocked"
    assert Block.objects.count() == 1
    assert SecurityEvent.objects.filter(kind=EventKind.USER_BLOCKED).count() == 1


def test_blocking_an_unknown_member_is_400_with_the_field(make_user, token_client):
    response = token_client(make_user()).post(BLOCKS, {"blocked": "nobody"})

    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert "blocked" in response.json()["fields"]
    assert not Block.objects.exists()


@pytest.mark.parametrize("body", [{}, {"blocked": ""}, {"blocked": "x" * 151}])
def test_block_without_a_valid_username_is_400(make_user, token_client, body):
    response = token_client(make_user()).post(BLOCKS, body)

    assert response.status_code == 400
    assert "blocked" in response.json()["fields"]


def test_blocking_oneself_is_400(make_user, token_client):
    alice = make_user()

    response = token_client(alice).post(BLOCKS, {"blocked": alice.username})

    assert response.status_code == 400
    assert "blocked" in response.json()["fields"]
    assert not Block.objects.exists()


def test_block_records_a_security_event_for_the_blocker(make_user, token_client):
    alice, bob = make_user(), make_user()
    client = token_client(alice, HTTP_USER_AGENT="curl/8.5.0")

    client.post(BLOCKS, {"blocked": bob.username})

    event = SecurityEvent.objects.get(kind=EventKind.USER_BLOCKED)
    assert event.user == alice
    assert str(event.session_id) == client.session_id
    assert event.detail == {"blocked": bob.username, "blocked_id": str(bob.pk)}
    assert event.ip_address == "127.0.0.1"
    assert not SecurityEvent.objects.filter(user=bob, kind=EventKind.USER_BLOCKED)


def test_blocker_sees_the_event_in_their_own_events(make_user, token_client):
    alice, bob = make_user(), make_user()
    client = token_client(alice)
    client.post(BLOCKS, {"blocked": bob.username})

    events = client.get(reverse("sessions:event-list")).json()["results"]

    assert events[0]["kind"] == "user_blocked"
    assert events[0]["detail"]["blocked"] == bob.username


def test_list_blocks_newest_first_and_only_ones_own(make_user, token_client):
    alice, bob, carol = make_user(), make_user(), make_user()
    client = token_client(alice)
    client.post(BLOCKS, {"blocked": bob.username})
    client.post(BLOCKS, {"blocked": carol.username})
    make_block(blocker=carol, blocked=alice)

    response = client.get(BLOCKS)

    assert response.status_code == 200
    assert response.json()["count"] == 2
    blocked = [block["blocked"] for block in response.json()["results"]]
    assert blocked == [carol.username, bob.username]
    assert token_client(bob).get(BLOCKS).json()["count"] == 0


def test_block_list_refuses_a_malformed_page(make_user, token_client):
    client = token_client(make_user())

    assert client.get(BLOCKS, {"page": "x"}).status_code == 400
    assert client.get(BLOCKS, {"page": 2}).status_code == 404


def test_unblock_removes_the_block_and_records_it(make_user, token_client):
    alice, bob = make_user(), make_user(username="Bob")
    client = token_client(alice)
    client.post(BLOCKS, {"blocked": "bob"})

    response = client.delete(unblock_url("BOB"))

    assert response.status_code == 204
    assert not Block.objects.exists()
    event = SecurityEvent.objects.get(kind=EventKind.USER_UNBLOCKED)
    assert event.user == alice
    assert event.detail == {"blocked": "Bob", "blocked_id": str(bob.pk)}


def test_unblocked_member_can_message_again(make_user, token_client):
    alice, bob = make_user(), make_user()
    client = token_client(alice)
    client.post(BLOCKS, {"blocked": bob.username})
    client.delete(unblock_url(bob.username))

    response = token_client(bob).post(
        reverse("messaging:message-list"), {"receiver": alice.username, "content": "Hi"}
    )

    assert response.status_code == 201


def test_unblocking_someone_not_blocked_is_404(make_user, token_client):
    alice, bob = make_user(), make_user()
    make_block(blocker=bob, blocked=alice)  # bob's block is not alice's to remove

    response = token_client(alice).delete(unblock_url(bob.username))

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    assert Block.objects.count() == 1
    assert not SecurityEvent.objects.filter(kind=EventKind.USER_UNBLOCKED).exists()


def test_unblocking_an_unknown_username_is_404(make_user, token_client):
    response = token_client(make_user()).delete(unblock_url("nobody"))

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


@pytest.mark.parametrize("path", ["/api/block", "/api/block/"])
def test_original_block_route_answers_with_and_without_the_slash(
    make_user, token_client, path
):
    alice, bob = make_user(), make_user()

    response = token_client(alice).post(path, {"blocked": bob.username})

    assert response.status_code == 201
    assert response.json()["blocked"] == bob.username
    assert Block.objects.filter(blocker=alice, blocked=bob).exists()


def test_original_block_route_refuses_twice_and_unknown(make_user, token_client):
    alice, bob = make_user(), make_user()
    client = token_client(alice)
    client.post("/api/block", {"blocked": bob.username})

    twice = client.post("/api/block", {"blocked": bob.username})
    unknown = client.post("/api/block", {"blocked": "nobody"})

    assert (twice.status_code, twice.json()["code"]) == (409, "already_blocked")
    assert (unknown.status_code, unknown.json()["code"]) == (400, "invalid")


def test_block_from_a_superseded_session_is_403_and_blocks_nothing(
    make_user, token_client
):
    alice, bob = make_user(), make_user()
    old_device = token_client(alice)
    token_client(alice)

    response = old_device.post("/api/block", {"blocked": bob.username})

    assert response.status_code == 403
    assert response.json()["code"] == "session_superseded"
    assert not Block.objects.exists()


def test_block_and_unblock_are_logged_with_usernames(make_user, token_client, caplog):
    alice, bob = make_user(), make_user()
    client = token_client(alice)

    with caplog.at_level(logging.INFO, logger="messaging"):
        client.post(BLOCKS, {"blocked": bob.username})
        client.delete(unblock_url(bob.username))

    lines = [r.getMessage() for r in caplog.records if r.name == "messaging"]
    assert len(lines) == 2
    assert all(alice.username in line and bob.username in line for line in lines)
    assert lines[0].startswith("user blocked") and lines[1].startswith("user unblocked")
