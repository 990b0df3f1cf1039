"""The written-out answers of the hot read-only endpoints (`/me/`, the session list,
the events page) are exactly what their serializers, the documented schema, give."""

import uuid
from datetime import UTC, datetime, timedelta, timezone

import pytest
from django.utils import timezone as django_timezone
from rest_framework.renderers import JSONRenderer

from accounts.models import User
from sessions_app import services
from sessions_app.models import (
    EndReason,
    EventKind,
    LoginMethod,
    SecurityEvent,
    Transport,
    UserSession,
)
from sessions_app.serializers import (
    CurrentUserSerializer,
    SecurityEventSerializer,
    SessionSerializer,
    current_user_representation,
    security_event_representation,
    session_representation,
)
from sessions_app.tests.factories import CHROME_ON_WINDOWS, make_session

pytestmark = pytest.mark.django_db

ZONES = ["UTC", "Asia/Kolkata", "America/St_Johns"]
IST = timezone(timedelta(hours=5, minutes=30))


def rendered(body: object) -> bytes:
    return JSONRenderer().render(body)


def sessions_of(user: User) -> list[UserSession]:
    """Live and ended, token and cookie, blank and odd fields; in memory, reloaded."""
    token = make_session(user=user)
    cookie = make_session(
        user=user,
        transport=Transport.COOKIE,
        session_key=uuid.uuid4().hex,
        login_method=LoginMethod.PASSWORD_BROWSER,
        user_agent="",  # no device: blank browser, OS and device type
        ip_address=None,
    )
    ended = make_session(
        user=user, ip_address="2001:db8::1", at=datetime(2026, 1, 1, tzinfo=IST)
    )
    services.session_end(session=ended, reason=EndReason.TERMINATED)
    refreshed = make_session(user=user, user_agent="curl/8.5.0")
    expired = make_session(
        user=user, at=datetime(2025, 6, 30, 23, 59, 59, 123456, tzinfo=UTC)
    )
    services.session_end(session=expired, reason=EndReason.EXPIRED)
    in_memory = [token, cookie, ended, refreshed, expired]
    reloaded = list(UserSession.objects.filter(user=user))
    odd = UserSession(  # never saved: naive times, empty choices
        user=user,
        transport="",
        login_method="",
        created_at=datetime(2026, 2, 3, 4, 5, 6),
        last_activity=datetime(2026, 2, 3, 4, 5, 6),
        expires_at=datetime(2026, 2, 3, 16, 5, 6),
    )
    return [*in_memory, *reloaded, odd]


@pytest.mark.parametrize("zone", ZONES)
def test_session_representation_is_the_serializers_output(make_user, zone):
    user = make_user()
    sessions = sessions_of(user)
    with django_timezone.override(zone):
        for current in (None, sessions[0], sessions[2]):
            for session in sessions:
                fast = session_representation(session, current_session=current)
                context = {"current_session": current}
                plain = SessionSerializer(session, context=context).data
                assert list(fast) == list(plain)
                assert rendered(fast) == rendered(plain), (session.pk, current)
    assert any(s.is_active for s in sessions) and any(not s.is_active for s in sessions)


@pytest.mark.parametrize("zone", ZONES)
def test_current_user_representation_is_the_serializers_output(make_user, zone):
    users = [
        make_user(),
        make_user(real_name="", email="", tz="UTC"),
        make_user(email="a@example.com", pending_email="b@example.com", is_staff=True),
    ]
    with django_timezone.override(zone):
        for user in [*users, *User.objects.filter(pk__in=[u.pk for u in users])]:
            for session in sessions_of(user)[:3]:
                fast = current_user_representation(user, session=session)
                plain = CurrentUserSerializer(
                    user, context={"current_session": session}
                ).data
                assert rendered(fast) == rendered(plain)


@pytest.mark.parametrize("zone", ZONES)
def test_security_event_representation_is_the_serializers_output(make_user, zone):
    user = make_user()
    session = make_session(user=user, user_agent=CHROME_ON_WINDOWS)
    services.security_event_record(
        kind=EventKind.LOGIN_FAILED, user=user, ip_address=None, detail={"by": "mobile"}
    )
    services.security_event_record(
        kind=EventKind.PASSWORD_CHANGED,
        user=user,
        session=session,
        detail={"actor": {"id": str(user.pk), "username": "ünïcode"}, "n": [1, 2.5]},
        at=datetime(2026, 4, 5, 6, 7, 8, tzinfo=IST),
    )
    services.security_event_record(kind=EventKind.THROTTLED, user=user, detail={})
    services.session_end(session=session, reason=EndReason.LOGOUT)
    events = list(SecurityEvent.objects.filter(user=user))
    assert len(events) >= 5
    with django_timezone.override(zone):
        for event in events:
            fast = security_event_representation(event)
            plain = SecurityEventSerializer(event).data
            assert list(fast) == list(plain)
            assert rendered(fast) == rendered(plain), event.kind
