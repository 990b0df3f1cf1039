"""Redis as the shared cache, with short timeouts and a circuit breaker.

redis-py waits 5 s by default for a Redis that does not answer, and retries: a frozen
Redis held every sign-in for seconds. Here each connect and each reply waits at most
`REDIS_TIMEOUT` (0.3 s), never retried, and after one failure this process skips Redis
for `circuit_seconds` (30 s): every cache call then fails at once with
`CacheUnavailable`, so a request pays the timeout at most once per worker and window.
Callers decide what a missing cache means (the throttles count in the worker's memory,
config/throttling.py); `/api/v1/health/` says "degraded".

The state is per process and shared by its threads (Django gives each thread its own
cache object).
"""

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache

from config.errors import RateLimitedLog

logger = logging.getLogger("config.cache")

CIRCUIT_SECONDS = 30.0


class CacheUnavailable(Exception):
    """The shared cache did not answer, or is being skipped after a failure."""


try:
    import redis

    REDIS_OUTAGES: tuple[type[BaseException], ...] = (
        redis.exceptions.ConnectionError,
        redis.exceptions.TimeoutError,
        OSError,
    )
except ImportError:  # no redis-py: only the local-memory cache is used
    REDIS_OUTAGES = (OSError,)

# What a caller of the cache catches to survive an outage, whatever the backend.
CACHE_ERRORS: tuple[type[BaseException], ...] = (CacheUnavailable, *REDIS_OUTAGES)

_open_until: dict[str, float] = {}  # LOCATION -> monotonic time Redis is tried again
_lock = threading.Lock()
_outage_log = RateLimitedLog(seconds=60)


class ResilientRedisCache(RedisCache):
    """Django's RedisCache that fails fast: short timeouts, no retry, a breaker."""

    def __init__(self, server: str, params: dict) -> None:
        options = dict(params.get("OPTIONS") or {})
        seconds = float(options.pop("timeout_seconds", 0.3))
        self.circuit_seconds = float(options.pop("circuit_seconds", CIRCUIT_SECONDS))
        options.setdefault("socket_connect_timeout", seconds)
        options.setdefault("socket_timeout", seconds)
        options.setdefault("retry_on_timeout", False)
        options.setdefault("health_check_interval", 0)
        super().__init__(server, {**params, "OPTIONS": options})
        self.timeout_seconds = seconds
        self.location = server if isinstance(server, str) else ",".join(server)

    def is_skipped(self) -> bool:
        return time.monotonic() < _open_until.get(self.location, 0.0)

    def open_circuit(self, error: BaseException) -> None:
        with _lock:
            _open_until[self.location] = time.monotonic() + self.circuit_seconds
        _outage_log(
            logger,
            logging.ERROR,
            "Redis did not answer (%s: %s): skipping it for %.0f s",
            type(error).__name__,
            error,
            self.circuit_seconds,
        )

    def close_circuit(self) -> None:
        with _lock:
            _open_until.pop(self.location, None)

    def _guard(self, call: Callable[[], Any]) -> Any:
        if self.is_skipped():
            raise CacheUnavailable("Redis is skipped after a recent failure")
        try:
            return call()
        except REDIS_OUTAGES as error:
            self.open_circuit(error)
            raise CacheUnavailable(f"Redis did not answer: {error}") from error

    def ping(self) -> bool:
        """Ask Redis itself, breaker or not; close or open the breaker by its answer."""
        try:
            self._cache.get_client(write=True).ping()
        except REDIS_OUTAGES as error:
            self.open_circuit(error)
            return False
        self.close_circuit()
        return True


def _guarded(name: str) -> Callable:
    method = getattr(RedisCache, name)

    def guarded(self: ResilientRedisCache, *args: Any, **kwargs: Any) -> Any:
        return self._guard(lambda: method(self, *args, **kwargs))

    guarded.__name__ = name
    guarded.__doc__ = method.__doc__
    return guarded


for _name in (
    "add",
    "get",
    "set",
    "touch",
    "delete",
    "get_many",
    "has_key",
    "incr",
    "set_many",
    "delete_many",
    "clear",
):
    setattr(ResilientRedisCache, _name, _guarded(_name))


def cache_is_available() -> bool:
    """Tell whether the shared cache answers now (one round trip at most)."""
    backend = caches["default"]  # this thread's backend object
    if isinstance(backend, ResilientRedisCache):
        return backend.ping()
    return True
