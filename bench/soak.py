"""`make soak`: many users on several devices against the production stack, then checks.

    python bench/soak.py                 # what `make soak` runs: 200 users, 5 minutes
    python bench/soak.py --seconds 30    # `make soak-short` (CI); SOAK_SECONDS=30 too

Creates a fresh PostgreSQL database (postgres@127.0.0.1, dropped afterwards), 200 users
(Argon2, the production hasher) with 3 devices each, and starts gunicorn with
gunicorn.conf.py (WEB_CONCURRENCY workers, default 2 x cores + 1; DEBUG off; Redis for
throttles; on 127.0.0.1). Policy for the run: 2 live sessions per user, and an idle
timeout short enough that some sessions expire; the login throttle is raised (every
request comes from 127.0.0.1). One thread per user, for the given time: log in (by
username or mobile, sometimes all devices at once), use the session, list sessions,
end another device's session, log out, sign out everywhere else, retry a credential
known to be dead, mistype the password. The client knows what every answer must be:
a login lists the sessions it ended, so any other ended session must be an expiry.

After the run: every token issued is tried once more and its answer compared with its
row; `end_expired_sessions` runs; then SQL (through the ORM) checks that no user holds
more live sessions than allowed, that every ended session has one closed activity
period and every live one an open one. It prints the counts and p50/p99 latencies and
exits 1 on any violation (also any 5xx, transport error or traceback in gunicorn's log).
"""

import argparse
import http.client
import json
import os
import random
import re
import statistics
import sys
import threading
import time
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from serving.runner import (  # noqa: E402  (the project root is on the path now)
    PLAIN_HTTP_PRODUCTION,
    ROOT,
    Gunicorn,
    database_drop,
    database_ensure,
    database_name,
    manage,
    with_database,
)

RESULTS = ROOT / "bench" / "results"
PASSWORD = "soak-password-2026-long"
ENDED_CODES = {
    "session_superseded",
    "session_terminated",
    "session_expired",
    "session_logged_out",
    "session_password_changed",
    "account_disabled",
}
USER_AGENTS = [
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0 Safari/537.36",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
    "PostmanRuntime/7.39.0",
]
REQUEST_TIMEOUT = 120  # seconds; logins queue behind Argon2 on a small machine
MAX_WRONG_PASSWORDS = 3  # per user: stay under the failed-login limit (10 / 15 min)


def mobile_of(n: int) -> str:
    return f"+9192{n:08d}"


# ---- what the client saw -------------------------------------------------------------


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


# ---- one user, its devices and what it knows about its sessions ----------------------


@dataclass
class Device:
    user_agent: str
    session_id: str | None = None  # the session this device uses now, if any


@dataclass
class UserState:
    number: int
    devices: list[Device]
    live: dict[str, str] = field(default_factory=dict)  # session id -> token, all live
    dead: dict[str, str] = field(default_factory=dict)  # token -> how we learned it
    wrong_passwords: int = 0


class UserLoop(threading.Thread):
    def __init__(
        self,
        state: UserState,
        client: Client,
        record: Record,
        *,
        start_at: float,
        stop_at: float,
        limit: int,
        seed: int,
    ) -> None:
        super().__init__(daemon=True, name=f"soak-user-{state.number}")
        self.state, self.client, self.record = state, client, record
        self.start_at, self.stop_at, self.limit = start_at, stop_at, limit
        self.random = random.Random(seed)

    # -- bookkeeping

    def mark_dead(self, session_id: str, how: str) -> None:
        token = self.state.live.pop(session_id, None)
        if token is not None:
            self.state.dead[token] = how
        for device in self.state.devices:
            if device.session_id == session_id:
                device.session_id = None

    def token_of(self, device: Device) -> str | None:
        return self.state.live.get(device.session_id) if device.session_id else None

    def refused(self, device: Device, body: dict, what: str) -> None:
        """Our own live token was refused: only an expiry may end a session unannounced."""
        code = body.get("code")
        if code != "session_expired":
            self.record.violation(
                "session ended without the client being told",
                f"user {self.state.number} {what}: 403 {code}",
            )
        self.record.count("sessions found expired")
        self.mark_dead(device.session_id, "expired")

    # -- actions

    def login_request(
        self, device: Device, *, password: str = PASSWORD
    ) -> tuple[int, dict]:
        number = self.state.number
        spelling = self.random.choice(["username", "mobile", "mobile_national"])
        if spelling == "username":
            body = {"username": f"soak{number}"}
        elif spelling == "mobile":
            body = {"mobile": mobile_of(number)}
        else:
            national = mobile_of(number)[3:]
            body = {"mobile": f"{national[:5]} {national[5:]}"}
        return self.client.call(
            "login",
            "POST",
            "/api/v1/auth/login/",
            body={**body, "password": password},
            user_agent=device.user_agent,
        )

    def accept_logins(self, answers: list[tuple[Device, int, dict]]) -> None:
        # All new sessions first: one login of a burst may end another's new session.
        ended = []
        for device, status, body in answers:
            if status != 200:
                self.record.violation(
                    "login refused", f"user {self.state.number}: {status} {body}"
                )
                continue
            self.state.live[body["session"]["id"]] = body["token"]
            device.session_id = body["session"]["id"]
            ended += [s["id"] for s in body["ended_sessions"]]
            self.record.count("logins")
        for session_id in ended:
            self.mark_dead(session_id, "superseded")
            self.record.count("sessions superseded")

    def login(self, device: Device) -> None:
        status, body = self.login_request(device)
        self.accept_logins([(device, status, body)])

    def login_everywhere(self) -> None:
        """All devices log in at the same moment: the limit must hold under the race."""
        answers = []

        def one(device: Device) -> None:
            answers.append((device, *self.login_request(device)))

        threads = [threading.Thread(target=one, args=(d,)) for d in self.state.devices]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(REQUEST_TIMEOUT + 10)
        self.accept_logins(answers)
        self.record.count("simultaneous logins", len(answers))

    def use(self, device: Device) -> None:
        path = self.random.choice(
            ["/api/v1/auth/users/me/", "/api/v1/users/?page_size=5"]
        )
        kind = "me" if "me" in path else "users"
        status, body = self.client.call(
            kind, "GET", path, token=self.token_of(device), user_agent=device.user_agent
        )
        if status == 200:
            if kind == "me" and body["session"]["id"] != device.session_id:
                self.record.violation("wrong session", f"user {self.state.number}")
        elif status == 403:
            self.refused(device, body, kind)
        else:
            self.record.violation(f"{kind} answered {status}", f"{body}")

    def list_sessions(self, device: Device) -> None:
        status, body = self.client.call(
            "list sessions",
            "GET",
            "/api/v1/auth/users/me/sessions/?page_size=50",
            token=self.token_of(device),
            user_agent=device.user_agent,
        )
        if status == 403:
            return self.refused(device, body, "list sessions")
        if status != 200:
            return self.record.violation("list sessions answered", f"{status} {body}")
        listed = {s["id"]: s for s in body["results"]}
        if body["count"] > self.limit:
            self.record.violation(
                "more live sessions than allowed",
                f"user {self.state.number}: {body['count']}",
            )
        current = [s["id"] for s in listed.values() if s["is_current"]]
        if current != [device.session_id]:
            self.record.violation("is_current wrong", f"user {self.state.number}")
        for session_id in listed.keys() - self.state.live.keys():
            self.record.violation(
                "a session the client ended is listed as live",
                f"user {self.state.number}: {session_id}",
            )
        for session_id in self.state.live.keys() - listed.keys():
            self.mark_dead(session_id, "expired")  # ended by a login, as expired
            self.record.count("sessions found expired")

    def end_another(self, device: Device) -> None:
        others = [s for s in self.state.live if s != device.session_id]
        if not others:
            return
        target = self.random.choice(others)
        status, body = self.client.call(
            "end a session",
            "DELETE",
            f"/api/v1/auth/users/me/sessions/{target}/",
            token=self.token_of(device),
            user_agent=device.user_agent,
        )
        if status == 200 and not body["ended_session"]["is_active"]:
            self.mark_dead(target, "terminated")
            self.record.count("sessions terminated")
        elif status == 403:
            self.refused(device, body, "end a session")
        else:
            self.record.violation("end a session answered", f"{status} {body}")

    def log_out(self, device: Device) -> None:
        status, body = self.client.call(
            "logout",
            "POST",
            "/api/v1/auth/logout/",
            token=self.token_of(device),
            user_agent=device.user_agent,
        )
        if status == 204:
            self.mark_dead(device.session_id, "logged out")
            self.record.count("logouts")
        elif status == 403:
            self.refused(device, body, "logout")
        else:
            self.record.violation("logout answered", f"{status} {body}")

    def end_all_others(self, device: Device) -> None:
        status, body = self.client.call(
            "end all others",
            "DELETE",
            "/api/v1/auth/users/me/sessions/?keep_current=true",
            token=self.token_of(device),
            user_agent=device.user_agent,
        )
        if status == 200:
            for session_id in [s for s in self.state.live if s != device.session_id]:
                self.mark_dead(session_id, "terminated")
            self.record.count("sign-outs everywhere else")
        elif status == 403:
            self.refused(device, body, "end all others")
        else:
            self.record.violation("end all others answered", f"{status} {body}")

    def try_dead_token(self) -> None:
        token = self.random.choice(list(self.state.dead))
        status, body = self.client.call(
            "stale credential", "GET", "/api/v1/auth/users/me/", token=token
        )
        self.record.count("stale credentials tried")
        if status == 200:
            self.record.violation(
                "stale credential accepted",
                f"user {self.state.number} ({self.state.dead[token]})",
            )
        elif status != 403 or body.get("code") not in ENDED_CODES:
            self.record.violation("stale credential answered", f"{status} {body}")

    def mistype_password(self) -> None:
        self.state.wrong_passwords += 1
        status, body = self.login_request(
            self.state.devices[0], password="wrong-password"
        )
        if status != 400 or body.get("code") != "invalid_credentials":
            self.record.violation("wrong password answered", f"{status} {body}")

    # -- the loop

    def step(self) -> None:
        devices = self.state.devices
        signed_in = [d for d in devices if self.token_of(d)]
        signed_out = [d for d in devices if not self.token_of(d)]
        if not signed_in:
            return self.login(self.random.choice(devices))
        device = self.random.choice(signed_in)
        choices = [
            (40, lambda: self.use(device)),
            (12, lambda: self.list_sessions(device)),
            (4, lambda: self.end_another(device)),
            (3, lambda: self.log_out(device)),
            (1.5, lambda: self.end_all_others(device)),
            (
                2 if signed_out else 0,
                lambda: self.login(self.random.choice(signed_out)),
            ),
            (0.3, self.login_everywhere),
            (8 if self.state.dead else 0, self.try_dead_token),
            (
                0.5 if self.state.wrong_passwords < MAX_WRONG_PASSWORDS else 0,
                self.mistype_password,
            ),
        ]
        weights, actions = zip(*choices)
        self.random.choices(actions, weights)[0]()

    def run(self) -> None:
        time.sleep(max(0.0, self.start_at - time.monotonic()))
        while time.monotonic() < self.stop_at:
            self.step()
            pause = self.random.uniform(2.0, 6.0)
            time.sleep(max(0.0, min(pause, self.stop_at - time.monotonic())))


# ---- set-up, run, checks ----------------------------------------------------------------


def create_users(count: int) -> None:
    from django.contrib.auth.hashers import make_password

    from accounts.models import User

    hashed = make_password(PASSWORD)
    User.objects.bulk_create(
        [
            User(
                username=f"soak{n}",
                mobile=mobile_of(n),
                password=hashed,
                real_name=f"Soak User {n}",
                tz="Asia/Kolkata",
            )
            for n in range(count)
        ]
    )


def sweep(client: Client, states: list[UserState], record: Record) -> dict[str, int]:
    """Try every token issued once more; return token -> status."""
    tokens = [(t, True) for s in states for t in s.live.values()]
    tokens += [(t, False) for s in states for t in s.dead]

    def one(item: tuple[str, bool]) -> tuple[str, int]:
        token, believed_live = item
        status, body = client.call(
            "final sweep", "GET", "/api/v1/auth/users/me/", token=token
        )
        if not believed_live and status != 403:
            record.violation(
                (
                    "stale credential accepted"
                    if status == 200
                    else "stale credential answered"
                ),
                f"final sweep: {status}",
            )
        if believed_live and status == 403 and body.get("code") != "session_expired":
            record.violation(
                "session ended without the client being told",
                f"final sweep: {body.get('code')}",
            )
        if status == 403 and body.get("code") not in ENDED_CODES:
            record.violation("stale credential answered", f"final sweep: {body}")
        return token, status

    with ThreadPoolExecutor(8) as pool:
        return dict(pool.map(one, tokens))


def database_checks(answers: dict[str, int], limit: int, record: Record) -> dict:
    from django.db.models import Count

    from activity.models import ActivityPeriod
    from sessions_app import selectors
    from sessions_app.models import UserSession

    # Every answer of the sweep agrees with the row (nothing ran in between).
    live_digests = set(
        UserSession.objects.filter(is_active=True).values_list(
            "token_digest", flat=True
        )
    )
    for token, status in answers.items():
        is_live = selectors.digest(token) in live_digests
        if (status == 200) != is_live:
            record.violation(
                "answer and row disagree", f"HTTP {status}, live={is_live}"
            )
    ended_now = manage("end_expired_sessions", env=os.environ, quiet=True).strip()
    over = list(
        UserSession.objects.filter(is_active=True)
        .values("user_id")
        .annotate(n=Count("id"))
        .filter(n__gt=limit)
    )
    figures = {
        "sessions": UserSession.objects.count(),
        "live sessions": UserSession.objects.filter(is_active=True).count(),
        "ended sessions": UserSession.objects.filter(is_active=False).count(),
        "end reasons": dict(
            Counter(
                UserSession.objects.filter(is_active=False).values_list(
                    "end_reason", flat=True
                )
            )
        ),
        "users above the limit": len(over),
        "sessions without an activity period": UserSession.objects.filter(
            activity_period__isnull=True
        ).count(),
        "ended sessions with an open period": ActivityPeriod.objects.filter(
            session__is_active=False, end_time__isnull=True
        ).count(),
        "live sessions with a closed period": ActivityPeriod.objects.filter(
            session__is_active=True, end_time__isnull=False
        ).count(),
        "end_expired_sessions": ended_now,
    }
    for key in (
        "users above the limit",
        "sessions without an activity period",
        "ended sessions with an open period",
        "live sessions with a closed period",
    ):
        if figures[key]:
            record.violation(key, str(figures[key]))
    return figures


def scan_server_log(log: Path, record: Record) -> None:
    text = log.read_text(errors="replace")
    for marker in ("Traceback", "WORKER TIMEOUT", "[ERROR]", "[CRITICAL]", " ERROR "):
        if marker in text:
            record.violation("gunicorn log", f"{marker!r} in {log}")
    statuses = Counter(re.findall(r'" (\d{3}) ', text))
    if any(code.startswith("5") for code in statuses):
        record.violation("5xx in the access log", str(statuses))


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def report(record: Record, figures: dict, seconds: float) -> None:
    total = sum(len(v) for v in record.latencies.values())
    print(f"\n{total} requests in {seconds:.0f} s ({total / seconds:.0f}/s)")
    print(f"{'request':<18} {'count':>7} {'p50 ms':>9} {'p99 ms':>9}  statuses")
    for kind, values in sorted(record.latencies.items()):
        statuses = {s: n for (k, s), n in record.statuses.items() if k == kind}
        print(
            f"{kind:<18} {len(values):>7} {statistics.median(values):>9.1f} "
            f"{percentile(values, 0.99):>9.1f}  {dict(sorted(statuses.items()))}"
        )
    others = [
        v
        for k, vs in record.latencies.items()
        if k not in ("login", "final sweep")
        for v in vs
    ]
    if others:
        print(
            f"{'all but logins':<18} {len(others):>7} {statistics.median(others):>9.1f} "
            f"{percentile(others, 0.99):>9.1f}"
        )
    print(
        "\nevents: " + ", ".join(f"{k} {v}" for k, v in sorted(record.events.items()))
    )
    print("database: " + "; ".join(f"{k}: {v}" for k, v in figures.items()))
    if record.violations:
        print("\nVIOLATIONS")
        for kind, examples in record.violations.items():
            print(f"  {kind}: {len(examples)}, e.g. {examples[:3]}")
    else:
        print(
            "\nno violations: limit held, periods match sessions, every stale credential "
            "refused, no 5xx"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--seconds", type=int, default=int(os.environ.get("SOAK_SECONDS") or 300)
    )
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--devices", type=int, default=3)
    parser.add_argument("--limit", type=int, default=2, help="live sessions per user")
    parser.add_argument(
        "--workers",
        type=int,
        default=int(os.environ.get("WEB_CONCURRENCY") or 0) or None,
    )
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    seconds = max(10, min(args.seconds, 3600))  # bounded, whatever was asked
    users = max(1, min(args.users, 2000))
    idle = min(600, max(20, seconds // 8))  # some sessions must expire during the run
    admin_url = os.environ.get(
        "SOAK_PG_URL", "postgres://postgres@127.0.0.1:5432/postgres"
    )
    url = with_database(admin_url, f"soak_{os.getpid()}_{int(time.time())}")
    os.environ.update(
        {
            **PLAIN_HTTP_PRODUCTION,
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DATABASE_URL": url,
            "REDIS_URL": os.environ.get("SOAK_REDIS_URL", "redis://127.0.0.1:6379/13"),
            "DJANGO_CACHE_PREFIX": database_name(url),
            "DJANGO_SECRET_KEY": "soak-only-secret-key-not-for-production-" + "x" * 30,
            "DJANGO_LOG_LEVEL": "WARNING",
            "THROTTLE_LOGIN_IP": "100000/min",  # one client IP for everyone
            "SESSION_POLICY_MAX_SESSIONS_PER_USER": str(args.limit),
            "SESSION_POLICY_IDLE_TIMEOUT": str(idle),
            "SESSION_POLICY_ACTIVITY_UPDATE_INTERVAL": str(max(1, idle // 4)),
        }
    )
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    log = RESULTS / f"soak-{stamp}-gunicorn.log"
    workers = args.workers or 2 * (os.cpu_count() or 1) + 1
    print(
        f"make soak: {users} users x {args.devices} devices, {seconds} s, gunicorn "
        f"{workers} workers, PostgreSQL {database_name(url)}, Redis; limit "
        f"{args.limit} sessions/user, idle timeout {idle} s",
        flush=True,
    )
    record = Record()
    database_ensure(url)
    try:
        manage("migrate", "--noinput", env=os.environ, quiet=True)
        import django

        django.setup()
        create_users(users)
        env = {**os.environ, "GUNICORN_ACCESS_LOG": str(log)}
        with Gunicorn(env=env, workers=workers, log_path=log) as server:
            client = Client(server.port, record)
            rng = random.Random(args.seed)
            begin = time.monotonic()
            stop_at = begin + seconds
            ramp = min(90.0, seconds * 0.4)  # users arrive over the first part
            states = [
                UserState(
                    n,
                    [
                        Device(USER_AGENTS[d % len(USER_AGENTS)])
                        for d in range(args.devices)
                    ],
                )
                for n in range(users)
            ]
            loops = [
                UserLoop(
                    state,
                    client,
                    record,
                    start_at=begin + rng.uniform(0, ramp),
                    stop_at=stop_at,
                    limit=args.limit,
                    seed=rng.random(),
                )
                for state in states
            ]
            for loop in loops:
                loop.start()
            for loop in loops:  # each finishes its request in flight, then stops
                loop.join(max(1.0, stop_at + REQUEST_TIMEOUT + 30 - time.monotonic()))
            if any(loop.is_alive() for loop in loops):
                record.violation("client", "a user thread did not stop in time")
            elapsed = time.monotonic() - begin
            answers = sweep(client, states, record)
        scan_server_log(log, record)
        figures = database_checks(answers, args.limit, record)
    finally:
        from django.db import connections

        connections.close_all()
        database_drop(url)
    report(record, figures, elapsed)
    print(f"gunicorn log: {log.relative_to(ROOT)}")
    sys.exit(1 if record.violations else 0)


if __name__ == "__main__":
    main()
