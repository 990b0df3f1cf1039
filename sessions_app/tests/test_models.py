"""What the models say about themselves (admin titles, inlines, logs)."""

import pytest

from sessions_app import services
from sessions_app.models import EndReason

pytestmark = pytest.mark.django_db


def test_a_user_session_names_the_session_not_the_user(make_user, make_session):
    user = make_user()
    session = make_session(user=user)

    text = str(session)

    assert str(user.pk) not in text
    assert str(session.pk)[:8] in text
    assert session.transport in text
    assert "(live)" in text


def test_an_ended_user_session_says_why(make_user, make_session):
    session = make_session(user=make_user())
    services.session_end(session=session, reason=EndReason.TERMINATED)

    assert str(session).endswith("(ended: terminated)")
