"""Property test: whatever the policy and the order of logins, logouts and ends,
no user holds more live sessions than allowed, and every ended session says why."""

from datetime import timedelta

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from config.app_settings import DEFAULTS
from sessions_app import services
from sessions_app.exceptions import SessionLimitReached
from sessions_app.models import EndReason, Transport, UserSession
from sessions_app.tests.factories import start_session

pytestmark = pytest.mark.django_db

TRANSPORTS = st.sampled_from([Transport.COOKIE, Transport.TOKEN])
STEPS = st.lists(
    st.one_of(
        st.tuples(st.just("login"), TRANSPORTS, st.booleans()),
        st.tuples(
            st.just("end"),
            st.integers(0, 20),
            st.sampled_from([r.value for r in EndReason]),
        ),
        st.tuples(st.just("end_others"), st.integers(0, 20), st.just(None)),
        st.tuples(st.just("idle"), st.integers(0, 20), st.just(None)),
    ),
    min_size=1,
    max_size=25,
)


def live_counts(user) -> dict[str, int]:
    live = UserSession.objects.filter(user=user, is_active=True)
    return {t: live.filter(transport=t).count() for t in Transport.values} | {
        "all": live.count()
    }


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    limit=st.integers(1, 3),
    on_limit=st.sampled_from(["end_oldest", "refuse_new"]),
    scope=st.sampled_from(["user", "transport"]),
    steps=STEPS,
)
def test_no_interleaving_exceeds_the_limit_and_every_end_has_a_reason(
    make_user, settings, limit, on_limit, scope, steps
):
    settings.SESSION_POLICY = {
        **DEFAULTS,
        "MAX_SESSIONS_PER_USER": limit,
        "ON_LIMIT": on_limit,
        "LIMIT_SCOPE": scope,
    }
    user = make_user()
    sessions: list[UserSession] = []
    try:
        for action, arg, extra in steps:
            if action == "login":
                try:
                    started = start_session(user, transport=arg, force=extra)
                    sessions.append(started.session)
                except SessionLimitReached:
                    assert on_limit == "refuse_new" and not extra
            elif sessions and action == "end":
                services.session_end(
                    session=sessions[arg % len(sessions)], reason=extra
                )
            elif sessions and action == "end_others":
                keep = sessions[arg % len(sessions)]
                services.session_end_others(
                    user_id=user.pk,
                    keep_session_id=keep.pk,
                    reason=EndReason.TERMINATED,
                )
            elif sessions and action == "idle":
                session = sessions[arg % len(sessions)]
                UserSession.objects.filter(pk=session.pk).update(
                    last_activity=timezone.now() - timedelta(hours=1)
                )

            counts = live_counts(user)
            if scope == "user":
                assert counts["all"] <= limit
            else:
                assert (
                    counts[Transport.COOKIE] <= limit
                    and counts[Transport.TOKEN] <= limit
                )
            ended = UserSession.objects.filter(user=user, is_active=False)
            assert not ended.filter(end_reason="").exists()
            assert not ended.filter(ended_at__isnull=True).exists()
            live = UserSession.objects.filter(user=user, is_active=True)
            assert not live.exclude(end_reason="").exists()
    finally:
        user.delete()
