"""Token sign-in with two factors: 202 after the right password, 200 after a code."""

from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from mfa.models import MfaLoginToken, RecoveryCode, VerifiedSession
from mfa.tests.factories import enable_totp, totp_code
from sessions_app.models import EndReason, EventKind, SecurityEvent, UserSession
from sessions_app.tests.helpers import live_sessions, set_policy

pytestmark = pytest.mark.django_db

LOGIN_FIELDS = {
    "user",
    "token",
    "expires_at",
    "refresh_token",
    "refresh_expires_at",
    "session",
    "ended_sessions",
    "message",
    "device_token",
}


def password_step(client: APIClient, user, password: str | None = None, **extra):
    return client.post(
        reverse("sessions:login"),
        {
            "username": user.username,
            "password": password or user.raw_password,
            **extra,
        },
    )


def code_step(client: APIClient, mfa_token: str, **body):
    return client.post(reverse("mfa:login"), {"mfa_token": mfa_token, **body})


@pytest.fixture
def two_factor_user(make_user):
    user = make_user(email="owner@example.com")
    user.totp = enable_totp(user)
    return user


def test_right_password_answers_202_with_an_mfa_token_and_starts_no_session(
    two_factor_user, api_client
):
    response = password_step(api_client, two_factor_user)

    assert response.status_code == 202
    body = response.json()
    assert set(body) == {"mfa_required", "mfa_token", "methods", "mfa_expires_at"}
    assert body["mfa_required"] is True
    assert body["methods"] == ["totp", "recovery_code"]
    assert "token" not in body and "expires_at" not in body
    assert not UserSession.objects.filter(user=two_factor_user).exists()
    stored = MfaLoginToken.objects.get(user=two_factor_user)
    assert body["mfa_token"] not in stored.token_digest


def test_wrong_password_is_still_invalid_credentials(two_factor_user, api_client):
    response = password_step(api_client, two_factor_user, password="wrong-password-1")

    assert response.status_code == 400
    assert response.json()["code"] == "invalid_credentials"
    assert not MfaLoginToken.objects.exists()


def test_unknown_user_gets_the_same_answer_as_a_wrong_password(api_client):
    response = api_client.post(
        reverse("sessions:login"), {"username": "nobody", "password": "whatever-1234"}
    )

    assert response.status_code == 400
    assert response.json()["code"] == "invalid_credentials"


def test_user_without_two_factors_signs_in_with_the_password(make_user, api_client):
    response = password_step(api_client, make_user())

    assert response.status_code == 200
    assert set(response.json()) == LOGIN_FIELDS


def test_right_code_finishes_the_sign_in_with_the_login_answer(
    two_factor_user, api_client
):
    mfa_token = password_step(api_client, two_factor_user).json()["mfa_token"]

    response = code_step(
        api_client, mfa_token, code=totp_code(two_factor_user.totp.secret)
    )

    assert response.status_code == 200, response.content
    body = response.json()
    assert set(body) == LOGIN_FIELDS
    session = UserSession.objects.get(pk=body["session"]["id"])
    assert session.is_active and session.transport == "token"
    assert VerifiedSession.objects.filter(session=session).exists()
    me = api_client.get(
        reverse("sessions:me"), HTTP_AUTHORIZATION=f"Token {body['token']}"
    )
    assert me.status_code == 200
    assert SecurityEvent.objects.filter(session=session, kind=EventKind.LOGIN).exists()


def test_the_session_limit_is_untouched_until_the_second_step(
    two_factor_user, api_client
):
    first = UserSession.objects.get(
        pk=code_step(
            api_client,
            password_step(api_client, two_factor_user).json()["mfa_token"],
            code=totp_code(two_factor_user.totp.secret),
        ).json()["session"]["id"]
    )

    mfa_token = password_step(APIClient(), two_factor_user).json()["mfa_token"]

    assert live_sessions(two_factor_user) == [first]
    response = code_step(
        APIClient(), mfa_token, code=totp_code(two_factor_user.totp.secret, steps=1)
    )
    assert response.status_code == 200
    first.refresh_from_db()
    assert first.end_reason == EndReason.SUPERSEDED
    assert [str(s.pk) for s in live_sessions(two_factor_user)] == [
        response.json()["session"]["id"]
    ]


def test_wrong_code_is_invalid_code_recorded_and_the_token_lives_on(
    two_factor_user, api_client
):
    mfa_token = password_step(api_client, two_factor_user).json()["mfa_token"]

    wrong = code_step(api_client, mfa_token, code="000000")
    right = code_step(
        api_client, mfa_token, code=totp_code(two_factor_user.totp.secret)
    )

    assert wrong.status_code == 400
    assert wrong.json()["code"] == "invalid_code"
    assert right.status_code == 200
    failed = SecurityEvent.objects.get(user=two_factor_user, kind=EventKind.MFA_FAILED)
    assert failed.detail == {"method": "totp", "purpose": "login"}


def test_the_token_dies_after_five_wrong_codes(two_factor_user, api_client):
    mfa_token = password_step(api_client, two_factor_user).json()["mfa_token"]

    wrong = [code_step(api_client, mfa_token, code="000000") for _ in range(5)]
    right = code_step(
        api_client, mfa_token, code=totp_code(two_factor_user.totp.secret)
    )

    assert [r.json()["code"] for r in wrong] == ["invalid_code"] * 5
    assert right.status_code == 400
    assert right.json()["code"] == "mfa_token_invalid"
    assert not UserSession.objects.filter(user=two_factor_user).exists()


def test_wrong_codes_count_in_the_failed_login_limits(
    two_factor_user, api_client, settings
):
    settings.THROTTLE_RATES = {
        **settings.THROTTLE_RATES,
        "login_failures_account_ip": "3/15min",
    }
    mfa_token = password_step(api_client, two_factor_user).json()["mfa_token"]

    answers = [code_step(api_client, mfa_token, code="000000") for _ in range(4)]

    assert [a.status_code for a in answers] == [400, 400, 400, 429]
    assert answers[3].json()["code"] == "throttled"


def test_the_token_is_single_use(two_factor_user, api_client):
    mfa_token = password_step(api_client, two_factor_user).json()["mfa_token"]
    code_step(api_client, mfa_token, code=totp_code(two_factor_user.totp.secret))

    again = code_step(
        api_client, mfa_token, code=totp_code(two_factor_user.totp.secret, steps=1)
    )

    assert again.status_code == 400
    assert again.json()["code"] == "mfa_token_invalid"
    assert UserSession.objects.filter(user=two_factor_user).count() == 1


def test_the_token_expires_after_five_minutes(two_factor_user, api_client):
    mfa_token = password_step(api_client, two_factor_user).json()["mfa_token"]
    MfaLoginToken.objects.update(expires_at=timezone.now() - timedelta(seconds=1))

    response = code_step(
        api_client, mfa_token, code=totp_code(two_factor_user.totp.secret)
    )

    assert response.status_code == 400
    assert response.json()["code"] == "mfa_token_invalid"


def test_a_made_up_token_is_mfa_token_invalid(api_client):
    response = code_step(api_client, "not-a-token", code="123456")

    assert response.status_code == 400
    assert response.json()["code"] == "mfa_token_invalid"


def test_a_code_used_for_one_sign_in_is_refused_for_the_next(
    two_factor_user, api_client
):
    code = totp_code(two_factor_user.totp.secret)
    first = password_step(api_client, two_factor_user).json()["mfa_token"]
    assert code_step(api_client, first, code=code).status_code == 200

    second = password_step(APIClient(), two_factor_user).json()["mfa_token"]
    replay = code_step(APIClient(), second, code=code)

    assert replay.status_code == 400
    assert replay.json()["code"] == "invalid_code"


def test_a_recovery_code_works_once_and_is_announced(
    two_factor_user, api_client, django_capture_on_commit_callbacks
):
    recovery_code = two_factor_user.totp.recovery_codes[0]
    mfa_token = password_step(api_client, two_factor_user).json()["mfa_token"]
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        first = code_step(api_client, mfa_token, recovery_code=recovery_code.upper())
    second = code_step(
        APIClient(),
        password_step(APIClient(), two_factor_user).json()["mfa_token"],
        recovery_code=recovery_code,
    )

    assert first.status_code == 200
    assert second.status_code == 400
    assert second.json()["code"] == "invalid_code"
    assert (
        RecoveryCode.objects.filter(user=two_factor_user, used_at__isnull=True).count()
        == 9
    )
    used = SecurityEvent.objects.get(kind=EventKind.RECOVERY_CODE_USED)
    assert used.session_id is not None
    assert used.detail == {"recovery_codes_left": 9}
    [notice] = [m for m in mail.outbox if m.to == ["owner@example.com"]]
    assert "9 unused recovery codes" in notice.body
    assert recovery_code not in notice.body


def test_a_code_and_a_recovery_code_together_are_invalid(two_factor_user, api_client):
    mfa_token = password_step(api_client, two_factor_user).json()["mfa_token"]

    response = code_step(
        api_client,
        mfa_token,
        code=totp_code(two_factor_user.totp.secret),
        recovery_code=two_factor_user.totp.recovery_codes[0],
    )

    assert response.status_code == 400
    assert response.json()["code"] == "invalid"


def test_409_at_the_second_step_keeps_the_token_and_force_takes_over(
    two_factor_user, api_client, settings
):
    set_policy(settings, ON_LIMIT="refuse_new")
    secret = two_factor_user.totp.secret
    first = code_step(
        api_client,
        password_step(api_client, two_factor_user).json()["mfa_token"],
        code=totp_code(secret, steps=-1),
    )
    assert first.status_code == 200
    mfa_token = password_step(APIClient(), two_factor_user).json()["mfa_token"]
    code = totp_code(secret)

    refused = code_step(APIClient(), mfa_token, code=code)
    forced = code_step(APIClient(), mfa_token, code=code, force=True)

    assert refused.status_code == 409
    assert refused.json()["code"] == "session_limit_reached"
    assert forced.status_code == 200, forced.content
    assert [s["id"] for s in forced.json()["ended_sessions"]] == [
        first.json()["session"]["id"]
    ]


def test_force_at_the_first_step_carries_to_the_second(
    two_factor_user, api_client, settings
):
    set_policy(settings, ON_LIMIT="refuse_new")
    secret = two_factor_user.totp.secret
    code_step(
        api_client,
        password_step(api_client, two_factor_user).json()["mfa_token"],
        code=totp_code(secret, steps=-1),
    )

    mfa_token = password_step(APIClient(), two_factor_user, force=True).json()[
        "mfa_token"
    ]
    response = code_step(APIClient(), mfa_token, code=totp_code(secret))

    assert response.status_code == 200
    assert len(response.json()["ended_sessions"]) == 1


def test_the_original_login_route_asks_for_the_second_factor_too(
    two_factor_user, api_client
):
    response = api_client.post(
        "/api/auth/login/",
        {
            "username": two_factor_user.username,
            "password": two_factor_user.raw_password,
        },
    )

    assert response.status_code == 202
    assert response.json()["mfa_required"] is True


def test_turning_two_factors_off_kills_a_pending_sign_in(two_factor_user, api_client):
    from mfa import services

    mfa_token = password_step(api_client, two_factor_user).json()["mfa_token"]
    services.totp_disable(user=two_factor_user)

    response = code_step(
        api_client, mfa_token, code=totp_code(two_factor_user.totp.secret)
    )

    assert response.status_code == 400
    assert response.json()["code"] == "mfa_token_invalid"
