"""`make bench-storm` (run by `make bench`): does a login storm starve the API?

    python bench/storm_bench.py                 # what `make bench` runs
    python bench/storm_bench.py --rounds 5 --seconds 5 --clients 10
    python bench/storm_bench.py --signin-workers 0   # no bulkhead: one pool for all

The production topology of `make serve` (serving/proxy.py) on a fresh PostgreSQL
database (dropped afterwards): nginx with TLS in front of the sign-in pool
(SIGNIN_CONCURRENCY, default one worker per core, at nice 10) and the API pool
(WEB_CONCURRENCY, default 2 x cores + 1), production settings (Argon2 first). wrk
reads `GET /api/v1/auth/users/me/` over HTTPS, in interleaved rounds:

    alone   /me/ with nothing else running
    storm   /me/ while `--clients` threads log in continuously (POST
            /api/v1/auth/login/, Argon2 each, ending that user's previous session)

The figure is the median over rounds of (storm p99 / alone p99): target at most 3x,
goal 2x. Logins/s is what the storm clients completed. Bounded: rounds x 2 windows of
`--seconds`, each request with a 30 s timeout. Results also go to bench/results/.
"""

import argparse
import http.client
import json
import os
import re
import shutil
import ssl
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from config.app_settings import DEFAULT_THROTTLE_RATES  # noqa: E402
from serving.proxy import (  # noqa: E402
    DEFAULT_EMAIL_BACKEND,
    PROXIED_PRODUCTION,
    ProxyStack,
    api_workers,
    signin_workers,
)
from serving.runner import (  # noqa: E402
    ROOT,
    database_drop,
    database_ensure,
    database_name,
    manage,
    with_database,
)

ADMIN_PG_URL = os.environ.get(
    "BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432/postgres"
)
PASSWORD = "storm-bench-passphrase-1"
TARGET, GOAL = 3.0, 2.0
RESULTS = ROOT / "bench" / "results"


def request(
    port: int, method: str, path: str, body: dict | None = None, token: str = ""
) -> tuple[int, dict]:
    headers = {"Content-Type": "application/json", "User-Agent": "storm-bench"}
    if token:
        headers["Authorization"] = f"Token {token}"
    connection = http.client.HTTPSConnection(
        "127.0.0.1", port, timeout=30, context=ssl._create_unverified_context()
    )
    try:
        connection.request(
            method, path, body=json.dumps(body) if body else None, headers=headers
        )
        response = connection.getresponse()
        raw = response.read()
        return response.status, json.loads(raw) if raw else {}
    finally:
        connection.close()


def register_and_log_in(port: int, username: str, mobile: str) -> str:
    status, body = request(
        port,
        "POST",
        "/api/v1/auth/register/",
        {
            "username": username,
            "mobile": mobile,
            "password": PASSWORD,
            "real_name": "Storm Bench",
        },
    )
    if status != 201:
        raise RuntimeError(f"register {username}: {status} {body}")
    return log_in(port, username)


def log_in(port: int, username: str) -> str:
    status, body = request(
        port,
        "POST",
        "/api/v1/auth/login/",
        {"username": username, "password": PASSWORD},
    )
    if status != 200:
        raise RuntimeError(f"login {username}: {status} {body}")
    return body["token"]


class Storm:
    """`clients` threads logging in one after another until stopped."""

    def __init__(self, port: int, usernames: list[str]) -> None:
        self.port = port
        self.usernames = usernames
        self.stopping = threading.Event()
        self.logins = 0
        self.failures = 0
        self.lock = threading.Lock()
        self.threads = [
            threading.Thread(target=self._run, args=(name,), daemon=True)
            for name in usernames
        ]

    def _run(self, username: str) -> None:
        while not self.stopping.is_set():
            try:
                log_in(self.port, username)
                with self.lock:
                    self.logins += 1
            except (OSError, RuntimeError):
                with self.lock:
                    self.failures += 1

    def __enter__(self) -> "Storm":
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self.stopping.set()
        for thread in self.threads:
            thread.join(timeout=35)


def wrk_p99(port: int, token: str, seconds: int, connections: int) -> dict:
    command = [
        shutil.which("wrk") or "wrk",
        "-t1",
        f"-c{connections}",
        f"-d{seconds}s",
        "--timeout",
        "30s",
        "--latency",
        "-H",
        f"Authorization: Token {token}",
        f"https://127.0.0.1:{port}/api/v1/auth/users/me/",
    ]
    result = subprocess.run(
        command, capture_output=True, text=True, timeout=seconds + 60
    )
    if result.returncode != 0:
        raise RuntimeError(f"wrk failed: {result.stderr}")
    return parse_wrk(result.stdout)


def _ms(value: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", value).groups()
    return float(number) * {"us": 0.001, "ms": 1, "s": 1000, "m": 60000}[unit]


def parse_wrk(output: str) -> dict:
    p50 = re.search(r"50%\s+([\d.]+\w+)", output)
    p99 = re.search(r"99%\s+([\d.]+\w+)", output)
    rps = re.search(r"Requests/sec:\s+([\d.]+)", output)
    if not (p50 and p99 and rps):
        raise RuntimeError(f"unexpected wrk output:\n{output}")
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    return {
        "p50_ms": _ms(p50[1]),
        "p99_ms": _ms(p99[1]),
        "rps": float(rps[1]),
        "non_2xx": int(non_2xx[1]) if non_2xx else 0,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--clients", type=int, default=10)
    parser.add_argument("--connections", type=int, default=4, help="wrk's for /me/")
    parser.add_argument(
        "--signin-workers",
        type=int,
        default=None,
        help="the sign-in pool's size (default SIGNIN_CONCURRENCY or cores); 0: no "
        "sign-in pool, the API pool answers logins too (the comparison)",
    )
    parser.add_argument("--strict", action="store_true", help="exit 1 past the target")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("make bench-storm needs wrk: apt-get install -y wrk")
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()  # nginx's sign-in routes come from the URL configuration

    url = with_database(ADMIN_PG_URL, f"storm_{os.getpid()}_{int(time.time())}")
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "REDIS_URL": os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14"),
        "DJANGO_CACHE_PREFIX": f"storm-{os.getpid()}-{int(time.time())}",
        "DJANGO_SECRET_KEY": "bench-only-secret-key-not-for-production-" + "x" * 30,
        "DJANGO_LOG_LEVEL": "WARNING",
        "GUNICORN_ACCESS_LOG": "",
        # Every request comes from 127.0.0.1: no limit may get in the way.
        **{
            f"THROTTLE_{scope.upper()}": "1000000/min"
            for scope in DEFAULT_THROTTLE_RATES
        },
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)  # config.settings, never bench.settings
    env.update(PROXIED_PRODUCTION, DJANGO_EMAIL_BACKEND=DEFAULT_EMAIL_BACKEND)
    signin, api = signin_workers(env), api_workers(env)
    if args.signin_workers is not None:
        signin = args.signin_workers
    print(
        f"storm bench: nginx (TLS) -> sign-in pool {signin or 'none'} (nice 10) + "
        f"API pool {api}, PostgreSQL {database_name(url)}; {args.rounds} rounds x "
        f"({args.seconds} s alone + {args.seconds} s with {args.clients} clients "
        f"logging in), wrk -c{args.connections} on /me/",
        flush=True,
    )
    database_ensure(url)
    rounds = []
    try:
        manage("migrate", "--noinput", env=env, quiet=True)
        with tempfile.TemporaryDirectory(prefix="storm-") as runtime:
            with ProxyStack(
                env=env, runtime=Path(runtime), signin_pool=signin
            ) as stack:
                reader = register_and_log_in(stack.port, "reader", "+919800000000")
                stormers = [f"stormer{n}" for n in range(args.clients)]
                for n, name in enumerate(stormers, start=1):
                    register_and_log_in(stack.port, name, f"+9198000{n:05d}")
                wrk_p99(stack.port, reader, 2, args.connections)  # warm up
                for number in range(1, args.rounds + 1):
                    alone = wrk_p99(stack.port, reader, args.seconds, args.connections)
                    with Storm(stack.port, stormers) as storm:
                        time.sleep(1)  # every client has a login in flight
                        before, started = storm.logins, time.monotonic()
                        during = wrk_p99(
                            stack.port, reader, args.seconds, args.connections
                        )
                        logins = (storm.logins - before) / (time.monotonic() - started)
                    row = {
                        "alone": alone,
                        "storm": during,
                        "ratio": during["p99_ms"] / alone["p99_ms"],
                        "logins_per_s": logins,
                        "login_failures": storm.failures,
                    }
                    rounds.append(row)
                    print(
                        f"round {number}: /me/ alone p99 {alone['p99_ms']:7.1f} ms "
                        f"({alone['rps']:6.0f} req/s) | storm p99 "
                        f"{during['p99_ms']:7.1f} ms ({during['rps']:6.0f} req/s) | "
                        f"x{row['ratio']:.2f} | {logins:.1f} logins/s",
                        flush=True,
                    )
    finally:
        database_drop(url)
    report(rounds, args, signin=signin, api=api)


def report(
    rounds: list[dict], args: argparse.Namespace, *, signin: int, api: int
) -> None:
    ratio = statistics.median(row["ratio"] for row in rounds)
    summary = {
        "signin_workers": signin,
        "api_workers": api,
        "clients": args.clients,
        "alone_p99_ms": statistics.median(r["alone"]["p99_ms"] for r in rounds),
        "storm_p99_ms": statistics.median(r["storm"]["p99_ms"] for r in rounds),
        "alone_rps": statistics.median(r["alone"]["rps"] for r in rounds),
        "storm_rps": statistics.median(r["storm"]["rps"] for r in rounds),
        "ratio": ratio,
        "logins_per_s": statistics.median(r["logins_per_s"] for r in rounds),
        "non_2xx": sum(r["alone"]["non_2xx"] + r["storm"]["non_2xx"] for r in rounds),
        "login_failures": sum(r["login_failures"] for r in rounds),
    }
    verdict = (
        "goal met"
        if ratio <= GOAL
        else "target met"
        if ratio <= TARGET
        else ("OVER TARGET")
    )
    print(
        f"\n/me/ p99: alone {summary['alone_p99_ms']:.1f} ms, during the storm "
        f"{summary['storm_p99_ms']:.1f} ms; median ratio x{ratio:.2f} (target "
        f"x{TARGET:g}, goal x{GOAL:g}: {verdict}); /me/ {summary['alone_rps']:.0f} -> "
        f"{summary['storm_rps']:.0f} req/s; {summary['logins_per_s']:.1f} logins/s; "
        f"{summary['non_2xx']} non-2xx, {summary['login_failures']} failed logins"
    )
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"storm-{time.strftime('%Y%m%d-%H%M%S')}.json"
    path.write_text(json.dumps({"summary": summary, "rounds": rounds}, indent=2))
    print(f"results: {path.relative_to(ROOT)}")
    if args.strict and (ratio > TARGET or summary["non_2xx"]):
        sys.exit(1)


if __name__ == "__main__":
    main()
