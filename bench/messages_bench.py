"""`make bench-messages`: one member's page of messages among 1,000,000, over HTTP.

    python bench/messages_bench.py              # what `make bench-messages` runs
    python bench/messages_bench.py --members 1000 --messages 100000 --requests 100

Creates a fresh PostgreSQL database (postgres@127.0.0.1, dropped afterwards), migrates
it, times `populate <members> --periods 0 --messages <messages> --seed 1` (every member
sends the same number of messages to members drawn at random, so each has about
2 x messages / members), starts gunicorn with gunicorn.conf.py (2 sync workers,
production settings on plain HTTP, DEBUG off, persistent database connections, Redis
for throttles, no access log) on 127.0.0.1, logs a few members in over HTTP and sends
GET requests one at a time, the scenarios interleaved, each request for the next
member in turn:

    health     GET /api/v1/health/                       no authentication: the floor
    me         GET /api/v1/auth/users/me/                authenticated, no messages
    sent       GET /api/v1/messages/sent/?page_size=20   page of 20 + its count
    received   GET /api/v1/messages/received/?page_size=20
    all        GET /api/v1/messages/?page_size=20        sent or received
    sent_day   GET /api/v1/messages/sent/?page_size=20&date=<a day in the last month>

It reports the median, p90 and maximum per scenario (target: sent and received
medians under 30 ms), the SQL of a page with PostgreSQL's plan for each statement,
and writes everything to bench/results/messages-*.json. Every wait is bounded:
`--requests` per scenario (at most 1,000) and `--max-seconds` for the whole measuring.
"""

import argparse
import http.client
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from accounts.demo import DEMO_PASSWORD  # noqa: E402  (the root is on the path now)
from serving.runner import (  # noqa: E402
    PLAIN_HTTP_PRODUCTION,
    PYTHON,
    ROOT,
    Gunicorn,
    clean_env,
    database_drop,
    database_ensure,
    database_name,
    manage,
    with_database,
)

RESULTS = ROOT / "bench" / "results"
TARGET_MS = 30.0
PAGE = "page_size=20"
USER_AGENT = "messages-bench/1.0"
PLAN_LINES = ("Scan", "Sort", "Limit", "Aggregate", "Execution Time")


# ---- children: run in a fresh process with the bench database's environment ------


def child_members(count: int) -> list[str]:
    """Return `count` populated usernames spread evenly over the members."""
    from accounts.models import User

    usernames = list(
        User.objects.filter(is_active=True)
        .order_by("mobile")
        .values_list("username", flat=True)
    )
    step = max(1, len(usernames) // count)
    return usernames[::step][:count]


def child_plans(username: str) -> dict:
    """The SQL of each list's first page, as the API runs it, with PostgreSQL's plan."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from accounts.selectors import user_get_by_username
    from messaging.selectors import message_list_for_user
    from messaging.views import CountedPaginator

    member = user_get_by_username(username)
    plans = {}
    for folder in ("sent", "received", "all"):
        messages = message_list_for_user(user=member, folder=folder)
        with CaptureQueriesContext(connection) as captured:
            page = CountedPaginator(messages, 20).page(1)
            rows = len(list(page))
        statements = []
        with connection.cursor() as cursor:
            for query in captured.captured_queries:
                cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {query['sql']}")
                plan = [line for (line,) in cursor.fetchall()]
                statements.append({"sql": query["sql"], "plan": plan})
        plans[folder] = {
            "count": page.paginator.count,
            "rows": rows,
            "statements": statements,
        }
    return plans


def run_child(name: str, argument: str, env: dict) -> object:
    result = subprocess.run(
        [PYTHON, __file__, "--child", name, "--child-arg", argument],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    if result.returncode != 0:
        sys.stderr.write(result.stdout + result.stderr)
        raise RuntimeError(f"bench child {name!r} failed")
    return json.loads(result.stdout.strip().splitlines()[-1])


# ---- HTTP ---------------------------------------------------------------------------


def request(
    port: int, method: str, path: str, *, token: str = "", body: dict | None = None
) -> tuple[int, bytes, float]:
    """Send one request on a new connection; return status, body and milliseconds."""
    headers = {"User-Agent": USER_AGENT, "Accept": "application/json"}
    if token:
        headers["Authorization"] = f"Token {token}"
    payload = None
    if body is not None:
        payload = json.dumps(body)
        headers["Content-Type"] = "application/json"
    began = time.perf_counter()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request(method, path, body=payload, headers=headers)
        response = connection.getresponse()
        data = response.read()
    finally:
        connection.close()
    return response.status, data, (time.perf_counter() - began) * 1000


def login(port: int, username: str, password: str) -> str:
    status, data, _ = request(
        port,
        "POST",
        "/api/v1/auth/login/",
        body={"username": username, "password": password},
    )
    if status != 200:
        raise RuntimeError(f"bench login of {username} failed: {status} {data[:200]}")
    return json.loads(data)["token"]


def scenarios(day: str) -> list[tuple[str, str, bool]]:
    """(name, path, authenticated) for every scenario."""
    return [
        ("health", "/api/v1/health/", False),
        ("me", "/api/v1/auth/users/me/", True),
        ("sent", f"/api/v1/messages/sent/?{PAGE}", True),
        ("received", f"/api/v1/messages/received/?{PAGE}", True),
        ("all", f"/api/v1/messages/?{PAGE}", True),
        ("sent_day", f"/api/v1/messages/sent/?{PAGE}&date={day}", True),
    ]


def measure(
    args: argparse.Namespace, env: dict, usernames: list[str], log_dir: str
) -> dict:
    day = (datetime.now(UTC) - timedelta(days=3)).date().isoformat()
    plan = scenarios(day)
    timings: dict[str, list[float]] = {name: [] for name, _, _ in plan}
    counts: dict[str, list[int]] = {name: [] for name, _, _ in plan}
    with Gunicorn(
        env=env, workers=args.workers, log_path=Path(log_dir) / "gunicorn.log"
    ) as server:
        tokens = [login(server.port, name, DEMO_PASSWORD) for name in usernames]
        for warm in range(2 * len(tokens)):  # each worker's connection, plans, caches
            for _, path, authenticated in plan:
                token = tokens[warm % len(tokens)] if authenticated else ""
                request(server.port, "GET", path, token=token)
        deadline = time.monotonic() + args.max_seconds
        for number in range(args.requests):
            if time.monotonic() > deadline:
                print(f"  stopped after {number} rounds: --max-seconds reached")
                break
            for name, path, authenticated in plan:
                token = tokens[number % len(tokens)] if authenticated else ""
                status, data, ms = request(server.port, "GET", path, token=token)
                if status != 200:
                    raise RuntimeError(f"{name}: HTTP {status} {data[:200]}")
                timings[name].append(ms)
                if name not in ("health", "me"):
                    counts[name].append(json.loads(data)["count"])
    summary = {}
    for name, values in timings.items():
        summary[name] = {
            "requests": len(values),
            "median_ms": round(statistics.median(values), 2),
            "p90_ms": round(statistics.quantiles(values, n=10)[-1], 2),
            "max_ms": round(max(values), 2),
        }
        if counts[name]:
            summary[name]["count_median"] = statistics.median(counts[name])
    return {"day": day, "summary": summary}


# ---- the run ------------------------------------------------------------------------


def bench_env(url: str) -> dict[str, str]:
    return clean_env(
        **PLAIN_HTTP_PRODUCTION,
        DJANGO_SETTINGS_MODULE="config.settings",
        DATABASE_URL=url,
        REDIS_URL=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/13"),
        DJANGO_CACHE_PREFIX=f"bench-messages-{os.getpid()}-{int(time.time())}",
        DJANGO_SECRET_KEY="bench-only-secret-key-not-for-production-" + "x" * 30,
        DJANGO_LOG_LEVEL="WARNING",
        THROTTLE_LOGIN_IP="1000000/min",  # every request comes from 127.0.0.1
        GUNICORN_ACCESS_LOG="",
    )


def populate(args: argparse.Namespace, env: dict) -> float:
    command = [
        PYTHON, "manage.py", "populate", str(args.members), "--periods", "0",
        "--messages", str(args.messages), "--seed", "1",
    ]  # fmt: skip
    began = time.perf_counter()
    result = subprocess.run(
        command,
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=args.populate_timeout,
    )
    if result.returncode != 0:
        sys.stderr.write(result.stdout + result.stderr)
        raise RuntimeError("populate failed")
    sys.stdout.write(result.stdout)
    return time.perf_counter() - began


def report(figures: dict) -> None:
    print(f"\n{'scenario':<10} {'requests':>8} {'median ms':>10} {'p90 ms':>8} "
          f"{'max ms':>8} {'count':>7}")  # fmt: skip
    for name, row in figures["http"]["summary"].items():
        count = row.get("count_median", "")
        print(
            f"{name:<10} {row['requests']:>8} {row['median_ms']:>10} "
            f"{row['p90_ms']:>8} {row['max_ms']:>8} {count!s:>7}"
        )
    for folder, plan in figures["plans"].items():
        print(f"\n{folder}: count {plan['count']}, {plan['rows']} rows on page 1")
        for statement in plan["statements"]:
            print(f"  {statement['sql'][:100]} ...")
            for line in statement["plan"]:  # the whole plan is in the JSON
                if any(word in line for word in PLAN_LINES):
                    print(f"    {line.strip()[:110]}")
    print()
    for name in ("sent", "received"):
        median = figures["http"]["summary"][name]["median_ms"]
        verdict = "met" if median < TARGET_MS else "MISSED"
        print(f"{name}: median {median} ms (target < {TARGET_MS:.0f} ms): {verdict}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--members", type=int, default=10_000)
    parser.add_argument("--messages", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=300, help="per scenario")
    parser.add_argument("--logins", type=int, default=10, help="members taking turns")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--max-seconds", type=float, default=180)
    parser.add_argument("--populate-timeout", type=float, default=1800)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--child-arg", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        import django

        django.setup()
        children = {"members": lambda a: child_members(int(a)), "plans": child_plans}
        print(json.dumps(children[args.child](args.child_arg)))
        return
    args.requests = max(10, min(args.requests, 1000))
    args.logins = max(1, min(args.logins, 50))
    admin_url = os.environ.get(
        "BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432/postgres"
    )
    url = with_database(admin_url, f"bench_messages_{os.getpid()}_{int(time.time())}")
    env = bench_env(url)
    print(
        f"make bench-messages: {args.members:,} members, {args.messages:,} messages, "
        f"PostgreSQL {database_name(url)}, gunicorn {args.workers} sync workers, "
        f"{args.requests} requests per scenario",
        flush=True,
    )
    figures: dict = {"args": vars(args), "load_average_before": os.getloadavg()}
    database_ensure(url)
    try:
        manage("migrate", "--noinput", env=env, quiet=True)
        seconds = populate(args, env)
        figures["populate_seconds"] = round(seconds, 1)
        figures["messages_per_second"] = round(args.messages / seconds)
        print(f"populate: {seconds:.1f} s", flush=True)
        usernames = run_child("members", str(args.logins), env)
        figures["plans"] = run_child("plans", usernames[0], env)
        with tempfile.TemporaryDirectory(prefix="messages-bench-") as log_dir:
            figures["http"] = measure(args, env, usernames, log_dir)
    finally:
        database_drop(url)
    figures["load_average_after"] = os.getloadavg()
    report(figures)
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"messages-{time.strftime('%Y%m%d-%H%M%S')}.json"
    out.write_text(json.dumps(figures, indent=2, default=str))
    print(f"\nwritten to {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
