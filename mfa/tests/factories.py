"""Plain factory functions for two-factor sign-in."""

from datetime import datetime, timedelta
from typing import NamedTuple

import pyotp
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import User
from mfa import services


class TotpEnabled(NamedTuple):
    secret: str
    recovery_codes: list[str]


def totp_code(secret: str, at: datetime | None = None, steps: int = 0) -> str:
    """Return the code an authenticator app shows at `at` (now), `steps` steps later."""
    moment = (at or timezone.now()) + timedelta(seconds=30 * steps)
    return pyotp.TOTP(secret).at(moment)


def enable_totp(user: User) -> TotpEnabled:
    """Turn two-factor sign-in on for the user, as set up five minutes ago.

    Confirming spends that step's code; the codes of now are still unused.
    """
    earlier = timezone.now() - timedelta(minutes=5)
    setup = services.totp_setup(user=user, at=earlier)
    codes = services.totp_confirm(
        user=user, code=totp_code(setup.secret, earlier), at=earlier
    )
    return TotpEnabled(secret=setup.secret, recovery_codes=codes)


def two_factor_client(user: User, secret: str, steps: int = 0) -> APIClient:
    """Sign a user with two factors in through both steps, as a REST client does.

    The client carries `Authorization: Token ...`; `client.session_id` names its
    session. `steps` picks a later code when an earlier one was used already.
    """
    client = APIClient()
    first = client.post(
        reverse("sessions:login"),
        {"username": user.username, "password": user.raw_password},
    )
    assert first.status_code == 202, first.content
    second = client.post(
        reverse("mfa:login"),
        {
            "mfa_token": first.json()["mfa_token"],
            "code": totp_code(secret, steps=steps),
        },
    )
    assert second.status_code == 200, second.content
    client.credentials(HTTP_AUTHORIZATION=f"Token {second.json()['token']}")
    client.session_id = second.json()["session"]["id"]
    return client
