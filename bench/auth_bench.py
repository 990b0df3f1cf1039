"""`make bench`: what authentication and the endpoints people call cost per request,
served the production way.

    python bench/auth_bench.py                  # what `make bench` runs
    python bench/auth_bench.py --seconds 5 --rounds 2 --strict

Creates a fresh PostgreSQL database (postgres@127.0.0.1, dropped afterwards), migrates
it with bench.settings (production settings + DRF's stock `rest_framework.authtoken` +
five bench views), seeds a reader (10 live sessions, 40 security events), a staff
member, 50 login users (Argon2, the production hasher) and 150 members with activity
(`populate`), starts gunicorn with gunicorn.conf.py (2 sync workers, DEBUG off,
persistent database connections, Redis for throttles, access log off, policy
MAX_SESSIONS_PER_USER=10) on 127.0.0.1, and drives it with wrk, the same way for every
scenario:

    bare           GET /bench/bare/           no authentication: the ceiling
    drf_token      GET /bench/drf-token/      DRF's stock TokenAuthentication
    session_token  GET /bench/session-token/  our TokenAuthentication + HasLiveSession
    unprepared     GET /bench/unprepared/     session_token, its lookup not PREPAREd
    drf_me         GET /bench/drf-me/         stock DRF's /me/: the user's fields, a
                                              ModelSerializer, stock TokenAuthentication
    me             GET /api/v1/auth/users/me/ the real endpoint (user + session)
    sessions       GET .../users/me/sessions/ the reader's 10 live sessions
    events         GET .../users/me/events/?page_size=20   a page of 20 events
    members        GET /api/v1/activity/members/?page_size=100   staff, 100 members
    login          POST /api/v1/auth/login/   password login, 50 users in turn; each
                                              ends the user's oldest of 10

Scenarios run in interleaved rounds (order rotated each round); req/s and latencies are
medians over rounds, and each ratio is the median of the per-round ratios, so a noisy
neighbour hurts both sides of a ratio alike. Ratios are taken within this run only;
session_token / unprepared is what the prepared statement alone gains; me / drf_me and
sessions / drf_me compare the real endpoints with what plain DRF gives. Besides req/s
and latency it samples the CPU time that the gunicorn workers and this database's
PostgreSQL backends spent per request, and counts the SQL statements per request type
in-process. Results also go to bench/results/.
"""

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import (  # noqa: E402  (the project root is on the path now)
    BenchClient,
    database_url,
    fresh_database,
    run_child,
    write_results,
)
from serving.runner import (  # noqa: E402
    PLAIN_HTTP_PRODUCTION,
    Gunicorn,
    database_name,
    manage,
)

PASSWORD = "bench-password-2026-long"
READER = "benchreader"
STAFF = "benchstaff"
# Sorts after every member on the members page: logins add periods during the run.
LOGIN_PREFIX = "zzbenchlogin"
LOGIN_USERS = 50
MEMBERS = 150  # besides the bench users: the members page shows the first 100
READER_SESSIONS = 10  # the bench policy's MAX_SESSIONS_PER_USER
READER_EVENTS = 40
USER_AGENT = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Chrome/126.0 Safari/537.36"
)
# name, path, credential: None, "drf" (stock token), "ours" (session token), "staff"
# (a staff member's session token), "login"
SCENARIOS = [
    ("bare", "/bench/bare/", None),
    ("drf_token", "/bench/drf-token/", "drf"),
    ("session_token", "/bench/session-token/", "ours"),
    ("unprepared", "/bench/unprepared/", "ours"),
    ("drf_me", "/bench/drf-me/", "drf"),
    ("me", "/api/v1/auth/users/me/", "ours"),
    ("sessions", "/api/v1/auth/users/me/sessions/", "ours"),
    ("events", "/api/v1/auth/users/me/events/?page_size=20", "ours"),
    ("members", "/api/v1/activity/members/?page_size=100", "staff"),
    ("login", "/api/v1/auth/login/", "login"),
]
REFERENCES = ("bare", "drf_token", "unprepared", "drf_me")
# (scenario, reference): (required, goal) for the ratio of their req/s
TARGETS = {
    ("session_token", "drf_token"): (1.0, 1.25),
    ("session_token", "bare"): (0.5, 0.55),
    ("me", "drf_me"): (1.0, 1.5),
    ("sessions", "drf_me"): (0.8, 0.8),
}
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
# What a web request puts before each statement on PostgreSQL (config/db.py).
STATEMENT_TIMEOUT = re.compile(r"^SET LOCAL statement_timeout = \d+;\s*")


# ---- children: run in a fresh process with the bench database's environment ---------


def _setup_django() -> None:
    import django

    django.setup()


def child_seed() -> dict:
    """Create the reader (a stock DRF token, 10 live sessions, 40 events), the staff
    member and the login users, one hash."""
    from django.contrib.auth.hashers import make_password
    from rest_framework.authtoken.models import Token

    from accounts.models import User
    from sessions_app import services
    from sessions_app.models import EventKind, LoginMethod, Transport

    hashed = make_password(PASSWORD)
    users = [
        User(
            username=READER,
            mobile="+919100000000",
            password=hashed,
            real_name="Bench Reader",
        ),
        User(
            username=STAFF,
            mobile="+919200000000",
            password=hashed,
            real_name="Bench Staff",
            is_staff=True,
        ),
    ]
    users += [
        User(
            username=f"{LOGIN_PREFIX}{n}",
            mobile=f"+91910000{n + 1:04d}",
            password=hashed,
            real_name=f"Login User {n}",
        )
        for n in range(LOGIN_USERS)
    ]
    User.objects.bulk_create(users)
    reader = users[0]
    for n in range(READER_SESSIONS):
        services.session_start(
            user=reader,
            transport=Transport.TOKEN,
            login_method=LoginMethod.PASSWORD_API,
            user_agent=USER_AGENT,
            ip_address=f"127.0.0.{n + 1}",
        )
    kinds = [EventKind.LOGIN_FAILED, EventKind.THROTTLED, EventKind.REAUTH_FAILED]
    for n in range(READER_EVENTS - READER_SESSIONS):
        services.security_event_record(
            kind=kinds[n % len(kinds)],
            user=reader,
            ip_address="127.0.0.1",
            user_agent=USER_AGENT,
            detail={"by": "username"},
        )
    return {"drf_token": Token.objects.create(user=reader).key}


def child_count_queries() -> dict:
    """Count SQL statements per request type, through the real URLs, in-process."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from rest_framework.authtoken.models import Token
    from rest_framework.test import APIClient

    def login(username: str) -> APIClient:
        client = APIClient(HTTP_HOST="127.0.0.1", HTTP_USER_AGENT=USER_AGENT)
        body = client.post(
            "/api/v1/auth/login/", {"username": username, "password": PASSWORD}
        ).json()
        client.credentials(HTTP_AUTHORIZATION=f"Token {body['token']}")
        client.session_id = body["session"]["id"]
        return client

    def measure(call) -> dict:
        with CaptureQueriesContext(connection) as queries:
            status = call().status_code
        verbs = [
            STATEMENT_TIMEOUT.sub("", q["sql"]).split(None, 1)[0].upper()
            for q in queries.captured_queries
        ]
        counts = {verb: verbs.count(verb) for verb in sorted(set(verbs))}
        return {"status": status, "queries": len(verbs), "by_verb": counts}

    drf_key = Token.objects.get(user__username=READER).key
    stock = APIClient(HTTP_HOST="127.0.0.1", HTTP_AUTHORIZATION=f"Token {drf_key}")
    reader = login(READER)
    staff = login(STAFF)
    user = f"{LOGIN_PREFIX}0"
    first = login(user)
    for _ in range(READER_SESSIONS):
        second = login(user)  # the tenth of these ends the first
    for client in (stock, reader, staff, first, second):  # warm caches (content types)
        client.get("/api/v1/health/")
    # The first token request on a connection prepares the token statement.
    reader.get("/bench/session-token/")
    counted = {
        "drf_token": measure(lambda: stock.get("/bench/drf-token/")),
        "session_token": measure(lambda: reader.get("/bench/session-token/")),
        "unprepared": measure(lambda: reader.get("/bench/unprepared/")),
        "drf_me": measure(lambda: stock.get("/bench/drf-me/")),
        "me": measure(lambda: reader.get("/api/v1/auth/users/me/")),
        "stale_token": measure(lambda: first.get("/api/v1/auth/users/me/")),
        "sessions": measure(lambda: reader.get("/api/v1/auth/users/me/sessions/")),
        "events": measure(
            lambda: reader.get("/api/v1/auth/users/me/events/?page_size=20")
        ),
        "members": measure(
            lambda: staff.get("/api/v1/activity/members/?page_size=100")
        ),
        "login": measure(
            lambda: APIClient(HTTP_HOST="127.0.0.1", HTTP_USER_AGENT=USER_AGENT).post(
                "/api/v1/auth/login/", {"username": user, "password": PASSWORD}
            )
        ),
    }
    third, fourth = login(f"{LOGIN_PREFIX}1"), login(f"{LOGIN_PREFIX}1")  # both live
    counted["end_other_session"] = measure(
        lambda: fourth.delete(f"/api/v1/auth/users/me/sessions/{third.session_id}/")
    )
    counted["logout"] = measure(lambda: fourth.post("/api/v1/auth/logout/"))
    return counted


# ---- load generation and measurement -------------------------------------------------


def ensure_wrk() -> str:
    """Return the path of wrk, installing Debian's package when missing and allowed."""
    found = shutil.which("wrk")
    if found:
        return found
    if os.geteuid() == 0 and shutil.which("apt-get"):
        print("wrk is missing: apt-get install -y wrk", flush=True)
        subprocess.run(
            ["apt-get", "install", "-y", "-q", "wrk"],
            check=True,
            stdout=subprocess.DEVNULL,
            timeout=300,
        )
        found = shutil.which("wrk")
    if not found:
        sys.exit("make bench needs wrk: apt-get install -y wrk (Debian/Ubuntu)")
    return found


_UNIT = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}


def _ms(text: str) -> float:
    value, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()
    return float(value) * _UNIT[unit]


def parse_wrk(output: str) -> dict:
    def find(pattern: str, default: str | None = None) -> str:
        match = re.search(pattern, output)
        if match is None:
            if default is None:
                raise RuntimeError(f"unexpected wrk output:\n{output}")
            return default
        return match.group(1)

    errors = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), " r"timeout (\d+)",
        output,
    )
    return {
        "requests": int(find(r"(\d+) requests in")),
        "rps": float(find(r"Requests/sec:\s+([\d.]+)")),
        "p50_ms": _ms(find(r"50%\s+([\d.]+\w+)")),
        "p99_ms": _ms(find(r"99%\s+([\d.]+\w+)")),
        "non_2xx": int(find(r"Non-2xx or 3xx responses: (\d+)", "0")),
        "socket_errors": sum(int(n) for n in errors.groups()) if errors else 0,
    }


def _ticks(pid: int) -> int:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0
    return int(fields[11]) + int(fields[12])  # utime + stime


def postgres_backends(database: str) -> list[int]:
    """Return the pids of PostgreSQL backends connected to this database."""
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            title = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        if title.startswith("postgres: ") and f" {database} " in title:
            pids.append(int(entry.name))
    return pids


class CpuMeter:
    """CPU seconds spent by the gunicorn workers and this database's backends."""

    def __init__(self, server: Gunicorn, database: str) -> None:
        self.server, self.database = server, database

    def settle(self, timeout: float = 60.0) -> None:
        """Wait until the workers are idle: requests wrk left queued must not spill."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            before = sum(_ticks(pid) for pid in self.server.worker_pids())
            time.sleep(0.3)
            if sum(_ticks(pid) for pid in self.server.worker_pids()) == before:
                return

    def snapshot(self) -> dict[str, dict[int, int]]:
        return {
            "app": {pid: _ticks(pid) for pid in self.server.worker_pids()},
            "db": {pid: _ticks(pid) for pid in postgres_backends(self.database)},
        }

    @staticmethod
    def spent(before: dict, after: dict) -> dict[str, float]:
        return {
            side: sum(ticks - before[side].get(pid, 0) for pid, ticks in now.items())
            / CLOCK_TICKS
            for side, now in after.items()
        }


def login_script(directory: Path) -> str:
    """A wrk script that logs the login users in, one after another."""
    script = directory / "login.lua"
    script.write_text(
        "local n = 0\n"
        "request = function()\n"
        f"  n = (n + 1) % {LOGIN_USERS}\n"
        "  local body = string.format("
        f'\'{{"username": "{LOGIN_PREFIX}%d", "password": "{PASSWORD}"}}\', n)\n'
        "  return wrk.format('POST', '/api/v1/auth/login/', "
        "{['Content-Type'] = 'application/json'}, body)\n"
        "end\n"
    )
    return str(script)


def run_wrk(
    wrk: str,
    url: str,
    *,
    seconds: int,
    connections: int,
    headers: list[str],
    script: str | None,
) -> dict:
    command = [
        wrk,
        "-t1",
        f"-c{connections}",
        f"-d{seconds}s",
        "--timeout",
        "30s",
        "--latency",
    ]
    for header in headers:
        command += ["-H", header]
    if script:
        command += ["-s", script]
    command.append(url)
    result = subprocess.run(
        command, capture_output=True, text=True, timeout=seconds + 60
    )
    if result.returncode != 0:
        raise RuntimeError(f"wrk failed: {result.stderr}")
    return parse_wrk(result.stdout)


# ---- the run -------------------------------------------------------------------------


def bench_env(url: str) -> dict[str, str]:
    return {
        **os.environ,
        **PLAIN_HTTP_PRODUCTION,
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "DATABASE_URL": url,
        "REDIS_URL": os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14"),
        "DJANGO_CACHE_PREFIX": f"bench-{os.getpid()}-{int(time.time())}",
        "DJANGO_SECRET_KEY": "bench-only-secret-key-not-for-production-" + "x" * 30,
        "DJANGO_LOG_LEVEL": "WARNING",
        "THROTTLE_LOGIN_IP": "1000000/min",  # every request comes from 127.0.0.1
        "SESSION_POLICY_MAX_SESSIONS_PER_USER": str(READER_SESSIONS),
        "GUNICORN_ACCESS_LOG": "",
    }


def measure(args: argparse.Namespace, url: str, env: dict, wrk: str) -> dict:
    seeded = run_child(__file__, "seed", env)
    manage("populate", str(MEMBERS), "--seed", "1", env=env, quiet=True)
    queries = run_child(__file__, "count_queries", env)
    with (
        tempfile.TemporaryDirectory() as scratch,
        Gunicorn(
            env=env, workers=args.workers, log_path=Path(scratch) / "gunicorn.log"
        ) as server,
    ):
        meter = CpuMeter(server, database_name(url))
        client = BenchClient(server.port, USER_AGENT)
        ours = client.login(READER, PASSWORD)
        staff = client.login(STAFF, PASSWORD)
        credentials = {
            None: [],
            "drf": [f"Authorization: Token {seeded['drf_token']}"],
            "ours": [f"Authorization: Token {ours}"],
            "staff": [f"Authorization: Token {staff}"],
            "login": [],
        }
        script = login_script(Path(scratch))
        runs: dict[str, list[dict]] = {name: [] for name, _, _ in SCENARIOS}
        order = list(SCENARIOS)
        for round_number in range(-1, args.rounds):  # round -1 warms up, not counted
            for name, path, credential in order:
                seconds = 2 if round_number < 0 else args.seconds
                meter.settle()
                before = meter.snapshot()
                result = run_wrk(
                    wrk,
                    f"http://127.0.0.1:{server.port}{path}",
                    seconds=seconds,
                    connections=args.connections,
                    headers=[f"User-Agent: {USER_AGENT}", *credentials[credential]],
                    script=script if credential == "login" else None,
                )
                result["cpu"] = meter.spent(before, meter.snapshot())
                if result["non_2xx"] or result["socket_errors"]:
                    raise RuntimeError(
                        f"{name}: {result['non_2xx']} non-2xx answers, "
                        f"{result['socket_errors']} socket errors"
                    )
                if round_number >= 0:
                    runs[name].append(result)
                    print(
                        f"  round {round_number + 1} {name:<14} "
                        f"{result['rps']:8.1f} req/s  p50 {result['p50_ms']:7.2f} ms  "
                        f"p99 {result['p99_ms']:7.2f} ms",
                        flush=True,
                    )
            order = order[1:] + order[:1]
    return {"runs": runs, "queries": queries}


def summarise(runs: dict[str, list[dict]]) -> dict[str, dict]:
    summary = {}
    for name, results in runs.items():
        requests = sum(r["requests"] for r in results)
        summary[name] = {
            "rps": statistics.median(r["rps"] for r in results),
            "p50_ms": statistics.median(r["p50_ms"] for r in results),
            "p99_ms": statistics.median(r["p99_ms"] for r in results),
            "app_cpu_ms": 1000 * sum(r["cpu"]["app"] for r in results) / requests,
            "db_cpu_ms": 1000 * sum(r["cpu"]["db"] for r in results) / requests,
            "rounds_rps": [round(r["rps"], 1) for r in results],
        }
    for name, figures in summary.items():
        # Ratios per round (scenarios seconds apart), then their median: a neighbour
        # that slows the machine for a while moves both sides of a ratio alike.
        for reference in REFERENCES:
            figures[f"vs_{reference}"] = statistics.median(
                mine["rps"] / theirs["rps"]
                for mine, theirs in zip(runs[name], runs[reference], strict=True)
            )
    return summary


def report(summary: dict, queries: dict) -> list[str]:
    print(
        "\nscenario          req/s   p50 ms   p99 ms  x bare  x drf_token  x drf_me  "
        "app CPU ms/req  PG CPU ms/req  SQL/req"
    )
    for name, _, _ in SCENARIOS:
        s = summary[name]
        sql = queries.get(name, {}).get("queries", 0 if name == "bare" else "?")
        print(
            f"{name:<14} {s['rps']:8.1f} {s['p50_ms']:8.2f} {s['p99_ms']:8.2f} "
            f"{s['vs_bare']:7.2f} {s['vs_drf_token']:12.2f} {s['vs_drf_me']:9.2f} "
            f"{s['app_cpu_ms']:15.2f} {s['db_cpu_ms']:14.3f} {sql:>8}"
        )
    print(
        "\nSQL statements per request type (in-process; a reused connection adds one "
        "`SELECT 1` health check per request):"
    )
    for name, counted in queries.items():
        print(
            f"  {name:<18} {counted['queries']:>3}  {counted['by_verb']}  "
            f"(HTTP {counted['status']})"
        )
    missed = []
    ours = summary["session_token"]
    print(
        f"\nPREPARE alone: session_token / unprepared = {ours['vs_unprepared']:.2f} "
        f"(app CPU {summary['unprepared']['app_cpu_ms']:.2f} -> "
        f"{ours['app_cpu_ms']:.2f} ms/req, PostgreSQL CPU "
        f"{summary['unprepared']['db_cpu_ms']:.3f} -> {ours['db_cpu_ms']:.3f} ms/req)"
    )
    print()
    for (name, reference), (required, goal) in TARGETS.items():
        value = summary[name][f"vs_{reference}"]
        verdict = (
            "goal met"
            if value >= goal
            else ("target met" if value >= required else "TARGET MISSED")
        )
        if value < required:
            missed.append(f"{name} / {reference}")
        print(
            f"{name} / {reference}: {value:.2f} (target >= {required}, goal >= "
            f"{goal}): {verdict}"
        )
    return missed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=int, default=4, help="per scenario and round")
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--strict", action="store_true", help="exit 1 when a required target is missed"
    )
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _setup_django()
        print(
            json.dumps(
                {"seed": child_seed, "count_queries": child_count_queries}[args.child]()
            )
        )
        return
    args.seconds = max(1, min(args.seconds, 120))  # every loop bounded in time
    args.rounds = max(1, min(args.rounds, 10))
    wrk = ensure_wrk()
    url = database_url("bench_auth")
    env = bench_env(url)
    print(
        f"make bench: gunicorn {args.workers} sync workers, PostgreSQL "
        f"{database_name(url)}, wrk -c{args.connections}, {args.rounds} rounds x "
        f"{args.seconds} s per scenario",
        flush=True,
    )
    with fresh_database(url, env=env):
        manage("collectstatic", "--noinput", env=env, quiet=True)
        measured = measure(args, url, env, wrk)
    summary = summarise(measured["runs"])
    missed = report(summary, measured["queries"])
    write_results(
        "auth",
        {"args": vars(args), "summary": summary, "queries": measured["queries"]},
    )
    if missed and args.strict:
        sys.exit(1)


if __name__ == "__main__":
    main()
