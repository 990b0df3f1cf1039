from datetime import UTC, date, datetime

import pytest

from messaging import selectors, services
from messaging.exceptions import AlreadyBlocked, MessageBlocked
from messaging.models import Block, Message
from messaging.tests.factories import make_block, make_message
from sessions_app.models import EventKind, SecurityEvent

pytestmark = pytest.mark.django_db

AT = datetime(2024, 5, 1, 9, 30, tzinfo=UTC)


def test_message_send_stores_the_given_time(make_user):
    alice, bob = make_user(), make_user()

    message = services.message_send(sender=alice, receiver=bob, content="Hi", at=AT)

    assert Message.objects.get() == message
    assert message.created_at == AT


def test_message_send_refuses_a_blocked_sender(make_user):
    alice, bob = make_user(), make_user()
    make_block(blocker=bob, blocked=alice)

    with pytest.raises(MessageBlocked):
        services.message_send(sender=alice, receiver=bob, content="Hi")

    assert not Message.objects.exists()


def test_message_send_refuses_oneself(make_user):
    alice = make_user()

    with pytest.raises(ValueError):
        services.message_send(sender=alice, receiver=alice, content="Hi")


def test_block_create_records_the_event_at_the_given_time(make_user):
    alice, bob = make_user(), make_user()

    block = services.block_create(
        blocker=alice, blocked=bob, ip_address="203.0.113.9", user_agent="curl/8", at=AT
    )

    assert (block.blocker, block.blocked, block.created_at) == (alice, bob, AT)
    event = SecurityEvent.objects.get()
    assert (event.kind, event.user, event.created_at) == (
        EventKind.USER_BLOCKED,
        alice,
        AT,
    )
    assert event.ip_address == "203.0.113.9"
    assert event.device_name == "curl"


def test_block_create_twice_raises_and_records_once(make_user):
    alice, bob = make_user(), make_user()
    services.block_create(blocker=alice, blocked=bob)

    with pytest.raises(AlreadyBlocked):
        services.block_create(blocker=alice, blocked=bob)

    assert Block.objects.count() == 1
    assert SecurityEvent.objects.count() == 1


def test_block_remove_says_whether_there_was_a_block(make_user):
    alice, bob = make_user(), make_user()
    make_block(blocker=alice, blocked=bob)

    assert services.block_remove(blocker=alice, blocked=bob, at=AT) is True
    assert services.block_remove(blocker=alice, blocked=bob) is False
    assert list(SecurityEvent.objects.values_list("kind", flat=True)) == [
        EventKind.USER_UNBLOCKED
    ]


def test_message_list_for_user_keeps_only_the_users_messages(make_user):
    alice, bob, carol = make_user(), make_user(), make_user()
    mine = make_message(sender=alice, receiver=bob, at=AT)
    make_message(sender=bob, receiver=carol, at=AT)

    assert list(selectors.message_list_for_user(user=alice)) == [mine]
    assert list(selectors.message_list_for_user(user=alice, folder="received")) == []


@pytest.mark.parametrize(
    "day,tz,span",
    [
        (
            date(2024, 5, 1),
            "UTC",
            ("2024-05-01T00:00:00+00:00", "2024-05-02T00:00:00+00:00"),
        ),
        (
            date(2024, 5, 1),
            "Asia/Kolkata",
            ("2024-04-30T18:30:00+00:00", "2024-05-01T18:30:00+00:00"),
        ),
        (
            date(2024, 3, 10),
            "America/New_York",
            ("2024-03-10T05:00:00+00:00", "2024-03-11T04:00:00+00:00"),
        ),
        (date(1, 1, 1), "Etc/GMT-5", (None, "0001-01-01T19:00:00+00:00")),
        (date(9999, 12, 31), "America/New_York", ("9999-12-31T05:00:00+00:00", None)),
        (
            date(2024, 5, 1),
            "Not/AZone",
            ("2024-05-01T00:00:00+00:00", "2024-05-02T00:00:00+00:00"),
        ),
    ],
)
def test_local_day_span_is_the_day_in_that_zone(day, tz, span):
    start, end = selectors.local_day_span(day, tz)

    assert (start and start.isoformat(), end and end.isoformat()) == span
