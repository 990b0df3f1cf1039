"""gunicorn settings for `make serve` and production; each can be set from the env.

Sync workers answer one request at a time each, so put a proxy in front (nginx, a
cloud load balancer): it ends TLS, buffers slow clients and keeps client connections
alive. Every worker reads session state from the database, so any number of workers and
hosts agree at once; nothing needs sticky sessions.
"""

import os

from gunicorn.glogging import Logger

wsgi_app = "config.wsgi:application"
bind = [os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")]
workers = int(os.environ.get("WEB_CONCURRENCY") or 2 * (os.cpu_count() or 1) + 1)
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 30

# "-" is stdout; an empty GUNICORN_ACCESS_LOG turns the access log off (benchmarks).
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-") or None
# The worker's pid and the X-Request-ID tie a line to a worker and to the app's log.
access_log_format = (
    '%(h)s %(t)s "%(r)s" %(s)s %(b)s %(M)sms pid=%(p)s rid=%({x-request-id}o)s "%(a)s"'
)
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")

# preload_app stays off: each worker imports the app itself, so `kill -HUP` (new
# workers, new code) reloads code without a restart, and no connection opened while
# importing is shared by forked workers. Preloading saves memory per worker and starts
# faster, but then only a USR2 + WINCH upgrade (or a restart) loads new code.
preload_app = False


class ReloadsAreNotErrors(Logger):
    """gunicorn's logger, but workers stopped on purpose are not errors.

    A reload (HUP), a worker count change (TTIN/TTOU) or an upgrade (USR2 + WINCH)
    ends old workers with SIGTERM or SIGQUIT, and gunicorn logs each at ERROR
    ("Worker (pid:N) was sent SIGTERM!"): our log checks (the soak, `make chaos`) would
    see errors where nothing failed. Those two become INFO; SIGKILL ("Perhaps out of
    memory?") and a worker timeout stay errors.
    """

    PLANNED = ("was sent SIGTERM!", "was sent SIGQUIT!")

    def error(self, msg: object, *args: object, **kwargs: object) -> None:
        if isinstance(msg, str) and msg.endswith(self.PLANNED):
            self.info(msg, *args, **kwargs)
            return
        super().error(msg, *args, **kwargs)


logger_class = ReloadsAreNotErrors


DRAIN_LIMIT = 1024 * 1024  # nginx's client_max_body_size (deploy/nginx/)


def post_request(worker, req, environ: dict, resp) -> None:
    """Read the rest of a body refused with 413 (up to 1 MiB) before the socket closes.

    The app answers 413 without reading the body; closing a socket with unread bytes
    sends a TCP reset, and nginx then loses the answer it was reading (a 502 or a cut
    body instead of the JSON 413).
    """
    body = environ.get("wsgi.input")
    if body is None or resp is None or not str(resp.status).startswith("413"):
        return
    left = DRAIN_LIMIT
    while left > 0 and (chunk := body.read(min(64 * 1024, left))):
        left -= len(chunk)
