"""The session policy: defaults, environment overrides and the `policy` accessor."""
import re
from collections.abc import Callable, Mapping
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

ON_LIMIT_CHOICES = ("end_oldest", "refuse_new")
LIMIT_SCOPE_CHOICES = ("user", "transport")

DEFAULTS: dict[str, Any] = {
    "MAX_SESSIONS_PER_USER": 1,
    "ON_LIMIT": "end_oldest",
    "LIMIT_SCOPE": "user",
    "TOKEN_TTL": timedelta(hours=10),
    "COOKIE_TTL": timedelta(hours=12),
    "IDLE_TIMEOUT": timedelta(minutes=30),
    "ACTIVITY_UPDATE_INTERVAL": timedelta(seconds=60),
    "NOTIFY_NEW_LOGIN": True,
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


def _one_of(*choices: str) -> Callable[[str], str]:
    def parse(raw: str) -> str:
        if raw not in choices:
            raise ValueError(f"must be one of {', '.join(choices)}")
        return raw

    return parse


_PARSERS: dict[str, Callable[[str], Any]] = {
    "MAX_SESSIONS_PER_USER": _positive_int,
    "ON_LIMIT": _one_of(*ON_LIMIT_CHOICES),
    "LIMIT_SCOPE": _one_of(*LIMIT_SCOPE_CHOICES),
    "TOKEN_TTL": _seconds,
    "COOKIE_TTL": _seconds,
    "IDLE_TIMEOUT": _seconds,
    "ACTIVITY_UPDATE_INTERVAL": _seconds,
    "NOTIFY_NEW_LOGIN": _flag,
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
            raise ImproperlyConfigured(f"SESSION_POLICY_{key}={raw!r}: {error}") from None
    return result


DEFAULT_THROTTLE_RATES = {
    "login_ip": "60/min",  # login, register, signup and password endpoints, per client IP
    "login_failures_account_ip": "10/15min",  # failed logins per (account, client IP)
    "login_failures_account": "100/hour",  # failed logins per account, whatever the IP
}

_UNITS = {"s": 1, "sec": 1, "second": 1, "m": 60, "min": 60, "minute": 60,
          "h": 3600, "hour": 3600, "d": 86400, "day": 86400}
_RATE = re.compile(r"^\s*(\d+)\s*/\s*(\d*)\s*([a-z]+?)s?\s*$")


def parse_rate(rate: str) -> tuple[int, int]:
    """Turn "10/15min" into (10 requests, 900 seconds)."""
    match = _RATE.match(rate.lower())
    if not match or match.group(3) not in _UNITS:
        raise ValueError(f"not a rate such as 60/min or 10/15min: {rate!r}")
    count, multiplier, unit = match.groups()
    return int(count), int(multiplier or 1) * _UNITS[unit]


class _SessionPolicy:
    """Read `settings.SESSION_POLICY` on every access, so tests may change it."""

    def __getattr__(self, name: str) -> Any:
        if name not in DEFAULTS:
            raise AttributeError(f"no session policy setting called {name!r}")
        return getattr(settings, "SESSION_POLICY", {}).get(name, DEFAULTS[name])


policy = _SessionPolicy()
