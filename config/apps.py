from django.apps import AppConfig


class ConfigConfig(AppConfig):
    """Project plumbing as an app, so that it can register its own system checks."""

    name = "config"
    label = "config"
    verbose_name = "Configuration"

    def ready(self) -> None:
        from django.core import checks

        from config import checks as deploy_checks

        for check in (deploy_checks.check_email_backend, deploy_checks.check_site_url):
            checks.register(check, checks.Tags.security, deploy=True)
