"""Benchmark `manage.py populate` and the members endpoint on SQLite and PostgreSQL.

    python bench/populate_bench.py          # what `make bench-populate` runs
    python bench/populate_bench.py --sizes 10000 --databases sqlite

For every database and size it creates a fresh database (SQLite: a temporary file;
PostgreSQL: a new database as postgres@127.0.0.1), migrates it, times
`populate <size> --seed 1` in a fresh process and, at the largest size, the median
server time of `GET /api/v1/activity/members/?page_size=100` (in-process test client, a
staff token, 50 requests after a warm-up); then drops the database. It prints a table
and writes it as JSON to bench/results/. Settings are production-like (DEBUG off).
"""

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
DEFAULT_PG_URL = "postgres://postgres@127.0.0.1:5432/postgres"
BENCH_ENV = {
    "DJANGO_DEBUG": "0",
    "DJANGO_SECRET_KEY": "bench-only-secret-key-not-for-production-use-0123456789",
    "DJANGO_SECURE_SSL_REDIRECT": "0",
    "DJANGO_SECURE_COOKIES": "0",
    "DJANGO_ALLOWED_HOSTS": "testserver,localhost",
    "DJANGO_LOG_LEVEL": "WARNING",
    "REDIS_URL": "",
    "DJANGO_EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
}


# ---- worker: runs inside one fresh process per database and size -------------------


def worker(size: int, periods: int, requests: int, measure_members: bool) -> dict:
    """Time populate, then (optionally) the members page; return the figures."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from io import StringIO

    from django.core.management import call_command
    from django.db import connection

    load = os.getloadavg()[0]  # other work on the machine skews every figure
    began = time.perf_counter()
    call_command(
        "populate",
        str(size),
        "--periods",
        str(periods),
        "--seed",
        "1",
        stdout=StringIO(),
    )
    seconds = time.perf_counter() - began
    figures = {
        "vendor": connection.vendor,
        "users": size,
        "periods": size * periods,
        "populate_seconds": round(seconds, 2),
        "users_per_second": round(size / seconds),
        "load_average_before": round(load, 2),
    }
    if measure_members:
        figures.update(measure_members_page(requests))
    return figures


def measure_members_page(requests: int) -> dict:
    """Median in-process time of a 100-member page, unfiltered and for one UTC day."""
    from datetime import timedelta

    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse
    from django.utils import timezone
    from rest_framework.test import APIClient

    from accounts.services import user_ensure

    password = "bench-staff-password-2026"
    staff = user_ensure(
        username="bench-staff",
        mobile="+919999999901",
        password=password,
        real_name="Bench Staff",
        is_staff=True,
    )
    client = APIClient()
    login = client.post(
        reverse("sessions:login"), {"username": staff.username, "password": password}
    )
    assert login.status_code == 200, login.content
    client.credentials(HTTP_AUTHORIZATION=f"Token {login.json()['token']}")
    url = reverse("activity:member-list")
    yesterday = (timezone.now() - timedelta(days=1)).date().isoformat()
    figures = {}
    cases = [
        ("members_page", {"page_size": 100}),
        ("members_page_one_day", {"page_size": 100, "date": yesterday}),
    ]
    for name, params in cases:
        response = client.get(url, params)  # warm-up: connection, caches, imports
        assert response.status_code == 200, response.content
        timings = []
        for _ in range(requests):
            began = time.perf_counter()
            response = client.get(url, params)
            timings.append(time.perf_counter() - began)
            assert response.status_code == 200, response.content
        with CaptureQueriesContext(connection) as queries:
            client.get(url, params)
        body = response.json()
        figures[f"{name}_median_ms"] = round(statistics.median(timings) * 1000, 1)
        figures[f"{name}_p90_ms"] = round(
            statistics.quantiles(timings, n=10)[-1] * 1000, 1
        )
        figures[f"{name}_members"] = len(body["members"])
        figures[f"{name}_count"] = body["count"]
        figures[f"{name}_queries"] = len(queries)
    return figures


# ---- orchestrator: creates and drops databases, runs the workers -------------------


def run(cmd: list[str], env: dict) -> str:
    done = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        sys.stderr.write(done.stdout + done.stderr)
        raise SystemExit(f"failed: {' '.join(cmd)}")
    return done.stdout


def bench_one(database_url: str, size: int, args: argparse.Namespace) -> dict:
    env = {**os.environ, **BENCH_ENV, "DATABASE_URL": database_url}
    run([sys.executable, "manage.py", "migrate", "--noinput", "-v0"], env)
    cmd = [
        sys.executable,
        __file__,
        "--worker",
        "--size",
        str(size),
        "--periods",
        str(args.periods),
        "--requests",
        str(args.requests),
    ]
    if size == max(args.sizes):
        cmd.append("--members")
    return json.loads(run(cmd, env).strip().splitlines()[-1])


def bench_sqlite(size: int, args: argparse.Namespace) -> dict:
    folder = tempfile.mkdtemp(prefix="populate-bench-")
    try:
        return bench_one(f"sqlite:///{folder}/bench.sqlite3", size, args)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def bench_postgresql(size: int, args: argparse.Namespace) -> dict:
    import psycopg2

    name = f"populate_bench_{uuid.uuid4().hex[:12]}"
    admin = psycopg2.connect(args.pg_url)
    admin.autocommit = True
    try:
        with admin.cursor() as cursor:
            cursor.execute(f'CREATE DATABASE "{name}"')
        parts = urlsplit(args.pg_url)
        try:
            return bench_one(urlunsplit(parts._replace(path=f"/{name}")), size, args)
        finally:
            with admin.cursor() as cursor:
                cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        admin.close()


def report(rows: list[dict]) -> None:
    print()
    print(
        f"{'database':<11} {'users':>8} {'periods':>8} {'seconds':>8} {'users/s':>8} "
        f"{'load':>5}"
    )
    for row in rows:
        print(
            f"{row['vendor']:<11} {row['users']:>8} {row['periods']:>8} "
            f"{row['populate_seconds']:>8} {row['users_per_second']:>8} "
            f"{row['load_average_before']:>5}"
        )
    for row in rows:
        if "members_page_median_ms" in row:
            print(
                f"{row['vendor']}: members page of {row['members_page_members']} at "
                f"{row['members_page_count']} members: median "
                f"{row['members_page_median_ms']} ms "
                f"(p90 {row['members_page_p90_ms']} ms, "
                f"{row['members_page_queries']} queries); one UTC day "
                f"({row['members_page_one_day_count']} members): median "
                f"{row['members_page_one_day_median_ms']} ms"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument(
        "--databases",
        nargs="+",
        choices=["sqlite", "postgresql"],
        default=["sqlite", "postgresql"],
    )
    parser.add_argument("--periods", type=int, default=3)
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument(
        "--pg-url",
        default=os.environ.get("BENCH_PG_URL", DEFAULT_PG_URL),
        help="database to connect to for CREATE/DROP DATABASE",
    )
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--size", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--members", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.worker:
        print(json.dumps(worker(args.size, args.periods, args.requests, args.members)))
        return

    rows = []
    for database in args.databases:
        for size in args.sizes:
            print(f"{database}: populate {size} ...", flush=True)
            bench = bench_sqlite if database == "sqlite" else bench_postgresql
            rows.append(bench(size, args))
            print(f"  {json.dumps(rows[-1])}", flush=True)
    report(rows)
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"populate-{time.strftime('%Y%m%d-%H%M%S')}.json"
    out.write_text(json.dumps(rows, indent=2))
    print(f"\nwritten to {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
