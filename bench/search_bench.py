"""`make bench-search`: the staff search over 1,000,000 security events, over HTTP.

    python bench/search_bench.py                # what `make bench-search` runs
    python bench/search_bench.py --events 100000 --requests 50

Creates a fresh PostgreSQL database (postgres@127.0.0.1, dropped afterwards), migrates
it (btree indexes on time and address, trigram indexes), creates a staff member and
`--members` members (one password hash), and inserts `--events` security events in
one INSERT ... SELECT over generate_series: a year of events, each member's from a
few addresses of their own, one in ten failed logins from 200 "attacker" addresses
in 203.0.113.0/24. It starts gunicorn with gunicorn.conf.py (2 sync workers,
production settings on plain HTTP, DEBUG off, persistent database connections,
Redis for throttles, no access log) on 127.0.0.1, logs the staff member in over
HTTP and sends GET requests one at a time, the scenarios interleaved, each request
for the next member, address or day in turn:

    health    GET /api/v1/health/                              the floor
    user      GET /api/v1/events/?user=<username>              one member's events
    ip        GET /api/v1/events/?ip=<attacker address>        one address's events
    kind_day  GET /api/v1/events/?kind=login_failed&after=<day>&before=<day + 1>
    cidr      GET /api/v1/events/?ip=203.0.113.0/24&kind=login_failed  (informative)

Every search asks for a page of 50 with its count (page_size=50). It reports the
median, p90 and maximum per scenario (target: user, ip and kind_day medians under
100 ms), PostgreSQL's plan of each search's statements, and writes everything to
bench/results/search-*.json. Every wait is bounded: `--requests` per scenario (at
most 1,000) and `--max-seconds` for the whole measuring.
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

from serving.runner import (  # noqa: E402  (the project root is on the path now)
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
TARGET_MS = 100.0
TARGETED = ("user", "ip", "kind_day")
PAGE = "page_size=50"
STAFF = "benchstaff"
PASSWORD = "bench-password-2026-long"
MEMBER_PREFIX = "searchmember"
ATTACKERS = 200
DAYS = 365
USER_AGENT = "search-bench/1.0"
PLAN_LINES = ("Scan", "Sort", "Limit", "Aggregate", "Execution Time")

# One INSERT: member k (of n) gets events spread over a year; 1 in 10 is a failed login
# from one of 200 addresses in 203.0.113.0/24, the rest come from 10.x.y.{1,2,3}.
EVENTS_SQL = """
WITH members AS (
    SELECT array_agg(id ORDER BY username) AS ids, count(*) AS n
    FROM accounts_user WHERE username LIKE %(prefix)s
), kinds AS (
    SELECT ARRAY['login', 'login', 'login', 'logout', 'logout', 'session_expired',
                 'session_superseded', 'login_failed', 'new_device',
                 'password_changed']::varchar[] AS k
), series AS (
    SELECT g, (g::bigint * 2654435761) %% members.n AS member, members.ids
    FROM generate_series(1, %(events)s) AS g, members
)
INSERT INTO sessions_app_securityevent
    (user_id, session_id, kind, ip_address, user_agent, device_name, location,
     created_at, detail)
SELECT
    series.ids[series.member + 1],
    NULL,
    CASE WHEN g %% 10 = 0 THEN 'login_failed' ELSE kinds.k[1 + (g / 10) %% 10] END,
    CASE WHEN g %% 10 = 0
        THEN ('203.0.113.' || (1 + (g / 10) %% %(attackers)s))::inet
        ELSE ('10.' || (series.member / 256) %% 256 || '.' || series.member %% 256
              || '.' || (1 + g %% 3))::inet
    END,
    'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/131.0 Safari/537.36',
    'Chrome on Linux',
    CASE WHEN g %% 10 = 0 THEN 'Unknown' ELSE 'Local network' END,
    now() - (g::float / %(events)s) * make_interval(days => %(days)s),
    '{}'::jsonb
FROM series, kinds
"""


# ---- children: run in a fresh process with the bench database's environment ------


def child_seed(arguments: str) -> dict:
    """Create the staff member, the members (one hash) and the events; time it."""
    from django.contrib.auth.hashers import make_password
    from django.db import connection

    from accounts.models import User

    members, events = (int(value) for value in arguments.split(","))
    began = time.perf_counter()
    User.objects.create_user(
        username=STAFF, mobile="+919100000000", password=PASSWORD, is_staff=True
    )
    hashed = make_password(PASSWORD)
    User.objects.bulk_create(
        (
            User(
                username=f"{MEMBER_PREFIX}{n:06d}",
                mobile=f"+9192{n:08d}",
                password=hashed,
                real_name=f"Search Member {n}",
            )
            for n in range(members)
        ),
        batch_size=2000,
    )
    users_seconds = time.perf_counter() - began
    began = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(
            EVENTS_SQL,
            {
                "prefix": f"{MEMBER_PREFIX}%",
                "events": events,
                "attackers": ATTACKERS,
                "days": DAYS,
            },
        )
        inserted = cursor.rowcount
    insert_seconds = time.perf_counter() - began
    began = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE sessions_app_securityevent")
        cursor.execute("VACUUM ANALYZE accounts_user")
    return {
        "users_seconds": round(users_seconds, 1),
        "events": inserted,
        "insert_seconds": round(insert_seconds, 1),
        "analyze_seconds": round(time.perf_counter() - began, 1),
    }


def child_plans(arguments: str) -> dict:
    """The SQL of each search's page of 50 and count, with PostgreSQL's plans."""
    from ipaddress import ip_network

    from django.core.paginator import Paginator
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from sessions_app.selectors import security_event_search

    username, address, day = arguments.split(",")
    start = datetime.fromisoformat(day).replace(tzinfo=UTC)
    searches = {
        "user": {"user": username},
        "ip": {"ip": ip_network(address)},
        "kind_day": {
            "kind": "login_failed",
            "after": start,
            "before": start + timedelta(days=1),
        },
        "cidr": {"ip": ip_network("203.0.113.0/24"), "kind": "login_failed"},
    }
    plans = {}
    for name, filters in searches.items():
        with CaptureQueriesContext(connection) as captured:
            page = Paginator(security_event_search(**filters), 50).page(1)
            rows = len(list(page))
        statements = []
        with connection.cursor() as cursor:
            for query in captured.captured_queries:
                cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {query['sql']}")
                plan = [line for (line,) in cursor.fetchall()]
                statements.append({"sql": query["sql"], "plan": plan})
        plans[name] = {
            "count": page.paginator.count,
            "rows": rows,
            "statements": statements,
        }
    return plans


def run_child(name: str, argument: str, env: dict, timeout: float = 600) -> object:
    result = subprocess.run(
        [PYTHON, __file__, "--child", name, "--child-arg", argument],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
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


def login(port: int) -> str:
    status, data, _ = request(
        port,
        "POST",
        "/api/v1/auth/login/",
        body={"username": STAFF, "password": PASSWORD},
    )
    if status != 200:
        raise RuntimeError(f"bench login failed: {status} {data[:200]}")
    return json.loads(data)["token"]


def scenario_paths(number: int, members: int) -> list[tuple[str, str]]:
    """(name, path) of every scenario for round `number`: a new member, address, day."""
    member = f"{MEMBER_PREFIX}{(number * 7919) % members:06d}"
    address = f"203.0.113.{1 + (number * 37) % ATTACKERS}"
    day = (datetime.now(UTC) - timedelta(days=1 + (number * 13) % (DAYS - 2))).date()
    after, before = day.isoformat(), (day + timedelta(days=1)).isoformat()
    return [
        ("health", "/api/v1/health/"),
        ("user", f"/api/v1/events/?{PAGE}&user={member}"),
        ("ip", f"/api/v1/events/?{PAGE}&ip={address}"),
        (
            "kind_day",
            f"/api/v1/events/?{PAGE}&kind=login_failed"
            f"&after={after}T00:00:00Z&before={before}T00:00:00Z",
        ),
        ("cidr", f"/api/v1/events/?{PAGE}&ip=203.0.113.0/24&kind=login_failed"),
    ]


def measure(args: argparse.Namespace, env: dict, log_dir: str) -> dict:
    names = [name for name, _ in scenario_paths(0, args.members)]
    timings: dict[str, list[float]] = {name: [] for name in names}
    counts: dict[str, list[int]] = {name: [] for name in names}
    with Gunicorn(
        env=env, workers=args.workers, log_path=Path(log_dir) / "gunicorn.log"
    ) as server:
        token = login(server.port)
        for warm in range(2 * args.workers):  # each worker's connection and plans
            for _, path in scenario_paths(10_000 + warm, args.members):
                request(server.port, "GET", path, token=token)
        deadline = time.monotonic() + args.max_seconds
        for number in range(args.requests):
            if time.monotonic() > deadline:
                print(f"  stopped after {number} rounds: --max-seconds reached")
                break
            for name, path in scenario_paths(number, args.members):
                status, data, ms = request(server.port, "GET", path, token=token)
                if status != 200:
                    raise RuntimeError(f"{name}: HTTP {status} {data[:200]}")
                timings[name].append(ms)
                if name != "health":
                    body = json.loads(data)
                    assert len(body["results"]) == min(50, body["count"]), name
                    counts[name].append(body["count"])
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
    return summary


# ---- the run ------------------------------------------------------------------------


def bench_env(url: str) -> dict[str, str]:
    return clean_env(
        **PLAIN_HTTP_PRODUCTION,
        DJANGO_SETTINGS_MODULE="config.settings",
        DATABASE_URL=url,
        REDIS_URL=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/13"),
        DJANGO_CACHE_PREFIX=f"bench-search-{os.getpid()}-{int(time.time())}",
        DJANGO_SECRET_KEY="bench-only-secret-key-not-for-production-" + "x" * 30,
        DJANGO_LOG_LEVEL="WARNING",
        GUNICORN_ACCESS_LOG="",
    )


def report(figures: dict) -> None:
    seed = figures["seed"]
    print(
        f"\nseed: {seed['events']:,} events inserted in {seed['insert_seconds']} s "
        f"(users {seed['users_seconds']} s, VACUUM ANALYZE {seed['analyze_seconds']} s)"
    )
    print(f"\n{'scenario':<10} {'requests':>8} {'median ms':>10} {'p90 ms':>8} "
          f"{'max ms':>8} {'count':>7}")  # fmt: skip
    for name, row in figures["http"].items():
        count = row.get("count_median", "")
        print(
            f"{name:<10} {row['requests']:>8} {row['median_ms']:>10} "
            f"{row['p90_ms']:>8} {row['max_ms']:>8} {count!s:>7}"
        )
    for name, plan in figures["plans"].items():
        print(f"\n{name}: count {plan['count']}, {plan['rows']} rows on page 1")
        for statement in plan["statements"]:
            print(f"  {statement['sql'][:100]} ...")
            for line in statement["plan"]:  # the whole plan is in the JSON
                if any(word in line for word in PLAN_LINES):
                    print(f"    {line.strip()[:110]}")
    print()
    for name in TARGETED:
        median = figures["http"][name]["median_ms"]
        verdict = "met" if median < TARGET_MS else "MISSED"
        print(f"{name}: median {median} ms (target < {TARGET_MS:.0f} ms): {verdict}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--members", type=int, default=10_000)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=200, help="per scenario")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--max-seconds", type=float, default=180)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--child-arg", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        import django

        django.setup()
        children = {"seed": child_seed, "plans": child_plans}
        print(json.dumps(children[args.child](args.child_arg)))
        return
    args.requests = max(10, min(args.requests, 1000))
    args.members = max(100, min(args.members, 100_000))
    args.events = max(1000, min(args.events, 5_000_000))
    admin_url = os.environ.get(
        "BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432/postgres"
    )
    url = with_database(admin_url, f"bench_search_{os.getpid()}_{int(time.time())}")
    env = bench_env(url)
    print(
        f"make bench-search: {args.events:,} security events of {args.members:,} "
        f"members, PostgreSQL {database_name(url)}, gunicorn {args.workers} sync "
        f"workers, {args.requests} requests per scenario",
        flush=True,
    )
    figures: dict = {"args": vars(args), "load_average_before": os.getloadavg()}
    database_ensure(url)
    try:
        manage("migrate", "--noinput", env=env, quiet=True)
        figures["seed"] = run_child("seed", f"{args.members},{args.events}", env)
        print(f"seeded: {figures['seed']}", flush=True)
        day = (datetime.now(UTC) - timedelta(days=3)).date().isoformat()
        sample = f"{MEMBER_PREFIX}{7:06d},203.0.113.7,{day}"
        figures["plans"] = run_child("plans", sample, env)
        with tempfile.TemporaryDirectory(prefix="search-bench-") as log_dir:
            figures["http"] = measure(args, env, log_dir)
    finally:
        database_drop(url)
    figures["load_average_after"] = os.getloadavg()
    report(figures)
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"search-{time.strftime('%Y%m%d-%H%M%S')}.json"
    out.write_text(json.dumps(figures, indent=2, default=str))
    print(f"\nwritten to {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
