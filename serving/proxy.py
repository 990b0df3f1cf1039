"""nginx with TLS in front of two gunicorn pools: the production topology on one host.

    client ─TLS─> nginx ─┬─> sign-in pool (SIGNIN_CONCURRENCY workers, nice 10)
                         └─> API pool (WEB_CONCURRENCY workers, 2 x cores + 1)

`make serve` (serving/serve.py), the proxy tests (serving/test_proxy.py) and the storm
bench (bench/storm_bench.py) start it with `ProxyStack`. The nginx configuration is
deploy/nginx/nginx.conf.template with the ports, paths and the sign-in routes of
serving/signin_routes.py filled in. `python serving/proxy.py --render` prints it.
"""

import http.client
import os
import re
import ssl
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from serving.runner import (  # noqa: E402  (the project root is on the path now)
    ROOT,
    Gunicorn,
    ServerProcess,
    free_port,
    log_tail,
)

NGINX = "/usr/sbin/nginx"
TEMPLATE = ROOT / "deploy" / "nginx" / "nginx.conf.template"
MIME_TYPES = "/etc/nginx/mime.types"
SIGNIN_NICE = 10  # hashing yields the CPU to the API pool

# Production settings behind one proxy that ends TLS, whatever the env says: Secure
# `__Host-` cookies, HSTS, the HTTPS redirect, the client's address from the last
# X-Forwarded-For entry (the one nginx adds).
PROXIED_PRODUCTION = {
    "DJANGO_DEBUG": "0",
    "DJANGO_SECURE_SSL_REDIRECT": "1",
    "DJANGO_SECURE_COOKIES": "1",
    "DJANGO_NUM_PROXIES": "1",
}
# Mail stays in each worker's memory unless the env names a backend or an SMTP host.
DEFAULT_EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


def cores() -> int:
    return os.cpu_count() or 1


def signin_workers(env: Mapping[str, str]) -> int:
    """SIGNIN_CONCURRENCY, else one worker per core: hashing is all CPU."""
    return int(env.get("SIGNIN_CONCURRENCY") or cores())


def api_workers(env: Mapping[str, str]) -> int:
    """WEB_CONCURRENCY, else 2 x cores + 1 (gunicorn.conf.py's rule)."""
    return int(env.get("WEB_CONCURRENCY") or 2 * cores() + 1)


def self_signed_certificate(directory: Path) -> tuple[Path, Path]:
    """Return (certificate, key) in `directory`, made with openssl on first use."""
    cert, key = directory / "localhost.crt", directory / "localhost.key"
    if cert.exists() and key.exists():
        return cert, key
    directory.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
            "-days",
            "365",
            "-subj",
            "/CN=localhost",
            "-addext",
            "subjectAltName=DNS:localhost,IP:127.0.0.1",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )
    key.chmod(0o600)
    return cert, key


def tls_files(env: Mapping[str, str], directory: Path) -> tuple[Path, Path]:
    """NGINX_TLS_CERT and NGINX_TLS_KEY when set, else a self-signed pair."""
    if env.get("NGINX_TLS_CERT") or env.get("NGINX_TLS_KEY"):
        cert, key = Path(env["NGINX_TLS_CERT"]), Path(env["NGINX_TLS_KEY"])
        for path in (cert, key):
            if not path.is_file():
                raise FileNotFoundError(f"no TLS file at {path}")
        return cert, key
    return self_signed_certificate(directory)


def signin_locations(indent: str = "        ") -> str:
    """The nginx location blocks of the sign-in routes (Django must be set up)."""
    from serving.signin_routes import nginx_locations

    blocks = []
    for location in nginx_locations():
        api = location.split()[-1].strip('"').lstrip("^").startswith("/api/")
        lines = [f"{location} {{", "    proxy_pass http://signin_pool;"]
        if api:
            lines += [
                "    error_page 502 503 @api_502;",
                "    error_page 504 @api_504;",
            ]
        lines.append("}")
        blocks.append("\n".join(indent + line for line in lines))
    return "\n".join(blocks)


def render(
    *,
    runtime: Path,
    https_port: int,
    http_port: int,
    signin_upstream: str,
    api_upstream: str,
    tls_cert: Path,
    tls_key: Path,
    access_log: str = "off",
    worker_processes: str = "auto",
    listen_host: str = "127.0.0.1",
) -> str:
    """Return the nginx configuration: the template with every @name@ filled in."""
    values = {
        "worker_processes": worker_processes,
        "runtime": str(runtime),
        "mime_types": MIME_TYPES,
        "access_log": "off" if access_log == "off" else f"{access_log} upstreams",
        "signin_upstream": signin_upstream,
        "api_upstream": api_upstream,
        "listen_host": listen_host,
        "http_port": str(http_port),
        "https_port": str(https_port),
        "https_port_suffix": "" if https_port == 443 else f":{https_port}",
        "tls_cert": str(tls_cert),
        "tls_key": str(tls_key),
        "signin_locations": signin_locations(),
    }
    text = TEMPLATE.read_text()
    for name, value in values.items():
        text = text.replace(f"@{name}@", value)
    if left := re.findall(r"@[a-z_]+@", text):
        raise ValueError(f"the nginx template's {left} have no value")
    return text


def https_get(
    port: int,
    path: str,
    *,
    headers: Mapping[str, str] | None = None,
    timeout: float = 5.0,
    source: str | None = None,
) -> tuple[int, dict[str, str], bytes]:
    """One GET over TLS (certificate not checked): status, headers, body."""
    context = ssl._create_unverified_context()
    connection = http.client.HTTPSConnection(
        "127.0.0.1",
        port,
        timeout=timeout,
        context=context,
        source_address=(source, 0) if source else None,
    )
    try:
        connection.request("GET", path, headers=dict(headers or {}))
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        connection.close()


class Nginx(ServerProcess):
    """nginx in the foreground with a rendered configuration, ready once TLS answers."""

    name = "nginx"
    start_seconds = 20

    def __init__(
        self,
        *,
        runtime: Path,
        tls_cert: Path,
        tls_key: Path,
        signin_upstream: str,
        api_upstream: str,
        https_port: int | None = None,
        http_port: int | None = None,
        access_log: str = "off",
        worker_processes: str = "auto",
    ) -> None:
        runtime.mkdir(parents=True, exist_ok=True)
        super().__init__(env=dict(os.environ), port=https_port, log_path=None)
        self.runtime = runtime
        self.fixed_http_port = http_port
        self.http_port = http_port or free_port()
        self.log_path = runtime / "error.log"
        self.settings = {
            "tls_cert": tls_cert,
            "tls_key": tls_key,
            "signin_upstream": signin_upstream,
            "api_upstream": api_upstream,
            "access_log": access_log,
            "worker_processes": worker_processes,
        }

    @property
    def https_port(self) -> int:
        return self.port

    def url(self, path: str = "") -> str:
        return f"https://127.0.0.1:{self.port}{path}"

    def command(self) -> list[str]:
        if not self.fixed_http_port and self.http_port == self.port:
            self.http_port = free_port()
        conf = self.runtime / "nginx.conf"
        conf.write_text(
            render(
                runtime=self.runtime,
                https_port=self.port,
                http_port=self.http_port,
                **self.settings,
            )
        )
        return [
            NGINX,
            "-p",
            str(self.runtime),
            "-e",
            str(self.runtime / "error.log"),
            "-c",
            str(conf),
            "-g",
            "daemon off;",
        ]

    def _wait_until_healthy(self, *, deadline: float) -> None:
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"nginx exited with {self.process.returncode}:\n"
                    f"{log_tail(self.log_path)}"
                )
            try:
                https_get(self.port, "/nginx-ready", timeout=2)
                return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"nginx did not answer:\n{log_tail(self.log_path)}")


class ProxyStack:
    """The sign-in pool, the API pool and nginx in front, stopped in reverse order.

    `env` is the app's environment (production settings, database, Redis); the pools'
    sizes come from SIGNIN_CONCURRENCY and WEB_CONCURRENCY in it, or the arguments.
    `signin_pool=0` starts no sign-in pool: the API pool answers every route, for the
    storm bench's comparison.
    """

    def __init__(
        self,
        *,
        env: Mapping[str, str],
        runtime: Path,
        https_port: int | None = None,
        http_port: int | None = None,
        signin_pool: int | None = None,
        api_pool: int | None = None,
        signin_env: Mapping[str, str] | None = None,
        api_env: Mapping[str, str] | None = None,
        nginx_access_log: str = "off",
        nginx_workers: str = "auto",
        quiet: bool = True,
    ) -> None:
        self.env = {**env, **PROXIED_PRODUCTION}
        if not self.env.get("EMAIL_HOST"):
            self.env.setdefault("DJANGO_EMAIL_BACKEND", DEFAULT_EMAIL_BACKEND)
        self.runtime = runtime
        self.runtime.mkdir(parents=True, exist_ok=True)
        logs = {"signin": None, "api": None}
        if quiet:
            logs = {pool: runtime / f"{pool}-gunicorn.log" for pool in logs}
        self.signin = None
        if signin_pool != 0:
            self.signin = Gunicorn(
                env={**self.env, **(signin_env or {})},
                workers=signin_pool or signin_workers(self.env),
                nice=SIGNIN_NICE,
                log_path=logs["signin"],
            )
        self.api = Gunicorn(
            env={**self.env, **(api_env or {})},
            workers=api_pool or api_workers(self.env),
            log_path=logs["api"],
        )
        for pool in filter(None, (self.signin, self.api)):
            pool.health_headers = {"X-Forwarded-Proto": "https"}  # no SSL redirect
        self.https_port = https_port
        self.http_port = http_port
        self.nginx_access_log = nginx_access_log
        self.nginx_workers = nginx_workers
        self.nginx: Nginx | None = None

    def __enter__(self) -> "ProxyStack":
        cert, key = tls_files(self.env, self.runtime / "tls")
        try:
            if self.signin is not None:
                self.signin.__enter__()
            self.api.__enter__()
            signin = self.signin or self.api
            self.nginx = Nginx(
                runtime=self.runtime / "nginx",
                tls_cert=cert,
                tls_key=key,
                signin_upstream=f"127.0.0.1:{signin.port}",
                api_upstream=f"127.0.0.1:{self.api.port}",
                https_port=self.https_port,
                http_port=self.http_port,
                access_log=self.nginx_access_log,
                worker_processes=self.nginx_workers,
            ).__enter__()
        except BaseException:
            self.stop()
            raise
        return self

    @property
    def port(self) -> int:
        return self.nginx.port

    def url(self, path: str = "") -> str:
        return self.nginx.url(path)

    def stop(self) -> None:
        for server in (self.nginx, self.api, self.signin):
            if server is not None:
                server.stop()

    def __exit__(self, *exc_info) -> None:
        self.stop()


def main() -> None:
    """`--render`: print the configuration for the env's ports, certificate, upstreams.

    PORT, HTTP_PORT, NGINX_TLS_CERT / NGINX_TLS_KEY, SIGNIN_UPSTREAM, API_UPSTREAM,
    NGINX_LISTEN (the address to listen on) and NGINX_RUNTIME (pid, logs, temp files).
    """
    if sys.argv[1:] != ["--render"]:
        sys.exit("usage: python serving/proxy.py --render")
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()
    env = os.environ
    runtime = Path(env.get("NGINX_RUNTIME") or ROOT / ".serve" / "nginx")
    cert, key = tls_files(env, ROOT / ".serve" / "tls")
    sys.stdout.write(
        render(
            runtime=runtime,
            https_port=int(env.get("PORT") or 8443),
            http_port=int(env.get("HTTP_PORT") or 8080),
            signin_upstream=env.get("SIGNIN_UPSTREAM", "127.0.0.1:8001"),
            api_upstream=env.get("API_UPSTREAM", "127.0.0.1:8002"),
            tls_cert=cert,
            tls_key=key,
            listen_host=env.get("NGINX_LISTEN", "127.0.0.1"),
        )
    )


if __name__ == "__main__":
    main()
