"""Step-up ("sudo mode"): confirm the password before sensitive changes."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from sessions_app.exceptions import REAUTHENTICATION_REQUIRED_DETAIL
from sessions_app.models import EndReason, EventKind, SecurityEvent, UserSession
from sessions_app.tests.helpers import make_session_manager, set_policy

pytestmark = pytest.mark.django_db


def reauthenticate(client: APIClient, password: str):
    return client.post(reverse("sessions:reauthenticate"), {"password": password})


def age_step_up(client: APIClient, seconds: int) -> None:
    """Move the session's last step-up (the login) into the past."""
    UserSession.objects.filter(pk=client.session_id).update(
        reauthenticated_at=timezone.now() - timedelta(seconds=seconds)
    )


def test_reauthenticate_stamps_the_session_and_says_until_when(make_user, token_client):
    user = make_user()
    client = token_client(user)
    age_step_up(client, 3600)

    response = reauthenticate(client, user.raw_password)

    assert response.status_code == 200
    session = UserSession.objects.get(pk=client.session_id)
    assert timezone.now() - session.reauthenticated_at < timedelta(seconds=5)
    until = response.json()["reauthenticated_until"]
    assert until.startswith(
        (session.reauthenticated_at + timedelta(seconds=600)).strftime("%Y-%m-%dT%H:%M")
    )


def test_a_wrong_password_is_400_counts_as_a_failed_login_and_is_recorded(
    make_user, token_client, settings
):
    settings.THROTTLE_RATES = {
        **settings.THROTTLE_RATES,
        "login_failures_account_ip": "3/15min",
    }
    user = make_user()
    client = token_client(user)

    answers = [reauthenticate(client, "not-the-password") for _ in range(4)]

    assert [a.status_code for a in answers] == [400, 400, 400, 429]
    assert answers[0].json()["code"] == "invalid_credentials"
    assert answers[3].json()["code"] == "throttled"
    assert (
        SecurityEvent.objects.filter(user=user, kind=EventKind.REAUTH_FAILED).count()
        == 3
    )
    assert reauthenticate(client, user.raw_password).status_code == 429  # no bypass


def test_changing_the_email_needs_a_recent_step_up(make_user, token_client):
    user = make_user(email="old@example.com")
    client = token_client(user)
    age_step_up(client, 601)

    refused = client.patch(reverse("sessions:me"), {"email": "new@example.com"})
    reauthenticate(client, user.raw_password)
    accepted = client.patch(reverse("sessions:me"), {"email": "new@example.com"})

    assert refused.status_code == 403
    assert refused.json() == {
        "detail": REAUTHENTICATION_REQUIRED_DETAIL,
        "code": "reauthentication_required",
    }
    assert accepted.status_code == 202


def test_a_login_counts_as_a_step_up_within_the_window(
    make_user, token_client, settings
):
    set_policy(settings, REAUTH_WINDOW=timedelta(seconds=600))
    client = token_client(make_user(email="old@example.com"))

    response = client.patch(reverse("sessions:me"), {"email": "new@example.com"})

    assert response.status_code == 202


def test_removing_the_email_needs_a_step_up_too(make_user, token_client):
    user = make_user(email="old@example.com")
    client = token_client(user)
    age_step_up(client, 601)

    response = client.patch(reverse("sessions:me"), {"email": ""})

    assert response.status_code == 403
    user.refresh_from_db()
    assert user.email == "old@example.com"


def test_name_and_time_zone_need_no_step_up(make_user, token_client):
    user = make_user(email="old@example.com")
    client = token_client(user)
    age_step_up(client, 3600)

    response = client.patch(
        reverse("sessions:me"), {"real_name": "New Name", "email": "OLD@example.com"}
    )

    assert response.status_code == 200
    assert response.json()["real_name"] == "New Name"


def test_staff_ending_another_users_session_needs_a_step_up(make_user, token_client):
    staff, member = make_session_manager(make_user(is_staff=True)), make_user()
    admin, victim = token_client(staff), token_client(member)
    age_step_up(admin, 601)
    url = reverse("sessions:staff-session", args=[victim.session_id])

    refused = admin.delete(url)
    reauthenticate(admin, staff.raw_password)
    ended = admin.delete(url)

    assert refused.status_code == 403
    assert refused.json()["code"] == "reauthentication_required"
    assert ended.status_code == 200
    assert UserSession.objects.get(pk=victim.session_id).end_reason == (
        EndReason.TERMINATED_BY_STAFF
    )


def test_ending_ones_own_sessions_needs_no_step_up(make_user, token_client, settings):
    set_policy(settings, MAX_SESSIONS_PER_USER=2)
    user = make_user()
    intruder, owner = token_client(user), token_client(user)
    age_step_up(owner, 3600)

    response = owner.delete(
        reverse("sessions:session-detail", args=[intruder.session_id])
    )

    assert response.status_code == 200


def test_password_change_wrong_guesses_count_and_are_recorded(
    make_user, token_client, settings
):
    settings.THROTTLE_RATES = {
        **settings.THROTTLE_RATES,
        "login_failures_account_ip": "2/15min",
    }
    user = make_user()
    client = token_client(user)
    url = reverse("sessions:password-change")
    body = {
        "current_password": "wrong-guess",
        "new_password": "a-much-better-passphrase",
    }

    answers = [client.post(url, body) for _ in range(3)]

    assert [a.status_code for a in answers] == [400, 400, 429]
    assert set(answers[0].json()["fields"]) == {"current_password"}
    assert (
        SecurityEvent.objects.filter(
            user=user, kind=EventKind.PASSWORD_CHANGE_FAILED
        ).count()
        == 2
    )


def test_reauthenticate_without_credentials_is_401(api_client):
    assert reauthenticate(api_client, "whatever").status_code == 401
