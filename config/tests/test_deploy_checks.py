"""Our `check --deploy` warnings: mail that is not sent, links without a site."""

import pytest
from django.core import checks

from config.checks import check_email_backend, check_site_url

UNSENT = [
    "django.core.mail.backends.console.EmailBackend",
    "django.core.mail.backends.filebased.EmailBackend",
    "django.core.mail.backends.locmem.EmailBackend",
    "django.core.mail.backends.dummy.EmailBackend",
]
SMTP = "django.core.mail.backends.smtp.EmailBackend"


def deploy_check_ids(*, deploy: bool) -> set[str]:
    messages = checks.run_checks(
        tags=[checks.Tags.security], include_deployment_checks=deploy
    )
    return {message.id for message in messages}


@pytest.mark.parametrize("backend", UNSENT)
def test_mail_backend_that_does_not_send_is_a_deploy_warning(settings, backend):
    settings.EMAIL_BACKEND = backend

    (warning,) = check_email_backend()

    assert warning.id == "config.W001"
    assert warning.level == checks.WARNING
    assert "DJANGO_EMAIL_BACKEND" in warning.hint


def test_smtp_mail_backend_passes_the_deploy_check(settings):
    settings.EMAIL_BACKEND = SMTP

    assert check_email_backend() == []


def test_mail_backend_that_cannot_be_imported_is_a_deploy_warning(settings):
    settings.EMAIL_BACKEND = "nowhere.EmailBackend"

    assert [warning.id for warning in check_email_backend()] == ["config.W003"]


@pytest.mark.parametrize("site_url", ["", "api.example.com", "ftp://api.example.com"])
def test_missing_or_relative_site_url_is_a_deploy_warning(settings, site_url):
    settings.SITE_URL = site_url

    assert [warning.id for warning in check_site_url()] == ["config.W002"]


@pytest.mark.parametrize(
    "site_url", ["https://api.example.com", "http://127.0.0.1:8000"]
)
def test_absolute_site_url_passes_the_deploy_check(settings, site_url):
    settings.SITE_URL = site_url

    assert check_site_url() == []


def test_our_warnings_run_with_check_deploy_only(settings):
    settings.EMAIL_BACKEND = UNSENT[0]
    settings.SITE_URL = ""

    assert {"config.W001", "config.W002"} <= deploy_check_ids(deploy=True)
    assert not {"config.W001", "config.W002"} & deploy_check_ids(deploy=False)
