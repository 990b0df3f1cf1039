"""session_password_change: the service behind password change and reset confirm."""

import pytest

from sessions_app import services
from sessions_app.models import EndReason, EventKind, SecurityEvent, UserSession
from sessions_app.tests.helpers import STRONG_PASSWORD, set_policy

pytestmark = pytest.mark.django_db


def test_returns_the_sessions_it_ended_and_keeps_the_given_one(
    make_user, make_session, settings
):
    set_policy(settings, MAX_SESSIONS_PER_USER=3)
    user = make_user()
    kept, other, third = (make_session(user=user) for _ in range(3))

    ended = services.session_password_change(
        user=user, new_password=STRONG_PASSWORD, keep_session=kept
    )

    assert {s.pk for s in ended} == {other.pk, third.pk}
    assert {s.end_reason for s in UserSession.objects.filter(is_active=False)} == {
        EndReason.PASSWORD_CHANGED
    }
    kept.refresh_from_db()
    user.refresh_from_db()
    assert kept.is_active and user.check_password(STRONG_PASSWORD)
    assert services.session_check_live(session=kept)  # its auth hash was renewed
    assert SecurityEvent.objects.filter(kind=EventKind.PASSWORD_CHANGED).count() == 1


def test_without_a_kept_session_every_session_ends(make_user, make_session):
    user = make_user()
    only = make_session(user=user)

    ended = services.session_password_change(user=user, new_password=STRONG_PASSWORD)

    assert [s.pk for s in ended] == [only.pk]
    assert not UserSession.objects.filter(user=user, is_active=True).exists()
