"""Password guessing limits for every password form, counted by account.

- A guess counts against the account it names (its primary key), whatever spelling of
  the username or mobile number named it; only a name that matches no account is
  counted by its normalised form.
- A slot is reserved (an atomic INCR) before the password hasher runs and given back
  when the password was right, so parallel guesses cannot overshoot a limit.
- The owner is never locked out by someone else's failures (OWASP "device cookies"):
  a successful sign-in issues a device credential (an HttpOnly `device` cookie, or
  `device_token` in token answers). Attempts that carry a valid one for the account
  are limited only by their own (device, account) counter; the per-account limit
  applies to attempts without one.
"""

import hashlib
import secrets
import unicodedata
from datetime import timedelta

from django.core import signing
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import Throttled

from accounts.models import User, username_key
from config.throttling import FixedWindow, request_throttled, throttle_registry
from sessions_app.devices import request_origin

ACCOUNT_AND_IP = "login_failures_account_ip"
ACCOUNT = "login_failures_account"
DEVICE = "login_failures_device"

DEVICE_COOKIE = "device"
DEVICE_MAX_AGE = timedelta(days=365)
DEVICE_SALT = "sessions_app.device-credential"


class LoginThrottled(Throttled):
    default_detail = _("Too many failed logins for this account.")
    extra_detail_singular = extra_detail_plural = _("Try again in {wait} seconds.")


def account_key(
    *, user: User | None = None, username: str | None = None, mobile: str | None = None
) -> str:
    """Name the account an attempt targets: its primary key, else the typed name.

    A name that matches no account is named by a digest of its normalised form, so
    the counters and the abuse console never hold what was typed.
    """
    if user is not None:
        return f"user:{user.pk}"
    if mobile:
        name = f"mobile:{mobile}"
    else:
        typed = unicodedata.normalize("NFKC", username or "").casefold()
        name = f"username:{username_key(username) or typed}"
    return "name:" + hashlib.sha256(name.encode()).hexdigest()[:32]


def device_credential_issue(user: User) -> str:
    """Return a new signed device credential for this account (cookie or token)."""
    return signing.dumps(
        {"user": str(user.pk), "device": secrets.token_hex(8)}, salt=DEVICE_SALT
    )


def device_id_for(credential: str | None, *, user: User | None) -> str | None:
    """Return the device a credential names, if it is valid for this account."""
    if not credential or user is None or len(credential) > 512:
        return None
    try:
        data = signing.loads(
            credential, salt=DEVICE_SALT, max_age=DEVICE_MAX_AGE.total_seconds()
        )
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or data.get("user") != str(user.pk):
        return None
    device = data.get("device")
    return device if isinstance(device, str) else None


class PasswordAttempt:
    """One guess at an account's password, counted before the hasher runs."""

    def __init__(self, *, account: str, ip: str | None, device: str | None) -> None:
        if device:
            self.windows = [(DEVICE, FixedWindow(DEVICE, f"{account}:{device}"))]
        else:
            self.windows = [
                (ACCOUNT_AND_IP, FixedWindow(ACCOUNT_AND_IP, f"{account}:{ip}")),
                (ACCOUNT, FixedWindow(ACCOUNT, account)),
            ]
        self.account = account
        self.counts: list[int] = []

    def reserve(self) -> None:
        """Take a slot in every window, or none: 429 `throttled` if one is full."""
        for _scope, window in self.windows:
            count = window.hit()
            self.counts.append(count)
            if count > window.limit:
                self._give_back()
                raise LoginThrottled(wait=window.retry_after)

    def succeeded(self) -> None:
        """The password was right: give the slots back, forget this place's misses."""
        self._give_back()
        self.windows[0][1].clear()

    def failed(self, request: HttpRequest | None = None) -> None:
        """The password was wrong: the slots stay taken; announce a limit it trips."""
        for (scope, window), count in zip(self.windows, self.counts, strict=True):
            if count == window.limit:
                throttle_registry.add(window, scope=scope, ident=self.account)
                request_throttled.send(
                    sender=LoginThrottled,
                    scope=scope,
                    ident=self.account,
                    request=request,
                )

    def _give_back(self) -> None:
        for (_scope, window), _count in zip(self.windows, self.counts, strict=False):
            window.release()
        self.counts = []


def password_attempt(
    request: HttpRequest,
    *,
    user: User | None,
    username: str | None = None,
    mobile: str | None = None,
    device_credential: str | None = None,
) -> PasswordAttempt:
    """Start counting a guess from this request at the account it names."""
    credential = device_credential or request.COOKIES.get(DEVICE_COOKIE)
    return PasswordAttempt(
        account=account_key(user=user, username=username, mobile=mobile),
        ip=request_origin(request).ip_address,
        device=device_id_for(credential, user=user),
    )
