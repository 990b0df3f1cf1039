"""Step-up with a code of the authenticator app instead of the password."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from mfa.models import VerifiedSession
from mfa.tests.factories import enable_totp, totp_code, two_factor_client
from sessions_app.models import EventKind, SecurityEvent, UserSession

pytestmark = pytest.mark.django_db


@pytest.fixture
def signed_in(make_user):
    user = make_user()
    secret = enable_totp(user).secret
    client = two_factor_client(user, secret)
    UserSession.objects.filter(pk=client.session_id).update(
        reauthenticated_at=timezone.now() - timedelta(hours=1)
    )
    return user, secret, client


def reauthenticate(client, **body):
    return client.post(reverse("sessions:reauthenticate"), body)


def test_a_right_code_steps_the_session_up(signed_in):
    user, secret, client = signed_in

    response = reauthenticate(client, code=totp_code(secret, steps=1))

    assert response.status_code == 200, response.content
    session = UserSession.objects.get(pk=client.session_id)
    assert timezone.now() - session.reauthenticated_at < timedelta(seconds=5)
    assert "reauthenticated_until" in response.json()


def test_the_password_still_works_for_a_user_with_two_factors(signed_in):
    user, _secret, client = signed_in

    assert reauthenticate(client, password=user.raw_password).status_code == 200


def test_password_and_code_together_are_invalid(signed_in):
    user, secret, client = signed_in

    response = reauthenticate(
        client, password=user.raw_password, code=totp_code(secret, steps=1)
    )

    assert response.status_code == 400
    assert response.json()["code"] == "invalid"


def test_neither_password_nor_code_is_invalid(signed_in):
    response = reauthenticate(signed_in[2])

    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert "password" in response.json()["fields"]


def test_a_wrong_code_is_invalid_code_recorded_and_counted(signed_in, settings):
    settings.THROTTLE_RATES = {
        **settings.THROTTLE_RATES,
        "login_failures_account_ip": "3/15min",
    }
    user, _secret, client = signed_in

    answers = [reauthenticate(client, code="000000") for _ in range(4)]

    assert [a.status_code for a in answers] == [400, 400, 400, 429]
    assert answers[0].json()["code"] == "invalid_code"
    assert answers[3].json()["code"] == "throttled"
    failed = SecurityEvent.objects.filter(user=user, kind=EventKind.MFA_FAILED)
    assert failed.count() == 3
    assert failed.first().session_id is not None
    assert failed.first().detail == {"method": "totp", "purpose": "reauthenticate"}


def test_the_code_of_the_sign_in_cannot_step_up_again(signed_in):
    _user, secret, client = signed_in

    response = reauthenticate(client, code=totp_code(secret))

    assert response.status_code == 400
    assert response.json()["code"] == "invalid_code"


def test_a_code_without_two_factors_is_invalid(make_user, token_client):
    client = token_client(make_user())

    response = reauthenticate(client, code="123456")

    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert "code" in response.json()["fields"]


def test_a_code_step_up_marks_a_session_as_past_a_second_factor(
    make_user, token_client
):
    user = make_user()
    client = token_client(user)  # signed in before two factors were on
    secret = enable_totp(user).secret

    response = reauthenticate(client, code=totp_code(secret))

    assert response.status_code == 200
    assert VerifiedSession.objects.filter(session_id=client.session_id).exists()
