"""The management commands that end expired sessions and purge old ones."""

import pytest
from django.core.management import CommandError, call_command

from sessions_app.models import UserSession
from sessions_app.tests.helpers import (
    assert_only_expired_ones_ended,
    sessions_for_expiry,
    sessions_for_purge,
)

pytestmark = pytest.mark.django_db


def test_end_expired_sessions_command_ends_exactly_the_expired_sessions(make_user):
    sessions = sessions_for_expiry(make_user)

    call_command("end_expired_sessions", verbosity=0)

    assert_only_expired_ones_ended(sessions)


def test_purge_sessions_command_deletes_only_sessions_ended_before_then(make_user):
    sessions = sessions_for_purge(make_user)

    call_command("purge_sessions", "--older-than", "90d", verbosity=0)

    assert set(UserSession.objects.values_list("pk", flat=True)) == {
        sessions["recent"].pk,
        sessions["live"].pk,
    }


@pytest.mark.parametrize("value", ["ninety", "90x", "d90"])
def test_purge_sessions_command_rejects_a_bad_age(make_user, value):
    sessions = sessions_for_purge(make_user)

    with pytest.raises(CommandError) as raised:
        call_command("purge_sessions", "--older-than", value, verbosity=0)

    assert "Unknown command" not in str(raised.value)
    assert UserSession.objects.count() == len(sessions)
