"""System checks of two-factor sign-in: the key that encrypts TOTP secrets."""

import binascii

from cryptography.fernet import Fernet
from django.core import checks

from mfa.crypto import configured_keys


def check_encryption_key(
    app_configs: object = None, **kwargs: object
) -> list[checks.CheckMessage]:
    """Refuse `MFA_ENCRYPTION_KEY` entries that are not Fernet keys (any setting)."""
    errors = []
    for position, key in enumerate(configured_keys(), start=1):
        try:
            Fernet(key.encode())
        except (ValueError, binascii.Error):
            errors.append(
                checks.Error(
                    f"MFA_ENCRYPTION_KEY: key {position} is not a Fernet key "
                    "(32 bytes, URL-safe base64).",
                    hint=(
                        'Make one with: python -c "from cryptography.fernet import '
                        'Fernet; print(Fernet.generate_key().decode())"'
                    ),
                    id="mfa.E002",
                )
            )
    return errors


def check_encryption_key_set(
    app_configs: object = None, **kwargs: object
) -> list[checks.CheckMessage]:
    """Refuse, in `check --deploy`, TOTP secrets encrypted with a key derived from
    `SECRET_KEY` (development only)."""
    if configured_keys():
        return []
    return [
        checks.Error(
            "MFA_ENCRYPTION_KEY is not set: TOTP secrets are encrypted with a key "
            "derived from DJANGO_SECRET_KEY, which is for development only.",
            hint=(
                "Set MFA_ENCRYPTION_KEY to one or more Fernet keys, comma-separated, "
                "newest first (keep the old key behind the new one while rotating)."
            ),
            id="mfa.E001",
        )
    ]
