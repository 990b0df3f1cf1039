from django.apps import AppConfig


class MfaConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "mfa"
    label = "mfa"
    verbose_name = "Two-factor sign-in"

    def ready(self) -> None:
        from django.core import checks

        from mfa import checks as mfa_checks

        checks.register(mfa_checks.check_encryption_key, checks.Tags.security)
        checks.register(
            mfa_checks.check_encryption_key_set, checks.Tags.security, deploy=True
        )
