"""Enrolment over the API: set up, confirm, see, replace codes, turn off."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from mfa.models import RecoveryCode, TOTPDevice
from mfa.tests.factories import enable_totp, totp_code, two_factor_client
from sessions_app.models import EventKind, SecurityEvent, UserSession

pytestmark = pytest.mark.django_db


def age_step_up(client, seconds: int = 3600) -> None:
    UserSession.objects.filter(pk=client.session_id).update(
        reauthenticated_at=timezone.now() - timedelta(seconds=seconds)
    )


@pytest.fixture
def member(make_user):
    return make_user(email="member@example.com")


def setup(client):
    return client.post(reverse("mfa:totp-setup"))


def confirm(client, code: str):
    return client.post(reverse("mfa:totp-confirm"), {"code": code})


def test_setup_gives_a_secret_its_otpauth_url_and_a_qr_code(member, token_client):
    client = token_client(member)

    response = setup(client)

    assert response.status_code == 200
    body = response.json()
    assert re.fullmatch(r"[A-Z2-7]{32}", body["secret"])
    assert body["otpauth_url"].startswith("otpauth://totp/Session%20Auth:")
    assert f"secret={body['secret']}" in body["otpauth_url"]
    assert "issuer=Session%20Auth" in body["otpauth_url"]
    assert body["qr_svg"].startswith("<svg")
    device = TOTPDevice.objects.get(user=member)
    assert not device.is_confirmed
    assert body["secret"] not in device.encrypted_secret


def test_confirm_turns_it_on_and_shows_ten_recovery_codes_once(
    member, token_client, django_capture_on_commit_callbacks
):
    client = token_client(member)
    secret = setup(client).json()["secret"]

    with django_capture_on_commit_callbacks(execute=True):
        response = confirm(client, totp_code(secret))

    assert response.status_code == 200
    codes = response.json()["recovery_codes"]
    assert len(codes) == len(set(codes)) == 10
    assert all(re.fullmatch(r"[a-z2-9]{5}-[a-z2-9]{5}", code) for code in codes)
    stored = set(
        RecoveryCode.objects.filter(user=member).values_list("code_digest", flat=True)
    )
    assert len(stored) == 10 and not stored & set(codes)
    assert TOTPDevice.objects.get(user=member).is_confirmed
    assert client.get(reverse("mfa:status")).json() == {
        "totp": True,
        "recovery_codes_left": 10,
    }
    assert SecurityEvent.objects.filter(
        user=member, kind=EventKind.MFA_ENABLED
    ).exists()
    [notice] = [m for m in mail.outbox if m.to == ["member@example.com"]]
    assert "turned on" in notice.body


def test_confirm_with_a_wrong_code_is_invalid_code_and_changes_nothing(
    member, token_client
):
    client = token_client(member)
    setup(client)

    response = confirm(client, "000000")

    assert response.status_code == 400
    assert response.json()["code"] == "invalid_code"
    assert not TOTPDevice.objects.get(user=member).is_confirmed
    assert client.get(reverse("mfa:status")).json() == {
        "totp": False,
        "recovery_codes_left": 0,
    }


def test_a_code_that_is_not_six_digits_is_invalid(member, token_client):
    client = token_client(member)
    setup(client)

    response = confirm(client, "12ab56")

    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert "code" in response.json()["fields"]


def test_status_needs_no_step_up(member, token_client):
    client = token_client(member)
    age_step_up(client)

    response = client.get(reverse("mfa:status"))

    assert response.status_code == 200
    assert response.json() == {"totp": False, "recovery_codes_left": 0}


@pytest.mark.parametrize(
    "method, url_name, body",
    [
        ("post", "mfa:totp-setup", None),
        ("post", "mfa:totp-confirm", {"code": "123456"}),
        ("post", "mfa:recovery-codes", None),
        ("delete", "mfa:totp", None),
    ],
)
def test_changes_need_a_recent_step_up(member, method, url_name, body):
    client = two_factor_client(member, enable_totp(member).secret)
    age_step_up(client)

    response = getattr(client, method)(reverse(url_name), body)

    assert response.status_code == 403
    assert response.json()["code"] == "reauthentication_required"


def test_new_recovery_codes_void_the_old_ones(member):
    enabled = enable_totp(member)
    old = enabled.recovery_codes
    client = two_factor_client(member, enabled.secret)

    response = client.post(reverse("mfa:recovery-codes"))

    assert response.status_code == 200
    new = response.json()["recovery_codes"]
    assert len(new) == 10 and not set(new) & set(old)
    assert RecoveryCode.objects.filter(user=member).count() == 10
    assert SecurityEvent.objects.filter(
        user=member, kind=EventKind.RECOVERY_CODES_REGENERATED
    ).exists()


def test_new_recovery_codes_need_two_factors_on(member, token_client):
    response = token_client(member).post(reverse("mfa:recovery-codes"))

    assert response.status_code == 409
    assert response.json()["code"] == "mfa_not_enabled"


def test_setup_while_on_is_refused(member):
    client = two_factor_client(member, enable_totp(member).secret)

    response = setup(client)

    assert response.status_code == 409
    assert response.json()["code"] == "mfa_already_enabled"


def test_turning_it_off_deletes_secret_and_codes_and_tells_the_user(
    member, token_client, django_capture_on_commit_callbacks
):
    client = two_factor_client(member, enable_totp(member).secret)
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.delete(reverse("mfa:totp"))

    assert response.status_code == 204
    assert not TOTPDevice.objects.filter(user=member).exists()
    assert not RecoveryCode.objects.filter(user=member).exists()
    assert SecurityEvent.objects.filter(
        user=member, kind=EventKind.MFA_DISABLED
    ).exists()
    [notice] = [m for m in mail.outbox if m.to == ["member@example.com"]]
    assert "turned off" in notice.body
    login = token_client(member)  # the password alone signs in again
    assert login.token


def test_turning_it_off_when_off_is_mfa_not_enabled(member, token_client):
    response = token_client(member).delete(reverse("mfa:totp"))

    assert response.status_code == 409
    assert response.json()["code"] == "mfa_not_enabled"


def test_signing_in_with_two_factors_is_a_step_up(member):
    client = two_factor_client(member, enable_totp(member).secret)

    assert setup(client).status_code == 409  # not 403: the sign-in stepped up
