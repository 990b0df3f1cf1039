"""Property test: whatever the interleaving of token logins, refreshes, replays of old
refresh tokens and logouts, no user holds more live sessions than allowed, every
replay outside the grace ends its session as `token_reused`, a retry inside it ends
nothing, and an ended session's refresh token only ever gets its own reason back."""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from config.app_settings import DEFAULTS
from sessions_app import services
from sessions_app.exceptions import RefreshConflict, SessionEnded, SessionLimitReached
from sessions_app.models import EndReason, Transport, UserSession
from sessions_app.tests.factories import start_session

pytestmark = pytest.mark.django_db

GRACE = timedelta(seconds=5)
SECONDS = st.sampled_from([0, 1, 4, 5, 6, 60])
STEPS = st.lists(
    st.one_of(
        st.tuples(st.just("login"), st.booleans(), st.just(0), SECONDS),
        st.tuples(st.just("refresh"), st.integers(0, 9), st.just(0), SECONDS),
        st.tuples(st.just("replay"), st.integers(0, 9), st.integers(0, 9), SECONDS),
        st.tuples(st.just("logout"), st.integers(0, 9), st.just(0), SECONDS),
    ),
    min_size=1,
    max_size=25,
)


@dataclass
class Device:
    """What one client holds: its session, current refresh token and the old ones."""

    session_id: object
    refresh_token: str
    old_tokens: list[str] = field(default_factory=list)
    rotated_at: datetime | None = None


def row(device: Device) -> UserSession:
    return UserSession.objects.get(pk=device.session_id)


def replay(device: Device, pick: int, now: datetime) -> None:
    """Present an old refresh token; check the answer against the rules."""
    old = device.old_tokens[pick % len(device.old_tokens)]
    before = row(device)
    is_retry = (
        old == device.old_tokens[-1]
        and device.rotated_at is not None
        and now - device.rotated_at < GRACE
    )
    with pytest.raises((RefreshConflict, SessionEnded)) as outcome:
        services.session_refresh(refresh_token=old, at=now)
    after = row(device)
    if not before.is_active:  # an ended session keeps its reason
        assert outcome.type is SessionEnded
        assert after.end_reason == before.end_reason
    elif is_retry:
        assert outcome.type is RefreshConflict
        assert after.is_active
    else:
        assert outcome.value.get_codes() == "session_revoked"
        assert (after.is_active, after.end_reason) == (False, EndReason.TOKEN_REUSED)


def refresh(device: Device, now: datetime) -> None:
    """Present the current refresh token: live sessions rotate, ended ones refuse."""
    before = row(device)
    try:
        refreshed = services.session_refresh(refresh_token=device.refresh_token, at=now)
    except SessionEnded as ended:
        assert not before.is_active
        assert ended.get_codes() != "session_ended"  # every reason has its code
        return
    assert before.is_active
    device.old_tokens.append(device.refresh_token)
    device.refresh_token, device.rotated_at = refreshed.refresh_token, now
    assert refreshed.session.pk == device.session_id


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    limit=st.integers(1, 3),
    on_limit=st.sampled_from(["end_oldest", "refuse_new"]),
    steps=STEPS,
)
def test_refreshes_replays_and_logins_keep_the_limit_and_revoke_every_replay(
    make_user, settings, limit, on_limit, steps
):
    settings.SESSION_POLICY = {
        **DEFAULTS,
        "MAX_SESSIONS_PER_USER": limit,
        "ON_LIMIT": on_limit,
        "REFRESH_REUSE_GRACE": GRACE,
    }
    user = make_user()
    devices: list[Device] = []
    now = timezone.now()
    try:
        for action, arg, pick, seconds in steps:
            now += timedelta(seconds=seconds)
            if action == "login":
                try:
                    started = start_session(user, force=arg, at=now)
                    devices.append(Device(started.session.pk, started.refresh_token))
                except SessionLimitReached:
                    assert on_limit == "refuse_new" and not arg
            elif devices and action == "refresh":
                refresh(devices[arg % len(devices)], now)
            elif devices and action == "replay":
                device = devices[arg % len(devices)]
                if device.old_tokens:
                    replay(device, pick, now)
            elif devices and action == "logout":
                services.session_end(
                    session=row(devices[arg % len(devices)]),
                    reason=EndReason.LOGOUT,
                    at=now,
                )

            live = UserSession.objects.filter(user=user, is_active=True)
            assert live.count() <= limit
            assert not live.exclude(transport=Transport.TOKEN).exists()
            ended = UserSession.objects.filter(user=user, is_active=False)
            assert not ended.filter(end_reason="").exists()
            assert not ended.filter(ended_at__isnull=True).exists()
    finally:
        user.delete()
