"""Failed-login limits: per (account, client IP), and per account whatever the IP.

An attacker can neither guess many passwords for one account from one address, nor
lock the owner out cheaply from many addresses (the per-account limit is ten times
higher). The account is named the same way whether it exists or not.
"""

import hashlib
import unicodedata

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import Throttled

from config.throttling import FixedWindow, request_throttled

ACCOUNT_AND_IP = "login_failures_account_ip"
ACCOUNT = "login_failures_account"


class LoginThrottled(Throttled):
    default_detail = _("Too many failed logins for this account.")
    extra_detail_singular = extra_detail_plural = _("Try again in {wait} seconds.")


def account_key(*, username: str | None = None, mobile: str | None = None) -> str:
    """Name the account a login attempt targets (a digest, never the identifier)."""
    if mobile:
        name = f"mobile:{mobile}"
    else:
        name = "username:" + unicodedata.normalize("NFKC", username or "").casefold()
    return hashlib.sha256(name.encode()).hexdigest()[:32]


def _windows(account: str, ip: str | None) -> list[FixedWindow]:
    return [
        FixedWindow(ACCOUNT_AND_IP, f"{account}:{ip or 'unknown'}"),
        FixedWindow(ACCOUNT, account),
    ]


def login_failures_check(*, account: str, ip: str | None) -> None:
    """Refuse (429 `throttled`) an attempt on an account that failed too often."""
    for window in _windows(account, ip):
        if window.is_exhausted():
            raise LoginThrottled(wait=window.retry_after)


def login_failure_record(
    *, account: str, ip: str | None, request: HttpRequest | None = None
) -> None:
    """Count a failed login; announce the moment a limit trips."""
    for window, scope in zip(
        _windows(account, ip), (ACCOUNT_AND_IP, ACCOUNT), strict=True
    ):
        if window.hit() == window.limit:
            request_throttled.send(
                sender=LoginThrottled, scope=scope, ident=account, request=request
            )


def login_failures_clear(*, account: str, ip: str | None) -> None:
    """Forget this address's failures on the account after a successful login."""
    _windows(account, ip)[0].clear()
