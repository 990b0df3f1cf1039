"""TOTP codes: the 30-second window, one step of drift, and no code twice."""

from datetime import UTC, datetime, timedelta

import pytest

from mfa import services
from mfa.exceptions import InvalidCode, MfaAlreadyEnabled, MfaNotEnabled
from mfa.models import TOTPDevice
from mfa.tests.factories import enable_totp, totp_code
from sessions_app.tests.factories import make_session

pytestmark = pytest.mark.django_db

STEP_START = datetime(2026, 5, 1, 12, 0, 0, tzinfo=UTC)  # a multiple of 30 s
STEP_END = STEP_START + timedelta(seconds=29)


@pytest.fixture
def device_user(make_user):
    user = make_user()
    secret = enable_totp(user).secret
    TOTPDevice.objects.filter(user=user).update(last_used_step=None)
    return user, secret


def step_up(user, code, at):
    session = make_session(user=user)
    return services.mfa_step_up(session=session, code=code, at=at)


@pytest.mark.parametrize("at", [STEP_START, STEP_END])
def test_a_code_works_from_the_first_to_the_last_second_of_its_step(device_user, at):
    user, secret = device_user

    step_up(user, totp_code(secret, STEP_START), at=at)


@pytest.mark.parametrize("steps", [-1, 1])
def test_a_code_one_step_early_or_late_is_accepted(device_user, steps):
    user, secret = device_user

    step_up(user, totp_code(secret, STEP_START, steps=steps), at=STEP_START)


@pytest.mark.parametrize("steps", [-2, 2])
def test_a_code_two_steps_away_is_refused(device_user, steps):
    user, secret = device_user

    with pytest.raises(InvalidCode):
        step_up(user, totp_code(secret, STEP_START, steps=steps), at=STEP_START)


@pytest.mark.parametrize(
    "at", [STEP_START - timedelta(seconds=31), STEP_END + timedelta(seconds=31)]
)
def test_the_window_ends_one_step_either_side(device_user, at):
    user, secret = device_user

    with pytest.raises(InvalidCode):
        step_up(user, totp_code(secret, STEP_START), at=at)


def test_the_same_code_is_refused_the_second_time(device_user):
    user, secret = device_user
    code = totp_code(secret, STEP_START)
    step_up(user, code, at=STEP_START)

    with pytest.raises(InvalidCode):
        step_up(user, code, at=STEP_START + timedelta(seconds=10))


def test_an_older_code_is_refused_after_a_newer_one(device_user):
    user, secret = device_user
    step_up(user, totp_code(secret, STEP_START, steps=1), at=STEP_START)

    with pytest.raises(InvalidCode):
        step_up(user, totp_code(secret, STEP_START), at=STEP_START)


def test_the_next_code_works_after_one_was_used(device_user):
    user, secret = device_user
    step_up(user, totp_code(secret, STEP_START), at=STEP_START)

    step_up(
        user,
        totp_code(secret, STEP_START, steps=1),
        at=STEP_START + timedelta(seconds=30),
    )


def test_a_new_setup_replaces_a_pending_one(make_user):
    user = make_user()
    first = services.totp_setup(user=user)
    second = services.totp_setup(user=user)

    assert first.secret != second.secret
    with pytest.raises(InvalidCode):
        services.totp_confirm(user=user, code=totp_code(first.secret))
    assert services.totp_confirm(user=user, code=totp_code(second.secret))


def test_a_setup_is_refused_while_two_factors_are_on(make_user):
    user = make_user()
    enable_totp(user)

    with pytest.raises(MfaAlreadyEnabled):
        services.totp_setup(user=user)


def test_confirming_without_a_setup_is_refused(make_user):
    with pytest.raises(MfaNotEnabled):
        services.totp_confirm(user=make_user(), code="123456")
