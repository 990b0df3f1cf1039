import io
from collections import Counter

import pytest
from django.core.management import CommandError, call_command
from django.db.models import F
from django.utils import timezone

from accounts.models import User
from messaging import seeding
from messaging.models import Message

pytestmark = pytest.mark.django_db


def populate(*args: str) -> str:
    out = io.StringIO()
    call_command("populate", *args, stdout=out)
    return out.getvalue()


def test_populate_adds_messages_among_the_members():
    before = timezone.now()

    output = populate("10", "--periods", "0", "--messages", "95", "--seed", "3")

    assert Message.objects.count() == 95
    assert "then 95 messages in" in output
    assert not Message.objects.filter(sender=F("receiver")).exists()
    sent = Counter(Message.objects.values_list("sender_id", flat=True))
    assert set(sent.values()) == {9, 10}  # every member sends its turn
    assert Message.objects.values("receiver_id").distinct().count() == 10
    assert all(
        before - seeding.SPAN <= at <= timezone.now()
        for at in Message.objects.values_list("created_at", flat=True)
    )
    assert all(m.content in seeding.PHRASES for m in Message.objects.all())


def test_without_messages_the_summary_is_unchanged():
    output = populate("3", "--periods", "0")

    assert not Message.objects.exists()
    assert "messages" not in output


def test_messages_include_members_from_earlier_runs(make_user):
    earlier = make_user()

    populate("1", "--periods", "0", "--messages", "4", "--batch-size", "3")

    assert Message.objects.count() == 4
    assert Message.objects.filter(sender=earlier).count() == 2


def test_same_seed_again_adds_new_repeatable_messages():
    populate("5", "--periods", "0", "--seed", "9")
    seeding.message_populate(count=20, seed=9)
    first = list(Message.objects.values_list("sender_id", "receiver_id", "content"))

    seeding.message_populate(count=20, seed=9)

    assert Message.objects.count() == 40
    assert len(first) == 20


@pytest.mark.parametrize("value", ["-1", "many"])
def test_a_bad_message_count_is_refused_before_writing(value):
    with pytest.raises(CommandError):
        populate("2", "--messages", value)

    assert not User.objects.exists()


def test_messages_need_two_members(make_user):
    User.objects.all().delete()
    make_user()

    with pytest.raises(ValueError):
        seeding.message_populate(count=1)
    assert seeding.message_populate(count=0) == 0
