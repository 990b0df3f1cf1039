"""Benchmark `end_expired_sessions` and `purge_sessions` on PostgreSQL.

    python bench/maintenance_bench.py                   # `make bench-maintenance`
    python bench/maintenance_bench.py --expire 10000 --purge 100000

For each run a fresh database is migrated and seeded with plain SQL (1,000 members;
sessions spread over them; one open activity period per session; a cookie store row for
every cookie session; a login event per session), then the command runs in a fresh
process under `/usr/bin/time -v`: its wall time, CPU time and maximum resident memory
are printed, and the invariants are checked in SQL afterwards (every expired session
ended once, its event recorded, its period closed when it expired, its cookie row gone;
every purged session gone, its events and period kept with the session unset: the
account's history outlives its sessions). Results go to bench/results/maintenance.json.

The server is a private PostgreSQL cluster started for the run (initdb in a temp dir,
fsync off; `--pg-url` or BENCH_PG_URL names another), so other work on the shared
server does not skew the figures. Targets (issue 20): 100,000 expired sessions end in
< 30 s; purging 1,000,000 sessions stays under 100 MB.
"""

import argparse
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from serving.private_services import PrivatePostgres, process_tree  # noqa: E402
from serving.runner import (  # noqa: E402  (the project root is on the path now)
    PLAIN_HTTP_PRODUCTION,
    PYTHON,
    clean_env,
    database_drop,
    database_ensure,
    manage,
    with_database,
)

RESULTS = ROOT / "bench" / "results"
PRIVATE: PrivatePostgres | None = None  # the cluster of this run, if it started one
MEMBERS = 1000


def bench_env(url: str) -> dict[str, str]:
    return clean_env(
        **PLAIN_HTTP_PRODUCTION,
        DATABASE_URL=url,
        DJANGO_SECRET_KEY="bench-only-secret-key-not-for-production-use-0123456789",
        DJANGO_LOG_LEVEL="WARNING",
        REDIS_URL="",
    )


def connect(url: str):
    import psycopg2

    return psycopg2.connect(url.replace("postgres://", "postgresql://", 1))


def sql(url: str, statement: str, params: tuple = ()) -> list[tuple]:
    connection = connect(url)
    try:
        with connection, connection.cursor() as cursor:
            cursor.execute(statement, params)
            return cursor.fetchall() if cursor.description else []
    finally:
        connection.close()


def session_columns(env: dict[str, str]) -> list[tuple[str, str]]:
    """Return (column, SQL expression) for a UserSession row built from `u` and `g`.

    Read from the model, so columns added later get their default (or NULL) and the
    bench keeps working.
    """
    code = (
        "import json; from sessions_app.models import UserSession as S; "
        "print(json.dumps([[f.column, f.null, f.unique, f.get_internal_type(), "
        "f.get_default() if isinstance(f.get_default(), (str, int, bool)) else None] "
        "for f in S._meta.concrete_fields]))"
    )
    out = manage("shell", "-c", code, env=env, quiet=True)
    fields = json.loads(out.strip().splitlines()[-1])
    known = {
        "id": "gen_random_uuid()",
        "user_id": "u.id",
        "transport": "CASE WHEN mod(g, 2) = 0 THEN 'token' ELSE 'cookie' END",
        "ip_address": "'203.0.113.7'",
        "user_agent": "'bench'",
        "browser": "'Chrome'",
        "os": "'Windows'",
        "device_type": "'pc'",
        "device_name": "'Chrome on Windows'",
        "location": "'IN'",
        "login_method": "'password_api'",
        "created_at": "%(created)s",
        # used a minute before its lifetime ended: it expired by lifetime, not idling
        "last_activity": "%(expires)s - (g || ' seconds')::interval - interval '1 min'",
        "reauthenticated_at": "%(created)s",
        "expires_at": "%(expires)s - (g || ' seconds')::interval",
        "ended_at": "%(ended)s",
        "end_reason": "%(reason)s",
        "is_active": "%(active)s",
    }
    columns = []
    for column, null, unique, kind, default in fields:
        if column in known:
            expression = known[column]
        elif unique or (null and default is None):
            expression = "NULL"
        elif kind == "DateTimeField":
            expression = "%(created)s"
        elif default is not None:
            expression = f"'{default}'" if isinstance(default, str) else str(default)
        else:
            raise RuntimeError(f"no value for UserSession.{column} in the bench")
        columns.append((column, expression))
    return columns


def seed(url: str, env: dict[str, str], *, sessions: int, ended: bool) -> None:
    """Seed `sessions` sessions: live but expired, or ended 100 days ago."""
    manage(
        "populate", str(MEMBERS), "--periods", "0", "--seed", "1", env=env, quiet=True
    )
    per_member = -(-sessions // MEMBERS)
    columns = session_columns(env)
    names = ", ".join(column for column, _ in columns)
    values = ", ".join(expression for _, expression in columns)
    params = {
        "created": "now() - interval '101 days'" if ended else "now() - interval '2h'",
        "expires": "now() - interval '100 days'" if ended else "now() - interval '1h'",
        "ended": "now() - interval '100 days'" if ended else "NULL",
        "reason": "'logout'" if ended else "''",
        "active": "false" if ended else "true",
    }
    values = values % params
    started = time.monotonic()
    sql(
        url,
        f"INSERT INTO sessions_app_usersession ({names}) "
        f"SELECT {values} FROM accounts_user u CROSS JOIN generate_series(1, %s) g "
        f"LIMIT %s",
        (per_member, sessions),
    )
    sql(
        url,
        "INSERT INTO activity_activityperiod (user_id, session_id, start_time, "
        "end_time) SELECT user_id, id, created_at, ended_at "
        "FROM sessions_app_usersession",
    )
    sql(
        url,
        "INSERT INTO sessions_app_securityevent (user_id, session_id, kind, "
        "ip_address, user_agent, device_name, location, created_at, detail) "
        "SELECT user_id, id, 'login', ip_address, user_agent, device_name, "
        "location, created_at, '{}' FROM sessions_app_usersession",
    )
    if not ended:
        sql(
            url,
            "INSERT INTO sessions_app_browsersession (session_key, session_data, "
            "expire_date, user_session_id) SELECT md5(id::text), '', expires_at, id "
            "FROM sessions_app_usersession WHERE transport = 'cookie'",
        )
    sql(url, "ANALYZE")
    print(f"  seeded {sessions:,} sessions in {time.monotonic() - started:.1f} s")


def timed_command(env: dict[str, str], *args: str) -> dict[str, float | str]:
    """Run `manage.py <args>` under /usr/bin/time -v; return wall s, max RSS MB, out."""
    result = subprocess.run(
        ["/usr/bin/time", "-v", PYTHON, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=3600,
    )
    if result.returncode != 0:
        sys.stderr.write(result.stdout + result.stderr)
        raise RuntimeError(f"manage.py {' '.join(args)} failed")
    wall = re.search(
        r"Elapsed \(wall clock\) time.*: (?:(\d+):)?(\d+):([\d.]+)", result.stderr
    )
    hours, minutes, seconds = (float(part or 0) for part in wall.groups())
    rss = re.search(r"Maximum resident set size \(kbytes\): (\d+)", result.stderr)
    cpu = sum(
        float(found)
        for found in re.findall(
            r"(?:User|System) time \(seconds\): ([\d.]+)", result.stderr
        )
    )
    return {
        "seconds": round(hours * 3600 + minutes * 60 + seconds, 2),
        "cpu_seconds": round(cpu, 2),
        "max_rss_mb": round(int(rss.group(1)) / 1024, 1),
        "output": result.stdout.strip(),
    }


def check_expired(url: str, sessions: int) -> dict[str, int]:
    (row,) = sql(
        url,
        "SELECT "
        "(SELECT count(*) FROM sessions_app_usersession WHERE is_active), "
        "(SELECT count(*) FROM sessions_app_usersession WHERE end_reason = 'expired'), "
        "(SELECT count(*) FROM sessions_app_securityevent "
        " WHERE kind = 'session_expired'), "
        "(SELECT count(*) FROM activity_activityperiod WHERE end_time IS NULL), "
        "(SELECT count(*) FROM activity_activityperiod p "
        " JOIN sessions_app_usersession s ON s.id = p.session_id "
        " WHERE p.end_time <> s.expires_at), "
        "(SELECT count(*) FROM sessions_app_browsersession)",
    )
    found = dict(
        zip(
            (
                "still_live",
                "ended_expired",
                "expired_events",
                "open_periods",
                "periods_not_closed_at_expiry",
                "cookie_rows_left",
            ),
            row,
            strict=True,
        )
    )
    expected = {
        "still_live": 0,
        "ended_expired": sessions,
        "expired_events": sessions,
        "open_periods": 0,
        "periods_not_closed_at_expiry": 0,
        "cookie_rows_left": 0,
    }
    if found != expected:
        raise AssertionError(f"invariants broken: {found} != {expected}")
    return found


def check_purged(url: str, sessions: int) -> None:
    (row,) = sql(
        url,
        "SELECT (SELECT count(*) FROM sessions_app_usersession), "
        "(SELECT count(*) FROM sessions_app_securityevent "
        " WHERE session_id IS NOT NULL), "
        "(SELECT count(*) FROM activity_activityperiod WHERE session_id IS NULL)",
    )
    if row != (0, 0, sessions):
        raise AssertionError(f"purge left {row}, expected (0, 0, {sessions})")
    ((events,),) = sql(url, "SELECT count(*) FROM sessions_app_securityevent")
    if events < sessions:
        raise AssertionError(f"the purge took events with it: {events} left")


def cluster_cpu_seconds() -> float | None:
    """CPU the private cluster has used so far (exited backends count, once reaped)."""
    if PRIVATE is None:
        return None
    total = 0
    for pid in process_tree(PRIVATE.process.pid):
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += sum(int(value) for value in fields[11:15])  # utime stime cutime cstime
    return total / os.sysconf("SC_CLK_TCK")


def run(kind: str, sessions: int, admin_url: str, batch_size: str) -> dict:
    url = with_database(admin_url, f"bench_maintenance_{os.getpid()}_{sessions}")
    env = bench_env(url)
    database_drop(url)
    database_ensure(url)
    try:
        manage("migrate", "--noinput", env=env, quiet=True)
        print(f"{kind} {sessions:,} sessions:")
        seed(url, env, sessions=sessions, ended=kind == "purge_sessions")
        database_cpu = cluster_cpu_seconds()
        if kind == "end_expired_sessions":
            measured = timed_command(
                env, "end_expired_sessions", "--batch-size", batch_size
            )
            check_expired(url, sessions)
        else:
            measured = timed_command(
                env, "purge_sessions", "--older-than", "90d", "--batch-size", batch_size
            )
            check_purged(url, sessions)
        if database_cpu is not None:
            measured["database_cpu_seconds"] = round(
                cluster_cpu_seconds() - database_cpu, 1
            )
        rate = sessions / measured["seconds"] if measured["seconds"] else 0
        print(
            f"  {measured['seconds']:.1f} s ({rate:,.0f}/s; CPU: the command "
            f"{measured['cpu_seconds']:.1f} s, PostgreSQL "
            f"{measured.get('database_cpu_seconds', '?')} s), "
            f"max RSS {measured['max_rss_mb']:.0f} MB: {measured['output']}"
        )
        return {"command": kind, "sessions": sessions, **measured, "per_second": rate}
    finally:
        database_drop(url)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--expire", default="100000", help="sizes, comma-separated")
    parser.add_argument("--purge", default="100000,1000000", help="sizes")
    parser.add_argument(
        "--pg-url",
        default=os.environ.get("BENCH_PG_URL"),
        help="a PostgreSQL server to use (default: a private one, started here)",
    )
    parser.add_argument(
        "--batch-size", default="2000", help="rows per transaction (default 2000)"
    )
    options = parser.parse_args()
    global PRIVATE
    if options.pg_url is None:
        # A cluster of our own: the shared server's other work skews no figure.
        PRIVATE = PrivatePostgres(max_connections=20)
        PRIVATE.start()
        options.pg_url = PRIVATE.url()
        print(f"private PostgreSQL on port {PRIVATE.port} (fsync off)")
    try:
        results = run_all(options)
    finally:
        if PRIVATE is not None:
            PRIVATE.close()
    report(results)


def run_all(options: argparse.Namespace) -> list[dict]:
    results = []
    for kind, sizes in (
        ("end_expired_sessions", options.expire),
        ("purge_sessions", options.purge),
    ):
        for size in filter(None, sizes.split(",")):
            results.append(run(kind, int(size), options.pg_url, options.batch_size))
    return results


def report(results: list[dict]) -> None:
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "maintenance.json").write_text(json.dumps(results, indent=2) + "\n")
    print(
        "\ncommand               sessions   seconds   per second   CPU s   "
        "PostgreSQL CPU s   max RSS"
    )
    for r in results:
        print(
            f"{r['command']:<21} {r['sessions']:>9,} {r['seconds']:>9.1f} "
            f"{r['per_second']:>12,.0f} {r['cpu_seconds']:>7.1f} "
            f"{r.get('database_cpu_seconds', float('nan')):>18.1f} "
            f"{r['max_rss_mb']:>7.0f} MB"
        )
    print(
        "Wall times include PostgreSQL's work; on a machine shared with other runs "
        "they vary, the command's CPU and memory much less."
    )


if __name__ == "__main__":
    main()
