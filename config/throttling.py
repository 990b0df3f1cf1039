"""Fixed-window rate limits kept in the shared cache (Redis when `REDIS_URL` is set).

Counters use `cache.add` + `cache.incr`, which are atomic in Redis, so every worker and
host agrees. Rates come from `settings.THROTTLE_RATES` on each request, so tests and
operators can change them (`THROTTLE_<SCOPE>=60/min` in the environment).

When the cache is down or slow (config/cache.py), counting goes on in this worker's own
memory: sign-in keeps working and keeps limiting, but each worker counts alone, so the
effective limit is the configured one times the number of workers (and hosts). An error
line says so at most once a minute.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, NamedTuple

from django.conf import settings
from django.core.cache import cache, caches
from django.core.cache.backends.locmem import LocMemCache
from django.dispatch import Signal
from rest_framework.request import Request
from rest_framework.throttling import BaseThrottle

from config.app_settings import DEFAULT_THROTTLE_RATES, parse_rate
from config.cache import CACHE_ERRORS, ResilientRedisCache
from config.errors import RateLimitedLog

if TYPE_CHECKING:  # rest_framework.views loads the API settings, and so our apps
    from rest_framework.views import APIView

# Sent when a limit trips: scope, ident (never a secret), request (or None).
request_throttled = Signal()

logger = logging.getLogger("config.throttling")

# This worker's own counters, used while the shared cache does not answer.
local_counters = LocMemCache("throttle-fallback", {"OPTIONS": {"MAX_ENTRIES": 100_000}})
_fallback_log = RateLimitedLog(seconds=60)


def _counted(operation: Callable[[object], int | None]) -> int | None:
    """Run a counter operation on the shared cache, or on local memory if it is down."""
    try:
        return operation(cache)
    except CACHE_ERRORS as error:
        _fallback_log(
            logger,
            logging.ERROR,
            "Throttle counters are in this worker's memory: the cache is unavailable "
            "(%s); each worker now allows the full limit",
            error,
        )
        return operation(local_counters)


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
        return _counted(lambda store: store.get(self.key, 0))

    def hit(self) -> int:
        """Count one more and return the new total."""
        return _counted(self._hit)

    def _hit(self, store: object) -> int:
        store.add(self.key, 0, timeout=self.window + 1)
        try:
            return store.incr(self.key)
        except ValueError:  # expired between add and incr
            store.add(self.key, 1, timeout=self.window + 1)
            return 1

    def release(self) -> None:
        """Give back one reserved count (a password that turned out right)."""
        _counted(self._release)

    def _release(self, store: object) -> None:
        try:
            store.decr(self.key)
        except ValueError:  # the window ended meanwhile: nothing to give back
            pass

    def is_exhausted(self) -> bool:
        return self.count() >= self.limit

    def clear(self) -> None:
        _counted(lambda store: store.delete(self.key))


class TrippedLimit(NamedTuple):
    scope: str
    ident: str
    key: str  # the counter's cache key
    count: int
    expires_at: float  # epoch seconds


class ThrottleRegistry:
    """The limits tripped right now, for the abuse console.

    A Redis sorted set scored by expiry, shared by every worker. With the local-memory
    cache (development, tests), or while Redis is down, a dict kept in that cache.
    """

    key = "throttle:registry"

    @staticmethod
    def _redis() -> ResilientRedisCache | None:
        backend = caches["default"]
        return backend if isinstance(backend, ResilientRedisCache) else None

    def _on_redis(self, call: Callable[[Any, str], Any]) -> tuple[bool, Any]:
        backend = self._redis()
        if backend is None:
            return False, None
        try:
            client = backend._cache.get_client(write=True)
            name = backend.make_and_validate_key(self.key)
            return True, backend._guard(lambda: call(client, name))
        except CACHE_ERRORS:
            return False, None

    def _in_memory(self, change: Callable[[dict[str, float]], None]) -> dict:
        def apply(store: Any) -> dict:
            members = dict(store.get(self.key) or {})
            change(members)
            store.set(self.key, members, timeout=None)
            return members

        return _counted(apply)

    def add(self, window: FixedWindow, *, scope: str, ident: str) -> None:
        """Note that this window's limit tripped, until the window ends."""
        member = f"{scope}|{ident}|{window.key}"
        expires_at = time.time() + window.retry_after
        done, _ = self._on_redis(lambda r, name: r.zadd(name, {member: expires_at}))
        if not done:
            self._in_memory(lambda members: members.update({member: expires_at}))

    def entries(self) -> list[TrippedLimit]:
        """Return the limits still tripped, soonest to expire first."""
        now = time.time()

        def read(r: Any, name: str) -> list[tuple[bytes, float]]:
            r.zremrangebyscore(name, "-inf", now)
            return r.zrangebyscore(name, now, "+inf", withscores=True)

        done, rows = self._on_redis(read)
        if done:
            members = [(m.decode(), score) for m, score in rows]
        else:

            def drop_expired(members: dict[str, float]) -> None:
                for member in [m for m, t in members.items() if t <= now]:
                    del members[member]

            members = sorted(
                self._in_memory(drop_expired).items(), key=lambda item: item[1]
            )
        tripped = []
        for member, expires_at in members:
            scope, ident, key = member.split("|", 2)
            count = _counted(lambda store, key=key: store.get(key, 0)) or 0
            if count:
                tripped.append(TrippedLimit(scope, ident, key, count, expires_at))
        return tripped

    def clear(self, limit: TrippedLimit) -> None:
        """Reset a tripped counter and forget it."""
        _counted(lambda store: store.delete(limit.key))
        member = f"{limit.scope}|{limit.ident}|{limit.key}"
        done, _ = self._on_redis(lambda r, name: r.zrem(name, member))
        if not done:
            self._in_memory(lambda members: members.pop(member, None))


throttle_registry = ThrottleRegistry()


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
            throttle_registry.add(window, scope=self.scope, ident=ident)
            request_throttled.send(
                sender=type(self), scope=self.scope, ident=ident, request=request
            )
        return False

    def wait(self) -> float:
        return self.retry_after
