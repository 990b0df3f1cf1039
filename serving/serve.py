"""`make serve`: the production stack on this machine, for a trial over plain HTTP.

Production settings (`DJANGO_DEBUG=0`) with local defaults for whatever the environment
leaves out: PostgreSQL `sessionauth` on 127.0.0.1 (created if missing), Redis db 0 for
the cache and throttles, a secret key generated once into `.serve-secret-key`, and no
HTTPS redirect or Secure cookies (`DJANGO_SECURE_SSL_REDIRECT=0`,
`DJANGO_SECURE_COOKIES=0`: a real deployment ends TLS at its proxy and sets both to 1).
Then `migrate`, `collectstatic` (whitenoise serves Swagger UI and the admin files),
the task worker (`manage.py db_worker`: mails leave the request as tasks) and gunicorn
with gunicorn.conf.py (`WEB_CONCURRENCY` workers, default 2 x cores + 1). Stopping
gunicorn (Ctrl-C) stops the worker too.
"""

import os
import secrets
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from serving.budget import available_connections, budget_from  # noqa: E402
from serving.runner import (  # noqa: E402  (the project root is on the path now)
    LOCAL_PG_URL,
    LOCAL_REDIS_URL,
    PLAIN_HTTP_PRODUCTION,
    PYTHON,
    ROOT,
    database_ensure,
    manage,
)

SECRET_KEY_FILE = ROOT / ".serve-secret-key"


def trial_secret_key() -> str:
    """Return the trial's secret key, generated on first use and kept for restarts."""
    if not SECRET_KEY_FILE.exists():
        SECRET_KEY_FILE.touch(mode=0o600)
        SECRET_KEY_FILE.write_text(secrets.token_urlsafe(50))
    return SECRET_KEY_FILE.read_text().strip()


def main() -> None:
    env = os.environ
    trial = dict(PLAIN_HTTP_PRODUCTION)
    # Mail: SMTP when EMAIL_HOST is set, else printed by the worker (a trial only).
    trial["DJANGO_EMAIL_BACKEND"] = "django.core.mail.backends.console.EmailBackend"
    if env.get("EMAIL_HOST"):
        del trial["DJANGO_EMAIL_BACKEND"]
    for name, value in trial.items():
        env.setdefault(name, value)
    env.setdefault("DATABASE_URL", LOCAL_PG_URL)
    env.setdefault("REDIS_URL", LOCAL_REDIS_URL)
    if not env.get("DJANGO_SECRET_KEY"):
        env["DJANGO_SECRET_KEY"] = trial_secret_key()
    if env["DATABASE_URL"].startswith(("postgres://", "postgresql://")):
        if database_ensure(env["DATABASE_URL"]):
            print(f"Created the database {env['DATABASE_URL']}")
    manage("migrate", "--noinput", env=env)
    if env["DATABASE_URL"].startswith(("postgres://", "postgresql://")):
        print(budget_from(env).describe(available_connections(env["DATABASE_URL"])))
    manage("collectstatic", "--noinput", env=env)
    print(
        f"Serving on http://{env.get('GUNICORN_BIND', '127.0.0.1:8000')}/ with "
        f"gunicorn (API: /api/v1/, Swagger UI: /docs/, admin: /admin/)",
        flush=True,
    )
    worker = subprocess.Popen([PYTHON, "manage.py", "db_worker"], cwd=ROOT, env=env)
    try:
        gunicorn = subprocess.run(
            [PYTHON, "-m", "gunicorn", "-c", "gunicorn.conf.py"], cwd=ROOT, env=env
        )
    except KeyboardInterrupt:
        gunicorn = None
    finally:
        worker.terminate()
        worker.wait(timeout=30)
    sys.exit(gunicorn.returncode if gunicorn is not None else 130)


if __name__ == "__main__":
    main()
