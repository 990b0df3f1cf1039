import json
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from config.app_settings import DEFAULTS, LimitScope, OnLimit, policy, policy_from_env

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION_ENV = {
    "DJANGO_DEBUG": "0",
    "DJANGO_SECRET_KEY": "x" * 64 + "-test-only-production-key",
    "DJANGO_ALLOWED_HOSTS": "api.example.com",
    "EMAIL_HOST": "smtp.example.com",
    "SITE_URL": "https://api.example.com",
    "MFA_ENCRYPTION_KEY": "jZt0Zc9oYd8Cq3sR1X2mX6u3bq0yQbq1mVnK0J8m3ZQ=",
}
CONSOLE_MAIL = "django.core.mail.backends.console.EmailBackend"


def run_manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_policy_defaults_without_environment():
    assert policy_from_env({}) == DEFAULTS


def test_policy_reads_each_key_from_environment():
    result = policy_from_env(
        {
            "SESSION_POLICY_MAX_SESSIONS_PER_USER": "3",
            "SESSION_POLICY_ON_LIMIT": "refuse_new",
            "SESSION_POLICY_LIMIT_SCOPE": "transport",
            "SESSION_POLICY_TOKEN_TTL": "60",
            "SESSION_POLICY_COOKIE_TTL": "120",
            "SESSION_POLICY_IDLE_TIMEOUT": "900",
            "SESSION_POLICY_ACTIVITY_UPDATE_INTERVAL": "5",
            "SESSION_POLICY_NOTIFY_NEW_LOGIN": "0",
            "SESSION_POLICY_REFRESH_TTL": "86400",
            "SESSION_POLICY_REFRESH_REUSE_GRACE": "2",
            "SESSION_POLICY_SESSION_MAX_LIFETIME": "172800",
            "SESSION_POLICY_REAUTH_WINDOW": "300",
            "SESSION_POLICY_MFA_REQUIRED_FOR_STAFF": "1",
        }
    )

    assert result == {
        "MAX_SESSIONS_PER_USER": 3,
        "ON_LIMIT": "refuse_new",
        "LIMIT_SCOPE": "transport",
        "TOKEN_TTL": timedelta(seconds=60),
        "COOKIE_TTL": timedelta(seconds=120),
        "IDLE_TIMEOUT": timedelta(seconds=900),
        "ACTIVITY_UPDATE_INTERVAL": timedelta(seconds=5),
        "NOTIFY_NEW_LOGIN": False,
        "REFRESH_TTL": timedelta(days=1),
        "REFRESH_REUSE_GRACE": timedelta(seconds=2),
        "SESSION_MAX_LIFETIME": timedelta(days=2),
        "REAUTH_WINDOW": timedelta(seconds=300),
        "MFA_REQUIRED_FOR_STAFF": True,
    }
    assert set(result) == set(DEFAULTS), "every policy key can be set from the env"


@pytest.mark.parametrize(
    ("key", "raw"),
    [
        ("MAX_SESSIONS_PER_USER", "0"),
        ("MAX_SESSIONS_PER_USER", "many"),
        ("ON_LIMIT", "kick_everyone"),
        ("LIMIT_SCOPE", "device"),
        ("IDLE_TIMEOUT", "-5"),
    ],
)
def test_policy_refuses_a_bad_value_naming_the_variable(key, raw):
    with pytest.raises(ImproperlyConfigured, match=f"SESSION_POLICY_{key}"):
        policy_from_env({f"SESSION_POLICY_{key}": raw})


def test_policy_accessor_sees_settings_changed_by_tests(settings):
    settings.SESSION_POLICY = {**DEFAULTS, "MAX_SESSIONS_PER_USER": 4}

    assert policy.MAX_SESSIONS_PER_USER == 4
    with pytest.raises(AttributeError):
        policy.NO_SUCH_SETTING  # noqa: B018


@pytest.mark.slow
def test_production_refuses_to_start_without_secret_key():
    env = {**PRODUCTION_ENV}
    del env["DJANGO_SECRET_KEY"]

    result = run_manage("check", env=env)

    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY is required" in result.stderr


@pytest.mark.slow
def test_deploy_check_is_clean_with_production_settings():
    result = run_manage(
        "check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION_ENV
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def production_settings(**env: str) -> dict:
    code = (
        "import json; from django.conf import settings as s; print(json.dumps({"
        "'ssl': s.SECURE_SSL_REDIRECT, 'hsts': getattr(s, 'SECURE_HSTS_SECONDS', 0), "
        "'session_secure': s.SESSION_COOKIE_SECURE, 'csrf_secure': "
        "s.CSRF_COOKIE_SECURE, "
        "'proxy': getattr(s, 'SECURE_PROXY_SSL_HEADER', None), "
        "'hasher': s.PASSWORD_HASHERS[0], 'debug': s.DEBUG, "
        "'cookie': s.SESSION_COOKIE_NAME, 'mail': s.EMAIL_BACKEND, "
        "'site_url': s.SITE_URL}))"
    )
    result = run_manage("shell", "-c", code, env={**PRODUCTION_ENV, **env})
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.mark.slow
def test_production_turns_on_https_hsts_secure_cookies_and_argon2():
    values = production_settings()

    assert values["debug"] is False
    assert values["ssl"] is True and values["hsts"] >= 31_536_000
    assert values["session_secure"] is True and values["csrf_secure"] is True
    assert values["hasher"] == "django.contrib.auth.hashers.Argon2PasswordHasher"
    assert values["cookie"] == "__Host-sessionid"


@pytest.mark.slow
def test_production_refuses_to_start_with_console_mail():
    result = run_manage("check", env={**PRODUCTION_ENV, "EMAIL_HOST": ""})

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "DJANGO_EMAIL_BACKEND" in result.stderr


@pytest.mark.slow
def test_production_sends_mail_by_smtp_when_email_host_is_set():
    values = production_settings()

    assert values["mail"] == "django.core.mail.backends.smtp.EmailBackend"
    assert values["site_url"] == "https://api.example.com"


@pytest.mark.slow
def test_production_takes_a_named_trial_mail_backend_and_deploy_check_warns():
    trial = {"EMAIL_HOST": "", "DJANGO_EMAIL_BACKEND": CONSOLE_MAIL}
    assert production_settings(**trial)["mail"] == CONSOLE_MAIL

    result = run_manage(
        "check", "--deploy", "--fail-level", "WARNING", env={**PRODUCTION_ENV, **trial}
    )

    assert result.returncode != 0
    assert "config.W001" in result.stderr + result.stdout
    assert "DJANGO_EMAIL_BACKEND" in result.stderr + result.stdout


@pytest.mark.slow
def test_deploy_check_warns_when_site_url_is_unset():
    assert production_settings(SITE_URL="")["site_url"] == ""

    result = run_manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        env={**PRODUCTION_ENV, "SITE_URL": ""},
    )

    assert result.returncode != 0
    assert "config.W002" in result.stderr + result.stdout


@pytest.mark.slow
def test_development_prints_mail_and_links_to_the_local_server():
    result = run_manage(
        "shell",
        "-c",
        "from django.conf import settings as s; print(s.EMAIL_BACKEND, s.SITE_URL)",
        env={"EMAIL_HOST": "", "SITE_URL": ""},
    )

    assert result.returncode == 0, result.stderr
    last_line = result.stdout.strip().splitlines()[-1]
    assert last_line.split() == [CONSOLE_MAIL, "http://127.0.0.1:8000"]


@pytest.mark.slow
def test_tls_at_a_proxy_trusts_its_forwarded_proto():
    values = production_settings(DJANGO_SECURE_SSL_REDIRECT="0", DJANGO_NUM_PROXIES="1")

    assert values["ssl"] is False and values["hsts"] == 0
    assert values["session_secure"] is True
    assert values["proxy"] == ["HTTP_X_FORWARDED_PROTO", "https"]


def test_policy_choices_are_enums_from_the_environment_and_from_settings(settings):
    parsed = policy_from_env(
        {
            "SESSION_POLICY_ON_LIMIT": "refuse_new",
            "SESSION_POLICY_LIMIT_SCOPE": "transport",
        }
    )
    assert parsed["ON_LIMIT"] is OnLimit.REFUSE_NEW
    assert parsed["LIMIT_SCOPE"] is LimitScope.TRANSPORT

    settings.SESSION_POLICY = {**DEFAULTS, "ON_LIMIT": "refuse_new"}  # a plain string
    assert policy.ON_LIMIT is OnLimit.REFUSE_NEW
    assert policy.LIMIT_SCOPE is LimitScope.USER
    assert isinstance(policy.TOKEN_TTL, timedelta)
