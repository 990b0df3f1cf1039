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
import json
import os
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import (  # noqa: E402  (the project root is on the path now)
    BenchClient,
    Timings,
    bench_parser,
    child_answered,
    database_url,
    first_page_plan,
    fresh_database,
    print_latency_table,
    print_plans,
    print_targets,
    rounds,
    run_child,
    server_env,
    write_results,
)
from serving.runner import Gunicorn, database_name  # noqa: E402

TARGET_MS = 100.0
TARGETED = ("user", "ip", "kind_day")
PAGE = "page_size=50"
STAFF = "benchstaff"
PASSWORD = "bench-password-2026-long"
MEMBER_PREFIX = "searchmember"
ATTACKERS = 200
DAYS = 365
USER_AGENT = "search-bench/1.0"

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
    return {
        name: first_page_plan(Paginator(security_event_search(**filters), 50))
        for name, filters in searches.items()
    }


# ---- HTTP ---------------------------------------------------------------------------


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
    timings = Timings(name for name, _ in scenario_paths(0, args.members))
    with Gunicorn(
        env=env, workers=args.workers, log_path=Path(log_dir) / "gunicorn.log"
    ) as server:
        client = BenchClient(server.port, USER_AGENT)
        token = client.login(STAFF, PASSWORD)
        for warm in range(2 * args.workers):  # each worker's connection and plans
            for _, path in scenario_paths(10_000 + warm, args.members):
                client.request("GET", path, token=token)
        for number in rounds(args.requests, args.max_seconds):
            for name, path in scenario_paths(number, args.members):
                data, ms = client.get_ok(name, path, token=token)
                if name == "health":
                    timings.add(name, ms)
                    continue
                body = json.loads(data)
                assert len(body["results"]) == min(50, body["count"]), name
                timings.add(name, ms, body["count"])
    return timings.summary()


# ---- the run ------------------------------------------------------------------------


def report(figures: dict) -> None:
    seed = figures["seed"]
    print(
        f"\nseed: {seed['events']:,} events inserted in {seed['insert_seconds']} s "
        f"(users {seed['users_seconds']} s, VACUUM ANALYZE {seed['analyze_seconds']} s)"
    )
    print_latency_table(figures["http"])
    print_plans(figures["plans"])
    print_targets(figures["http"], TARGETED, TARGET_MS)


def main() -> None:
    parser = bench_parser(__doc__)
    parser.add_argument("--members", type=int, default=10_000)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=200, help="per scenario")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--max-seconds", type=float, default=180)
    args = parser.parse_args()
    if child_answered(args, {"seed": child_seed, "plans": child_plans}):
        return
    args.requests = max(10, min(args.requests, 1000))
    args.members = max(100, min(args.members, 100_000))
    args.events = max(1000, min(args.events, 5_000_000))
    url = database_url("bench_search")
    env = server_env(url, "search")
    print(
        f"make bench-search: {args.events:,} security events of {args.members:,} "
        f"members, PostgreSQL {database_name(url)}, gunicorn {args.workers} sync "
        f"workers, {args.requests} requests per scenario",
        flush=True,
    )
    figures: dict = {"args": vars(args), "load_average_before": os.getloadavg()}
    with fresh_database(url, env=env):
        seeding = f"{args.members},{args.events}"
        figures["seed"] = run_child(__file__, "seed", env, seeding, timeout=600)
        print(f"seeded: {figures['seed']}", flush=True)
        day = (datetime.now(UTC) - timedelta(days=3)).date().isoformat()
        sample = f"{MEMBER_PREFIX}{7:06d},203.0.113.7,{day}"
        figures["plans"] = run_child(__file__, "plans", env, sample, timeout=600)
        with tempfile.TemporaryDirectory(prefix="search-bench-") as log_dir:
            figures["http"] = measure(args, env, log_dir)
    figures["load_average_after"] = os.getloadavg()
    report(figures)
    write_results("search", figures)


if __name__ == "__main__":
    main()
