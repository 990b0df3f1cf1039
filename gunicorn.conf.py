"""gunicorn settings for `make serve` and production; each can be set from the env.

Sync workers answer one request at a time each, so put a proxy in front (nginx, a
cloud load balancer): it ends TLS, buffers slow clients and keeps client connections
alive. Every worker reads session state from the database, so any number of workers and
hosts agree at once; nothing needs sticky sessions.
"""

import os

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
