"""Steady load on a server on 127.0.0.1, bounded in time and count; every answer kept.

Each client thread sends one request at a time on a new connection and records when it
started and ended, what it asked and what it got (status 0: no answer at all). With as
many threads as gunicorn workers, no request waits in the listen queue behind another,
so a request's time is the server's time.
"""

import http.client
import json
import random
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

CLIENT_TIMEOUT = 30.0  # longer than any server-side deadline: a hang shows as a hang
MAX_REQUESTS = 20_000  # per run, whatever the duration


@dataclass
class Answer:
    kind: str
    started: float
    ended: float
    status: int
    code: str | None = None

    @property
    def seconds(self) -> float:
        return self.ended - self.started


def call(
    port: int,
    method: str,
    path: str,
    *,
    token: str | None = None,
    body: dict | None = None,
) -> tuple[int, dict]:
    """One request on a new connection: (status, JSON body), (0, {}) if no answer."""
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Token {token}"
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=CLIENT_TIMEOUT)
    try:
        connection.request(
            method, path, body=json.dumps(body) if body else None, headers=headers
        )
        response = connection.getresponse()
        raw = response.read()
        try:
            payload = json.loads(raw) if raw else {}
        except ValueError:
            payload = {}
        return response.status, payload if isinstance(payload, dict) else {}
    except (OSError, http.client.HTTPException):
        return 0, {}
    finally:
        connection.close()


@dataclass
class Load:
    """Run `requests` (callables returning kind, status, body) in client threads."""

    threads: int
    requests: list[Callable[[], tuple[str, int, dict]]]
    answers: list[Answer] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _workers: list[threading.Thread] = field(default_factory=list)

    def _run(self, seed: int) -> None:
        chooser = random.Random(seed)
        while not self._stop.is_set():
            with self._lock:
                if len(self.answers) >= MAX_REQUESTS:
                    return
            started = time.monotonic()
            kind, status, body = chooser.choice(self.requests)()
            answer = Answer(kind, started, time.monotonic(), status, body.get("code"))
            with self._lock:
                self.answers.append(answer)

    def __enter__(self) -> "Load":
        for index in range(self.threads):
            thread = threading.Thread(target=self._run, args=(index,), daemon=True)
            thread.start()
            self._workers.append(thread)
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        for thread in self._workers:
            thread.join(timeout=CLIENT_TIMEOUT + 5)

    def between(self, start: float, end: float) -> list[Answer]:
        """Answers to requests that started in [start, end)."""
        with self._lock:
            return [a for a in self.answers if start <= a.started < end]


def summary(answers: list[Answer]) -> str:
    """'N requests: 200 x a, 503 x b; slowest 1.2 s' (status 0 is no answer)."""
    if not answers:
        return "no requests"
    statuses = Counter(a.status for a in answers)
    listed = ", ".join(f"{s} x {n}" for s, n in sorted(statuses.items()))
    slowest = max(a.seconds for a in answers)
    return f"{len(answers)} requests: {listed}; slowest {slowest:.2f} s"


def statuses_by_kind(answers: list[Answer]) -> dict[str, Counter]:
    found: dict[str, Counter] = {}
    for answer in answers:
        found.setdefault(answer.kind, Counter())[answer.status] += 1
    return found
