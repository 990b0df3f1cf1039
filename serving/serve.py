"""`make serve`: the production topology on this machine; `make serve-http`: no nginx.

`make serve` (serving/proxy.py): nginx on 127.0.0.1 with TLS on PORT (default 8443;
plain HTTP on HTTP_PORT, default 8080, redirects there), a certificate from
NGINX_TLS_CERT / NGINX_TLS_KEY or a self-signed one made on first run in `.serve/tls/`,
in front of the sign-in pool (SIGNIN_CONCURRENCY workers, default one per core, at
nice 10) and the API pool (WEB_CONCURRENCY, default 2 x cores + 1), with
`DJANGO_NUM_PROXIES=1`, Secure `__Host-` cookies and HSTS; plus the task worker.
Ctrl-C stops all of it.

Both: production settings (`DJANGO_DEBUG=0`) with local defaults for whatever the
environment leaves out: PostgreSQL `sessionauth` on 127.0.0.1 (created if missing),
Redis db 0 for the cache and throttles, a secret key generated once into
`.serve-secret-key`. `make serve-http` (`--http`), a trial without nginx, has no HTTPS
redirect or Secure cookies (`DJANGO_SECURE_SSL_REDIRECT=0`, `DJANGO_SECURE_COOKIES=0`).
Then `migrate`, `collectstatic` (whitenoise serves Swagger UI and the admin files),
the task worker (`manage.py db_worker`: mails leave the request as tasks) and gunicorn
with gunicorn.conf.py (`WEB_CONCURRENCY` workers, default 2 x cores + 1), or the two
pools and nginx. Ctrl-C stops the worker too.
"""

import os
import secrets
import subprocess
import sys
import time

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
RUNTIME = ROOT / ".serve"  # git-ignored: the self-signed certificate, nginx's files


def trial_secret_key() -> str:
    """Return the trial's secret key, generated on first use and kept for restarts."""
    if not SECRET_KEY_FILE.exists():
        SECRET_KEY_FILE.touch(mode=0o600)
        SECRET_KEY_FILE.write_text(secrets.token_urlsafe(50))
    return SECRET_KEY_FILE.read_text().strip()


def main() -> None:
    plain_http = sys.argv[1:] == ["--http"]
    env = os.environ
    trial = dict(PLAIN_HTTP_PRODUCTION)
    if not plain_http:
        from serving.proxy import PROXIED_PRODUCTION

        trial.update(PROXIED_PRODUCTION)
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
        budget = budget_from(env)
        if not plain_http:
            from serving.proxy import api_workers, signin_workers

            budget = budget._replace(web_workers=api_workers(env) + signin_workers(env))
        print(budget.describe(available_connections(env["DATABASE_URL"])))
    manage("collectstatic", "--noinput", env=env)
    if not plain_http:
        serve_behind_nginx(env)
        return
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


def serve_behind_nginx(env: dict[str, str]) -> None:
    """nginx, both pools and the task worker until Ctrl-C or one of them stops."""
    import django

    from serving.proxy import ProxyStack, api_workers, signin_workers

    env.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()  # the sign-in routes come from the URL configuration
    port = int(env.get("PORT") or 8443)
    http_port = int(env.get("HTTP_PORT") or 8080)
    worker = subprocess.Popen([PYTHON, "manage.py", "db_worker"], cwd=ROOT, env=env)
    stack = ProxyStack(
        env=env,
        runtime=RUNTIME,
        https_port=port,
        http_port=http_port,
        nginx_access_log="/dev/stdout",
        quiet=False,
    )
    status = 0
    try:
        with stack:
            print(
                f"Serving on https://127.0.0.1:{port}/ through nginx (HTTP/2; "
                f"http://127.0.0.1:{http_port}/ redirects): sign-in pool "
                f"{signin_workers(env)} worker(s) at nice 10, API pool "
                f"{api_workers(env)}, task worker. API: /api/v1/, Swagger UI: /docs/, "
                f"admin: /admin/. Ctrl-C stops all.",
                flush=True,
            )
            servers = [stack.nginx, stack.signin, stack.api]
            while worker.poll() is None and all(
                server.process.poll() is None for server in servers
            ):
                time.sleep(1)
            print("A process of the stack stopped: stopping the rest.", flush=True)
            status = 1
    except KeyboardInterrupt:
        status = 130
    finally:
        worker.terminate()
        worker.wait(timeout=30)
    sys.exit(status)


if __name__ == "__main__":
    main()
