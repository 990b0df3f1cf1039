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
import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from accounts.demo import DEMO_PASSWORD  # noqa: E402  (the root is on the path now)
from bench.common import (  # noqa: E402
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
from serving.runner import PYTHON, ROOT, Gunicorn, database_name  # noqa: E402

TARGET_MS = 30.0
PAGE = "page_size=20"
USER_AGENT = "messages-bench/1.0"


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
    from accounts.selectors import user_get_by_username
    from messaging.selectors import message_list_for_user
    from messaging.views import CountedPaginator

    member = user_get_by_username(username)
    return {
        folder: first_page_plan(
            CountedPaginator(message_list_for_user(user=member, folder=folder), 20)
        )
        for folder in ("sent", "received", "all")
    }


# ---- HTTP ---------------------------------------------------------------------------


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
    timings = Timings(name for name, _, _ in plan)
    with Gunicorn(
        env=env, workers=args.workers, log_path=Path(log_dir) / "gunicorn.log"
    ) as server:
        client = BenchClient(server.port, USER_AGENT)
        tokens = [client.login(name, DEMO_PASSWORD) for name in usernames]
        for warm in range(2 * len(tokens)):  # each worker's connection, plans, caches
            for _, path, authenticated in plan:
                token = tokens[warm % len(tokens)] if authenticated else ""
                client.request("GET", path, token=token)
        for number in rounds(args.requests, args.max_seconds):
            for name, path, authenticated in plan:
                token = tokens[number % len(tokens)] if authenticated else ""
                data, ms = client.get_ok(name, path, token=token)
                counted = name not in ("health", "me")
                timings.add(name, ms, json.loads(data)["count"] if counted else None)
    return {"day": day, "summary": timings.summary()}


# ---- the run ------------------------------------------------------------------------


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
    print_latency_table(figures["http"]["summary"])
    print_plans(figures["plans"])
    print_targets(figures["http"]["summary"], ("sent", "received"), TARGET_MS)


def main() -> None:
    parser = bench_parser(__doc__)
    parser.add_argument("--members", type=int, default=10_000)
    parser.add_argument("--messages", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=300, help="per scenario")
    parser.add_argument("--logins", type=int, default=10, help="members taking turns")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--max-seconds", type=float, default=180)
    parser.add_argument("--populate-timeout", type=float, default=1800)
    args = parser.parse_args()
    children = {"members": lambda a: child_members(int(a)), "plans": child_plans}
    if child_answered(args, children):
        return
    args.requests = max(10, min(args.requests, 1000))
    args.logins = max(1, min(args.logins, 50))
    url = database_url("bench_messages")
    # every request comes from 127.0.0.1
    env = server_env(url, "messages", THROTTLE_LOGIN_IP="1000000/min")
    print(
        f"make bench-messages: {args.members:,} members, {args.messages:,} messages, "
        f"PostgreSQL {database_name(url)}, gunicorn {args.workers} sync workers, "
        f"{args.requests} requests per scenario",
        flush=True,
    )
    figures: dict = {"args": vars(args), "load_average_before": os.getloadavg()}
    with fresh_database(url, env=env):
        seconds = populate(args, env)
        figures["populate_seconds"] = round(seconds, 1)
        figures["messages_per_second"] = round(args.messages / seconds)
        print(f"populate: {seconds:.1f} s", flush=True)
        usernames = run_child(__file__, "members", env, str(args.logins))
        figures["plans"] = run_child(__file__, "plans", env, usernames[0])
        with tempfile.TemporaryDirectory(prefix="messages-bench-") as log_dir:
            figures["http"] = measure(args, env, usernames, log_dir)
    figures["load_average_after"] = os.getloadavg()
    report(figures)
    write_results("messages", figures)


if __name__ == "__main__":
    main()
