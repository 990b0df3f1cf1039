"""`make postman`: the Postman collection, run by newman against the production stack.

A fresh PostgreSQL database (dropped afterwards), `migrate` and `seed_demo` (the demo
admin), then gunicorn with production settings over plain HTTP on 127.0.0.1, as
`make serve` runs it, and newman (`node_modules/.bin/newman`, pinned in package.json)
on docs/postman/. The last line counts newman's assertions the way CI's summary reads
it, "postman: N passed, M failed"; the exit status is non-zero on any failure.

Environment: POSTMAN_DATABASE_URL (a server to create the database on, default the
local PostgreSQL), POSTMAN_REDIS_URL (default none: each worker's local memory).
"""

import json
import os
import secrets
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from serving.runner import (  # noqa: E402  (the project root is on the path now)
    PLAIN_HTTP_PRODUCTION,
    ROOT,
    Gunicorn,
    clean_env,
    database_drop,
    database_ensure,
    manage,
    with_database,
)

COLLECTION = ROOT / "docs" / "postman" / "session-auth.postman_collection.json"
NEWMAN = ROOT / "node_modules" / ".bin" / "newman"
ADMIN_PG_URL = "postgres://postgres@127.0.0.1:5432/postgres"
WORKERS = 2
NEWMAN_SECONDS = 300


def newman(base_url: str, report: Path) -> int:
    """Run the collection against `base_url`; newman's own output goes to stdout."""
    command = [
        str(NEWMAN),
        "run",
        str(COLLECTION),
        "--env-var",
        f"baseUrl={base_url}",
        "--reporters",
        "cli,json",
        "--reporter-json-export",
        str(report),
        "--color",
        "off",
        "--disable-unicode",
    ]
    return subprocess.run(command, cwd=ROOT, timeout=NEWMAN_SECONDS).returncode


def counts(report: Path) -> tuple[int, int]:
    """Return (passed, failed) assertions; a request that got no answer fails too."""
    stats = json.loads(report.read_text())["run"]["stats"]
    assertions, requests = stats["assertions"], stats["requests"]
    failed = assertions["failed"]
    return assertions["total"] - failed, failed + requests["failed"]


def main() -> int:
    if not NEWMAN.exists():
        sys.exit(f"{NEWMAN} is missing: run `make postman` (it runs `npm ci`).")
    server_url = os.environ.get("POSTMAN_DATABASE_URL") or ADMIN_PG_URL
    url = with_database(server_url, f"postman_{os.getpid()}_{int(time.time())}")
    env = clean_env(
        **PLAIN_HTTP_PRODUCTION,
        DATABASE_URL=url,
        REDIS_URL=os.environ.get("POSTMAN_REDIS_URL", ""),
        DJANGO_CACHE_PREFIX=f"postman{os.getpid()}",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_LOG_LEVEL="WARNING",
    )
    database_ensure(url)
    try:
        manage("migrate", "--noinput", env=env, quiet=True)
        manage("seed_demo", env=env, quiet=True)
        with tempfile.TemporaryDirectory() as workdir:
            log, report = Path(workdir) / "gunicorn.log", Path(workdir) / "report.json"
            with Gunicorn(env=env, workers=WORKERS, log_path=log) as server:
                status = newman(server.url(), report)
            passed, failed = counts(report) if report.exists() else (0, 1)
    finally:
        database_drop(url)
    print(f"postman: {passed} passed, {failed} failed", flush=True)
    return 0 if status == 0 and failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
