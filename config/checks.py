"""Our own `check --deploy` warnings: production settings that would leak or break mail.

Registered from `config.apps.ConfigConfig.ready` with `deploy=True`, so `manage.py check
--deploy` (and `--fail-level WARNING` in CI) reports them beside Django's.
"""

from urllib.parse import urlsplit

from django.conf import settings
from django.core import checks
from django.core.mail.backends import console, dummy, filebased, locmem
from django.utils.module_loading import import_string

# Backends that keep mail on this host: the console and file ones write reset and
# verification links where logs go, the others drop them.
UNSENT_MAIL_BACKENDS = (
    console.EmailBackend,
    filebased.EmailBackend,
    locmem.EmailBackend,
    dummy.EmailBackend,
)


def check_email_backend(
    app_configs: object = None, **kwargs: object
) -> list[checks.CheckMessage]:
    """Warn when mail would be logged, written to a file or dropped instead of sent."""
    try:
        backend = import_string(settings.EMAIL_BACKEND)
    except ImportError:
        return [
            checks.Warning(
                f"EMAIL_BACKEND {settings.EMAIL_BACKEND!r} cannot be imported.",
                hint="Check DJANGO_EMAIL_BACKEND.",
                id="config.W003",
            )
        ]
    if isinstance(backend, type) and issubclass(backend, UNSENT_MAIL_BACKENDS):
        return [
            checks.Warning(
                f"EMAIL_BACKEND is {settings.EMAIL_BACKEND}: mail is not sent, and "
                "reset and verification links may end up in a log or a file.",
                hint=(
                    "Set EMAIL_HOST (with EMAIL_PORT, EMAIL_HOST_USER, "
                    "EMAIL_HOST_PASSWORD, EMAIL_USE_TLS) and unset "
                    "DJANGO_EMAIL_BACKEND; keep such a backend for trials only."
                ),
                id="config.W001",
            )
        ]
    return []


def check_site_url(
    app_configs: object = None, **kwargs: object
) -> list[checks.CheckMessage]:
    """Warn when SITE_URL, where every link in a mail starts, is unset or not a URL."""
    parts = urlsplit(settings.SITE_URL or "")
    if parts.scheme in {"http", "https"} and parts.netloc:
        return []
    return [
        checks.Warning(
            "SITE_URL is not set to an absolute http(s) address: links in mails "
            "cannot be built (never from the request's Host header).",
            hint="Set SITE_URL to the public address, e.g. https://api.example.com.",
            id="config.W002",
        )
    ]
