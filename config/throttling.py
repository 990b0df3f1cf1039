"""Fixed-window rate limits kept in the shared cache (Redis when `REDIS_URL` is set).

Counters use `cache.add` + `cache.incr`, which are atomic in Redis, so every worker and
host agrees. Rates come from `settings.THROTTLE_RATES` on each request, so tests and
operators can change them (`THROTTLE_<SCOPE>=60/min` in the environment).
"""

import math
import time

from django.conf import settings
from django.core.cache import cache
from django.dispatch import Signal
from rest_framework.request import Request
from rest_framework.throttling import BaseThrottle
from rest_framework.views import APIView

from config.app_settings import DEFAULT_THROTTLE_RATES, parse_rate

# Sent when a limit trips: scope, ident (never a secret), request (or None).
request_throttled = Signal()


def rate_for(scope: str) -> tuple[int, int]:
    """Return (limit, window seconds) for a scope, as configured right now."""
    rates = {**DEFAULT_THROTTLE_RATES, **getattr(settings, "THROTTLE_RATES", {})}
    return parse_rate(rates[scope])


class FixedWindow:
    """One counter per scope, identity and time window."""

    def __init__(self, scope: str, ident: str) -> None:
        self.limit, self.window = rate_for(scope)
        now = time.time()
        self.retry_after = math.ceil(self.window - now % self.window)
        self.key = f"throttle:{scope}:{ident}:{int(now // self.window)}"

    def count(self) -> int:
        return cache.get(self.key, 0)

    def hit(self) -> int:
        """Count one more and return the new total."""
        cache.add(self.key, 0, timeout=self.window + 1)
        try:
            return cache.incr(self.key)
        except ValueError:  # expired between add and incr
            cache.add(self.key, 1, timeout=self.window + 1)
            return 1

    def is_exhausted(self) -> bool:
        return self.count() >= self.limit

    def clear(self) -> None:
        cache.delete(self.key)


class ClientIPThrottle(BaseThrottle):
    """At most `THROTTLE_RATES["login_ip"]` requests per client IP to sign-in views."""

    scope = "login_ip"

    def allow_request(self, request: Request, view: APIView) -> bool:
        ident = self.get_ident(request) or "unknown"
        window = FixedWindow(self.scope, ident)
        count = window.hit()
        self.retry_after = window.retry_after
        if count <= window.limit:
            return True
        if count == window.limit + 1:  # announce once per window, not per request
            request_throttled.send(
                sender=type(self), scope=self.scope, ident=ident, request=request
            )
        return False

    def wait(self) -> float:
        return self.retry_after
