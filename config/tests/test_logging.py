"""Development output: the missing-secret-key warning and log lines, each shown once."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SECRET_KEY_WARNING = "DJANGO_SECRET_KEY is not set"

# Log what Django logs for a 404 and a 403, with the project's logging, DEBUG on.
LOG_REQUEST_WARNINGS = """
import logging
import django
django.setup()
logging.getLogger("django.request").warning("Not Found: %s", "/nowhere/")
logging.getLogger("django.request").warning("Forbidden: %s", "/admin/x/")
"""


def development_env(**extra: str) -> dict[str, str]:
    """This environment without any DJANGO_ variable: development defaults."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    return {**clean, "DJANGO_SETTINGS_MODULE": "config.settings", **extra}


def run_python(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-W", "default", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.slow
def test_missing_secret_key_warning_is_printed_once():
    result = run_python("manage.py", "check", env=development_env())

    assert result.returncode == 0, result.stderr
    assert result.stderr.count(SECRET_KEY_WARNING) == 1


@pytest.mark.slow
def test_missing_secret_key_warning_is_printed_once_across_imports_and_children():
    code = (
        "import importlib, subprocess, sys\n"
        "import config.settings\n"
        "importlib.reload(config.settings)\n"  # a second import in the same process
        "subprocess.run([sys.executable, '-W', 'default', '-c', "
        "'import config.settings'], check=True)\n"  # a child, as runserver's reloader
    )

    result = run_python("-c", code, env=development_env())

    assert result.returncode == 0, result.stderr
    assert result.stderr.count(SECRET_KEY_WARNING) == 1


@pytest.mark.slow
@pytest.mark.parametrize("debug", ["1", "0"])
def test_django_request_warnings_are_logged_once(debug):
    env = development_env(
        DJANGO_DEBUG=debug,
        DJANGO_SECRET_KEY="x" * 50,
        DJANGO_EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
    )

    result = run_python("-c", LOG_REQUEST_WARNINGS, env=env)

    assert result.returncode == 0, result.stderr
    assert result.stderr.count("Not Found: /nowhere/") == 1
    assert result.stderr.count("Forbidden: /admin/x/") == 1
