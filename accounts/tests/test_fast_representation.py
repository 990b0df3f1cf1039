"""`user_representation` (the hot path) answers exactly what `UserSerializer` does."""

from datetime import UTC, datetime, timedelta, timezone

import pytest
from django.utils import timezone as django_timezone
from rest_framework.renderers import JSONRenderer

from accounts.models import User
from accounts.serializers import UserSerializer, drf_datetime, user_representation

pytestmark = pytest.mark.django_db

IST = timezone(timedelta(hours=5, minutes=30))


def rendered(body: object) -> bytes:
    return JSONRenderer().render(body)


def users(make_user) -> list[User]:
    """Saved and reloaded users, and unsaved ones with the edge values in memory."""
    saved = [
        make_user(),
        make_user(real_name="", email="", pending_email="", tz="UTC"),
        make_user(
            real_name="Zoë Ünïcode 名前",
            email="zoe@example.com",
            pending_email="new@example.com",
            is_staff=True,
            date_joined=datetime(2026, 3, 1, 12, 0, 0, 0, tzinfo=UTC),
        ),
        make_user(date_joined=datetime(2025, 12, 31, 23, 59, 59, 999999, tzinfo=IST)),
    ]
    reloaded = list(User.objects.filter(pk__in=[u.pk for u in saved]))
    unsaved = [
        User(username="nomobile", mobile=None, date_joined=None),
        User(
            username="naive",
            mobile="+919000000099",
            date_joined=datetime(2026, 1, 2, 3, 4, 5),  # naive: made aware like DRF
        ),
    ]
    return saved + reloaded + unsaved


@pytest.mark.parametrize("zone", ["UTC", "Asia/Kolkata", "America/St_Johns"])
def test_user_representation_is_the_serializers_output(make_user, zone):
    with django_timezone.override(zone):
        for user in users(make_user):
            fast = user_representation(user)
            plain = UserSerializer(user).data
            assert list(fast) == list(plain)
            assert rendered(fast) == rendered(plain), user.username


def test_drf_datetime_formats_like_drf():
    assert drf_datetime(None) is None
    assert drf_datetime(datetime(2026, 5, 4, 3, 2, 1, tzinfo=UTC)) == (
        "2026-05-04T03:02:01Z"
    )
    assert drf_datetime(datetime(2026, 5, 4, 3, 2, 1, 500, tzinfo=IST)) == (
        "2026-05-03T21:32:01.000500Z"
    )
