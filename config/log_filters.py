"""Logging filters: keep the one-time tokens of mailed links out of every log line.

A reset or verification link carries its token in the path, and request lines
(runserver's `django.server`, `django.request` warnings, gunicorn's access log) print
paths. The filter replaces those path segments before any handler writes them.
"""

import logging
import re

SECRET_PATHS = re.compile(
    r"(/account/(?:password/reset/[^/\s\"?]+|email/verify))/(?!set-password/)[^/\s\"?]+"
)
REDACTED = r"\1/[redacted]"


def redact_secret_paths(text: str) -> str:
    """Return the text with the tokens of mailed links replaced."""
    return SECRET_PATHS.sub(REDACTED, text)


class RedactSecretPaths(logging.Filter):
    """Rewrite a record whose message holds a mailed link's token (never drop it)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = redact_secret_paths(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        return True
