import pytest
from django.urls import reverse

from messaging.tests.factories import make_block, make_message

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client_logged_in(make_user, client):
    admin = make_user(is_staff=True, is_superuser=True)
    response = client.post(
        reverse("admin:login"),
        {"username": admin.username, "password": admin.raw_password},
    )
    assert response.status_code == 302
    return client


def test_messages_list_shows_the_parties_and_time_not_the_content(
    make_user, admin_client_logged_in
):
    alice, bob = make_user(username="alice"), make_user(username="bob")
    make_message(sender=alice, receiver=bob, content="private-words-123")
    make_message(sender=bob, receiver=alice, content="other-private-words")

    response = admin_client_logged_in.get(
        reverse("admin:messaging_message_changelist"), {"q": "alice"}
    )

    assert response.status_code == 200
    assert len(response.context["cl"].result_list) == 2
    page = response.content.decode()
    assert "alice" in page and "bob" in page
    assert "private-words" not in page


def test_messages_search_by_username(make_user, admin_client_logged_in):
    alice, bob, carol = make_user(), make_user(), make_user()
    kept = make_message(sender=alice, receiver=bob)
    make_message(sender=carol, receiver=bob)

    response = admin_client_logged_in.get(
        reverse("admin:messaging_message_changelist"), {"q": alice.username}
    )

    assert list(response.context["cl"].result_list) == [kept]


def test_messages_are_read_only_in_the_admin(make_user, admin_client_logged_in):
    message = make_message(sender=make_user(), receiver=make_user(), content="Hi")
    change = reverse("admin:messaging_message_change", args=[message.pk])

    assert admin_client_logged_in.get(change).status_code == 200
    assert admin_client_logged_in.post(change, {"content": "edited"}).status_code == 403
    assert (
        admin_client_logged_in.get(reverse("admin:messaging_message_add")).status_code
        == 403
    )
    message.refresh_from_db()
    assert message.content == "Hi"


def test_blocks_list_and_search(make_user, admin_client_logged_in):
    alice, bob, carol = make_user(), make_user(), make_user()
    kept = make_block(blocker=alice, blocked=bob)
    make_block(blocker=carol, blocked=alice)

    listed = admin_client_logged_in.get(reverse("admin:messaging_block_changelist"))
    searched = admin_client_logged_in.get(
        reverse("admin:messaging_block_changelist"), {"q": bob.username}
    )

    assert listed.status_code == 200
    assert len(listed.context["cl"].result_list) == 2
    assert list(searched.context["cl"].result_list) == [kept]
