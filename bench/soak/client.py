"""The soak's HTTP client and what it saw: latencies, statuses, violations, events."""

import http.client
import json
import threading
import time
from collections import Counter, defaultdict

REQUEST_TIMEOUT = 120  # seconds; logins queue behind Argon2 on a small machine


class Record:
    """Latencies, statuses and violations, shared by every user thread."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.latencies: dict[str, list[float]] = defaultdict(list)
        self.statuses: Counter = Counter()
        self.violations: dict[str, list[str]] = defaultdict(list)
        self.events: Counter = Counter()

    def answer(self, kind: str, status: int, seconds: float) -> None:
        with self.lock:
            self.latencies[kind].append(seconds * 1000)
            self.statuses[(kind, status)] += 1

    def violation(self, kind: str, detail: str) -> None:
        with self.lock:
            self.violations[kind].append(detail)

    def count(self, event: str, n: int = 1) -> None:
        with self.lock:
            self.events[event] += n


class Client:
    """One request per connection (sync workers close it anyway), to 127.0.0.1 only."""

    def __init__(self, port: int, record: Record) -> None:
        self.port, self.record = port, record

    def call(
        self,
        kind: str,
        method: str,
        path: str,
        *,
        token: str | None = None,
        body: dict | None = None,
        user_agent: str = "soak",
    ) -> tuple[int, dict]:
        headers = {"User-Agent": user_agent, "Accept": "application/json"}
        if body is not None:
            headers["Content-Type"] = "application/json"
        if token:
            headers["Authorization"] = f"Token {token}"
        started = time.monotonic()
        connection = http.client.HTTPConnection(
            "127.0.0.1", self.port, timeout=REQUEST_TIMEOUT
        )
        try:
            connection.request(
                method,
                path,
                headers=headers,
                body=json.dumps(body) if body is not None else None,
            )
            response = connection.getresponse()
            raw = response.read()
            status = response.status
        except (OSError, http.client.HTTPException) as error:
            self.record.violation("transport error", f"{method} {path}: {error!r}")
            return 0, {}
        finally:
            connection.close()
        self.record.answer(kind, status, time.monotonic() - started)
        if status >= 500:
            self.record.violation("5xx", f"{method} {path}: {status} {raw[:200]!r}")
        try:
            return status, json.loads(raw) if raw else {}
        except ValueError:
            self.record.violation(
                "not JSON", f"{method} {path}: {status} {raw[:200]!r}"
            )
            return status, {}
