"""Stand-ins for a Redis that is down (refuses) or frozen (accepts, never answers)."""

import socket
from collections.abc import Iterator

import pytest

from config import cache as cache_module


@pytest.fixture(autouse=True)
def _closed_circuits() -> Iterator[None]:
    """Each test starts with no Redis being skipped, and leaves none skipped."""
    cache_module._open_until.clear()
    yield
    cache_module._open_until.clear()


@pytest.fixture
def dead_redis_url() -> str:
    """A port on 127.0.0.1 where nothing listens: every connect is refused."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"redis://127.0.0.1:{port}/0"


@pytest.fixture
def frozen_redis_url() -> Iterator[str]:
    """A port that accepts connections and never answers, like a SIGSTOPped Redis."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(64)
        yield f"redis://127.0.0.1:{listener.getsockname()[1]}/0"
