"""`python -m bench.soak`: arguments, a fresh database and server, the users, checks."""

import argparse
import os
import random
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager

import bench.soak
from bench.common import RESULTS, database_url, fresh_database
from bench.soak.behaviour import (
    PASSWORD,
    USER_AGENTS,
    Device,
    UserLoop,
    UserState,
    mobile_of,
)
from bench.soak.checks import database_checks, scan_server_log, sweep
from bench.soak.client import REQUEST_TIMEOUT, Client, Record
from bench.soak.report import report
from serving.runner import PLAIN_HTTP_PRODUCTION, ROOT, Gunicorn, database_name


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


@contextmanager
def connections_closed() -> Iterator[None]:
    """Close this process's database connections when the block ends."""
    try:
        yield
    finally:
        from django.db import connections

        connections.close_all()


def main() -> None:
    parser = argparse.ArgumentParser(
        prog="python -m bench.soak", description=bench.soak.__doc__.split("\n\n")[0]
    )
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
    url = database_url("soak", variable="SOAK_PG_URL")
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
            # A token session ends (403 session_expired) once its refresh token goes
            # unused this long; the soak never refreshes, so sessions expire during
            # the run. Access tokens outlive the run: an idle device is not a 401.
            "SESSION_POLICY_REFRESH_TTL": str(idle),
            "SESSION_POLICY_IDLE_TIMEOUT": str(max(3600, 2 * seconds)),
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
        f"{args.limit} sessions/user, sessions unrefreshed for {idle} s expire",
        flush=True,
    )
    record = Record()
    # Exits in reverse: this process's connections close before the database goes.
    with fresh_database(url, env=os.environ), connections_closed():
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
    report(record, figures, elapsed)
    print(f"gunicorn log: {log.relative_to(ROOT)}")
    sys.exit(1 if record.violations else 0)
