"""What the HTTP benchmarks share: a fresh database, children, timed requests, reports.

Used by bench/auth_bench.py, bench/messages_bench.py, bench/search_bench.py and
`python -m bench.soak`. Server and database plumbing itself is serving/runner.py.
"""

import argparse
import http.client
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from django.core.paginator import Paginator

from serving.runner import (
    PLAIN_HTTP_PRODUCTION,
    PYTHON,
    ROOT,
    clean_env,
    database_drop,
    database_ensure,
    manage,
    with_database,
)

RESULTS = ROOT / "bench" / "results"
ADMIN_PG_URL = "postgres://postgres@127.0.0.1:5432/postgres"
# What a plan printout keeps of PostgreSQL's EXPLAIN; the JSON keeps all of it.
PLAN_LINES = ("Scan", "Sort", "Limit", "Aggregate", "Execution Time")


# ---- the database and the server's environment ---------------------------------------


def database_url(prefix: str, *, variable: str = "BENCH_PG_URL") -> str:
    """Name a database of this run on the server `variable` points at (or local)."""
    admin_url = os.environ.get(variable, ADMIN_PG_URL)
    return with_database(admin_url, f"{prefix}_{os.getpid()}_{int(time.time())}")


@contextmanager
def fresh_database(url: str, *, env: Mapping[str, str]) -> Iterator[None]:
    """Create and migrate the database of `url`; drop it when the block ends."""
    database_ensure(url)
    try:
        manage("migrate", "--noinput", env=env, quiet=True)
        yield
    finally:
        database_drop(url)


def server_env(url: str, name: str, **overrides: str) -> dict[str, str]:
    """Production settings on plain HTTP, this database, quiet logs, no access log."""
    return clean_env(
        **PLAIN_HTTP_PRODUCTION,
        DJANGO_SETTINGS_MODULE="config.settings",
        DATABASE_URL=url,
        REDIS_URL=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/13"),
        DJANGO_CACHE_PREFIX=f"bench-{name}-{os.getpid()}-{int(time.time())}",
        DJANGO_SECRET_KEY="bench-only-secret-key-not-for-production-" + "x" * 30,
        DJANGO_LOG_LEVEL="WARNING",
        GUNICORN_ACCESS_LOG="",
        **overrides,
    )


# ---- children: the bench script again, with Django, in the bench's environment ------


def bench_parser(doc: str) -> argparse.ArgumentParser:
    """The arguments parser of a bench, described by its docstring's first paragraph."""
    parser = argparse.ArgumentParser(description=doc.split("\n\n")[0])
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--child-arg", help=argparse.SUPPRESS)
    return parser


def child_answered(
    args: argparse.Namespace, children: Mapping[str, Callable[[str], object]]
) -> bool:
    """In a child, set Django up and print what was asked as JSON; False elsewhere."""
    if not args.child:
        return False
    import django

    django.setup()
    print(json.dumps(children[args.child](args.child_arg)))
    return True


def run_child(
    script: str,
    name: str,
    env: Mapping[str, str],
    argument: str | None = None,
    *,
    timeout: float = 300,
) -> object:
    """Run `script --child name`, return the JSON its last line printed, or raise."""
    command = [PYTHON, script, "--child", name]
    if argument is not None:
        command += ["--child-arg", argument]
    result = subprocess.run(
        command,
        cwd=ROOT,
        env=dict(env),
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if result.returncode != 0:
        sys.stderr.write(result.stdout + result.stderr)
        raise RuntimeError(f"bench child {name!r} failed")
    return json.loads(result.stdout.strip().splitlines()[-1])


def first_page_plan(paginator: Paginator) -> dict:
    """Fetch page 1; return its count, rows, and each statement with its plan."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        page = paginator.page(1)
        rows = len(list(page))
    statements = []
    with connection.cursor() as cursor:
        for query in captured.captured_queries:
            cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {query['sql']}")
            plan = [line for (line,) in cursor.fetchall()]
            statements.append({"sql": query["sql"], "plan": plan})
    return {"count": page.paginator.count, "rows": rows, "statements": statements}


# ---- HTTP ----------------------------------------------------------------------------


class BenchClient:
    """One request at a time to a server on 127.0.0.1, each on a new connection."""

    def __init__(self, port: int, user_agent: str) -> None:
        self.port, self.user_agent = port, user_agent

    def request(
        self, method: str, path: str, *, token: str = "", body: dict | None = None
    ) -> tuple[int, bytes, float]:
        """Send one request; return status, body and milliseconds."""
        headers = {"User-Agent": self.user_agent, "Accept": "application/json"}
        if token:
            headers["Authorization"] = f"Token {token}"
        payload = None
        if body is not None:
            payload = json.dumps(body)
            headers["Content-Type"] = "application/json"
        began = time.perf_counter()
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            connection.request(method, path, body=payload, headers=headers)
            response = connection.getresponse()
            data = response.read()
        finally:
            connection.close()
        return response.status, data, (time.perf_counter() - began) * 1000

    def login(self, username: str, password: str) -> str:
        """Log in with a password through the API; return the token."""
        status, data, _ = self.request(
            "POST",
            "/api/v1/auth/login/",
            body={"username": username, "password": password},
        )
        if status != 200:
            failed = f"bench login of {username} failed: {status} {data[:200]}"
            raise RuntimeError(failed)
        return json.loads(data)["token"]

    def get_ok(self, name: str, path: str, *, token: str = "") -> tuple[bytes, float]:
        """GET `path` for scenario `name`; return body and milliseconds, or raise."""
        status, data, ms = self.request("GET", path, token=token)
        if status != 200:
            raise RuntimeError(f"{name}: HTTP {status} {data[:200]}")
        return data, ms


def rounds(count: int, max_seconds: float) -> Iterator[int]:
    """Round numbers 0 .. count - 1, as many as fit in `max_seconds`."""
    deadline = time.monotonic() + max_seconds
    for number in range(count):
        if time.monotonic() > deadline:
            print(f"  stopped after {number} rounds: --max-seconds reached")
            return
        yield number


class Timings:
    """Milliseconds, and optionally a result count, per scenario."""

    def __init__(self, names: Iterable[str]) -> None:
        self.ms: dict[str, list[float]] = {name: [] for name in names}
        self.counts: dict[str, list[int]] = {name: [] for name in self.ms}

    def add(self, name: str, ms: float, count: int | None = None) -> None:
        self.ms[name].append(ms)
        if count is not None:
            self.counts[name].append(count)

    def summary(self) -> dict[str, dict]:
        """Requests, median, p90 and maximum per scenario, and the median count."""
        summary = {}
        for name, values in self.ms.items():
            summary[name] = {
                "requests": len(values),
                "median_ms": round(statistics.median(values), 2),
                "p90_ms": round(statistics.quantiles(values, n=10)[-1], 2),
                "max_ms": round(max(values), 2),
            }
            if self.counts[name]:
                summary[name]["count_median"] = statistics.median(self.counts[name])
        return summary


# ---- reports -------------------------------------------------------------------------


def print_latency_table(summary: dict[str, dict]) -> None:
    print(f"\n{'scenario':<10} {'requests':>8} {'median ms':>10} {'p90 ms':>8} "
          f"{'max ms':>8} {'count':>7}")  # fmt: skip
    for name, row in summary.items():
        count = row.get("count_median", "")
        print(
            f"{name:<10} {row['requests']:>8} {row['median_ms']:>10} "
            f"{row['p90_ms']:>8} {row['max_ms']:>8} {count!s:>7}"
        )


def print_plans(plans: dict[str, dict]) -> None:
    for name, plan in plans.items():
        print(f"\n{name}: count {plan['count']}, {plan['rows']} rows on page 1")
        for statement in plan["statements"]:
            print(f"  {statement['sql'][:100]} ...")
            for line in statement["plan"]:  # the whole plan is in the JSON
                if any(word in line for word in PLAN_LINES):
                    print(f"    {line.strip()[:110]}")


def print_targets(
    summary: dict[str, dict], names: Iterable[str], target_ms: float
) -> None:
    print()
    for name in names:
        median = summary[name]["median_ms"]
        verdict = "met" if median < target_ms else "MISSED"
        print(f"{name}: median {median} ms (target < {target_ms:.0f} ms): {verdict}")


def write_results(kind: str, figures: dict) -> Path:
    """Write the figures to bench/results/<kind>-<time>.json and say where."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"{kind}-{time.strftime('%Y%m%d-%H%M%S')}.json"
    out.write_text(json.dumps(figures, indent=2, default=str))
    print(f"\nwritten to {out.relative_to(ROOT)}")
    return out
