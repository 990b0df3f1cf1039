"""No mailed link's token reaches a log line, whoever writes the request line."""

import logging

import pytest

from config.log_filters import RedactSecretPaths, redact_secret_paths

TOKEN = "eyJ1c2VyIjoiMTIzIn0:1vPx:AbCdEf"
RESET = "cu3x9k-5f1e2a3b4c5d6e7f8a9b"


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        (
            f'"GET /account/email/verify/{TOKEN}/ HTTP/1.1" 200',
            '"GET /account/email/verify/[redacted]/ HTTP/1.1" 200',
        ),
        (
            f'"GET /account/password/reset/MTIz/{RESET}/ HTTP/1.1" 302',
            '"GET /account/password/reset/MTIz/[redacted]/ HTTP/1.1" 302',
        ),
        (
            '"POST /account/password/reset/MTIz/set-password/ HTTP/1.1" 200',
            '"POST /account/password/reset/MTIz/set-password/ HTTP/1.1" 200',
        ),
        (
            '"GET /api/v1/auth/users/me/ HTTP/1.1" 200',
            '"GET /api/v1/auth/users/me/ HTTP/1.1" 200',
        ),
    ],
)
def test_tokens_in_mailed_links_are_redacted(line, expected):
    assert redact_secret_paths(line) == expected


def test_the_filter_rewrites_a_runserver_style_record():
    record = logging.LogRecord(
        "django.server",
        logging.INFO,
        __file__,
        1,
        '"%s" %s %s',
        (f"GET /account/email/verify/{TOKEN}/ HTTP/1.1", "200", "512"),
        None,
    )

    assert RedactSecretPaths().filter(record) is True
    assert TOKEN not in record.getMessage()
    assert "/account/email/verify/[redacted]/" in record.getMessage()


def test_the_console_handler_carries_the_filter():
    handlers = [
        h for h in logging.getLogger().handlers if isinstance(h, logging.StreamHandler)
    ]

    assert any(
        isinstance(f, RedactSecretPaths)
        for handler in handlers
        for f in handler.filters
    )
