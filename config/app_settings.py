"""The session policy: defaults, environment overrides and the `policy` accessor."""

import re
from collections.abc import Callable, Mapping
from datetime import timedelta
from enum import StrEnum
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


class OnLimit(StrEnum):
    """What a login does when the user already holds the most sessions allowed."""

    END_OLDEST = "end_oldest"  # the oldest live sessions end (reason `superseded`)
    REFUSE_NEW = "refuse_new"  # the login is refused, unless it says `force`


class LimitScope(StrEnum):
    """What the session limit counts."""

    USER = "user"  # all of a user's sessions together
    TRANSPORT = "transport"  # cookie and token sessions apart


DEFAULTS: dict[str, Any] = {
    "MAX_SESSIONS_PER_USER": 1,
    "ON_LIMIT": OnLimit.END_OLDEST,
    "LIMIT_SCOPE": LimitScope.USER,
    "TOKEN_TTL": timedelta(hours=10),
    "COOKIE_TTL": timedelta(hours=12),
    "IDLE_TIMEOUT": timedelta(minutes=30),
    "ACTIVITY_UPDATE_INTERVAL": timedelta(seconds=60),
    "NOTIFY_NEW_LOGIN": True,
    "REFRESH_TTL": timedelta(days=14),
    "REFRESH_REUSE_GRACE": timedelta(seconds=5),
    "SESSION_MAX_LIFETIME": timedelta(days=30),
    "REAUTH_WINDOW": timedelta(seconds=600),
    "MFA_REQUIRED_FOR_STAFF": False,
}


def _positive_int(raw: str) -> int:
    value = int(raw)
    if value < 1:
        raise ValueError("must be at least 1")
    return value


def _seconds(raw: str) -> timedelta:
    value = int(raw)
    if value < 0:
        raise ValueError("must not be negative")
    return timedelta(seconds=value)


def _flag(raw: str) -> bool:
    return raw.strip().lower() in {"1", "true", "yes", "on"}


def _one_of(choices: type[StrEnum]) -> Callable[[str], StrEnum]:
    def parse(raw: str) -> StrEnum:
        try:
            return choices(raw)
        except ValueError:
            raise ValueError(f"must be one of {', '.join(choices)}") from None

    return parse


_PARSERS: dict[str, Callable[[str], Any]] = {
    "MAX_SESSIONS_PER_USER": _positive_int,
    "ON_LIMIT": _one_of(OnLimit),
    "LIMIT_SCOPE": _one_of(LimitScope),
    "TOKEN_TTL": _seconds,
    "COOKIE_TTL": _seconds,
    "IDLE_TIMEOUT": _seconds,
    "ACTIVITY_UPDATE_INTERVAL": _seconds,
    "NOTIFY_NEW_LOGIN": _flag,
    "REFRESH_TTL": _seconds,
    "REFRESH_REUSE_GRACE": _seconds,
    "SESSION_MAX_LIFETIME": _seconds,
    "REAUTH_WINDOW": _seconds,
    "MFA_REQUIRED_FOR_STAFF": _flag,
}


def policy_from_env(environ: Mapping[str, str]) -> dict[str, Any]:
    """Return the policy dict: the defaults with each `SESSION_POLICY_<KEY>` applied."""
    result = dict(DEFAULTS)
    for key, parse in _PARSERS.items():
        raw = environ.get(f"SESSION_POLICY_{key}")
        if raw is None or raw == "":
            continue
        try:
            result[key] = parse(raw)
        except ValueError as error:
            raise ImproperlyConfigured(
                f"SESSION_POLICY_{key}={raw!r}: {error}"
            ) from None
    return result


DEFAULT_THROTTLE_RATES = {
    "login_ip": "60/min",  # sign-in, signup and password endpoints, per client IP
    "login_failures_account_ip": "10/15min",  # failed logins per (account, client IP)
    "login_failures_account": "100/hour",  # failed logins per account, whatever the IP
    "login_failures_device": "10/15min",  # per (device credential, account) instead
    "password_reset_address": "3/hour",  # reset mails per email address
}

_UNITS = {
    "s": 1,
    "sec": 1,
    "second": 1,
    "m": 60,
    "min": 60,
    "minute": 60,
    "h": 3600,
    "hour": 3600,
    "d": 86400,
    "day": 86400,
}
_RATE = re.compile(r"^\s*(\d+)\s*/\s*(\d*)\s*([a-z]+?)s?\s*$")


def parse_rate(rate: str) -> tuple[int, int]:
    """Turn "10/15min" into (10 requests, 900 seconds)."""
    match = _RATE.match(rate.lower())
    if not match or match.group(3) not in _UNITS:
        raise ValueError(f"not a rate such as 60/min or 10/15min: {rate!r}")
    count, multiplier, unit = match.groups()
    return int(count), int(multiplier or 1) * _UNITS[unit]


class SessionPolicy:
    """Typed access to `settings.SESSION_POLICY`, read on each access (tests change it).

    A key missing from the setting takes its default; an unknown name is an error.
    """

    @staticmethod
    def _get(name: str) -> Any:
        return getattr(settings, "SESSION_POLICY", {}).get(name, DEFAULTS[name])

    @property
    def MAX_SESSIONS_PER_USER(self) -> int:
        return self._get("MAX_SESSIONS_PER_USER")

    @property
    def ON_LIMIT(self) -> OnLimit:
        return OnLimit(self._get("ON_LIMIT"))

    @property
    def LIMIT_SCOPE(self) -> LimitScope:
        return LimitScope(self._get("LIMIT_SCOPE"))

    @property
    def TOKEN_TTL(self) -> timedelta:
        return self._get("TOKEN_TTL")

    @property
    def COOKIE_TTL(self) -> timedelta:
        return self._get("COOKIE_TTL")

    @property
    def IDLE_TIMEOUT(self) -> timedelta:
        return self._get("IDLE_TIMEOUT")

    @property
    def ACTIVITY_UPDATE_INTERVAL(self) -> timedelta:
        return self._get("ACTIVITY_UPDATE_INTERVAL")

    @property
    def NOTIFY_NEW_LOGIN(self) -> bool:
        return self._get("NOTIFY_NEW_LOGIN")

    @property
    def REFRESH_TTL(self) -> timedelta:
        """How long a token session lives on without a refresh (from the last one)."""
        return self._get("REFRESH_TTL")

    @property
    def REFRESH_REUSE_GRACE(self) -> timedelta:
        """How long after a rotation the old refresh token is a retry, not a replay."""
        return self._get("REFRESH_REUSE_GRACE")

    @property
    def SESSION_MAX_LIFETIME(self) -> timedelta:
        """Absolute lifetime of a token session, however often it is refreshed."""
        return self._get("SESSION_MAX_LIFETIME")

    @property
    def REAUTH_WINDOW(self) -> timedelta:
        """How long a step-up (password confirmed) lets sensitive changes through."""
        return self._get("REAUTH_WINDOW")

    @property
    def MFA_REQUIRED_FOR_STAFF(self) -> bool:
        """Staff routes and the admin need a session that passed a second factor."""
        return self._get("MFA_REQUIRED_FOR_STAFF")

    def __getattr__(self, name: str) -> Any:
        raise AttributeError(f"no session policy setting called {name!r}")


policy = SessionPolicy()
