"""The secrets of two-factor sign-in: TOTP secrets encrypted at rest, recovery codes
and sign-in tokens stored as digests.

`MFA_ENCRYPTION_KEY` lists Fernet keys, newest first: secrets are encrypted with the
first and decrypted with any, so keys rotate without locking anyone out. Without it
(development only: `check --deploy` refuses it) the key derives from `SECRET_KEY`.
"""

import base64
import hashlib
import secrets

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.utils.crypto import salted_hmac

RECOVERY_CODE_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i
RECOVERY_CODE_LENGTH = 10  # about 49 bits, shown as xxxxx-xxxxx
LOGIN_TOKEN_BYTES = 32


class SecretUnreadable(Exception):
    """No configured key decrypts a stored secret (a key was dropped too soon)."""


def _derived_key(secret_key: str) -> bytes:
    raw = salted_hmac(
        "mfa.crypto.fernet", "totp-secrets", secret=secret_key, algorithm="sha256"
    ).digest()
    return base64.urlsafe_b64encode(raw)


def configured_keys() -> list[str]:
    """Return the keys of `MFA_ENCRYPTION_KEY`, newest first (none: development)."""
    keys = getattr(settings, "MFA_ENCRYPTION_KEY", None) or []
    if isinstance(keys, str):
        keys = keys.split(",")
    return [key.strip() for key in keys if key.strip()]


def _fernet() -> MultiFernet:
    keys = [key.encode() for key in configured_keys()]
    if not keys:
        secret_keys = [settings.SECRET_KEY, *settings.SECRET_KEY_FALLBACKS]
        keys = [_derived_key(secret_key) for secret_key in secret_keys]
    return MultiFernet([Fernet(key) for key in keys])


def secret_encrypt(secret: str) -> str:
    """Return the secret encrypted with the newest key."""
    return _fernet().encrypt(secret.encode()).decode()


def secret_decrypt(stored: str) -> str:
    """Return the secret, decrypted with whichever configured key encrypted it."""
    try:
        return _fernet().decrypt(stored.encode()).decode()
    except InvalidToken:
        raise SecretUnreadable() from None


def recovery_code_new() -> str:
    """Return a fresh recovery code, shown once: xxxxx-xxxxx."""
    raw = "".join(
        secrets.choice(RECOVERY_CODE_ALPHABET) for _ in range(RECOVERY_CODE_LENGTH)
    )
    return f"{raw[:5]}-{raw[5:]}"


def recovery_code_normalize(code: str) -> str:
    """Return the code as typed without case, spaces or dashes."""
    return "".join(code.split()).replace("-", "").lower()


def recovery_code_digests(code: str) -> list[str]:
    """Return the code's keyed hash under `SECRET_KEY`, then under each fallback.

    The first is what we store; the others still match codes stored before a
    `SECRET_KEY` rotation.
    """
    value = recovery_code_normalize(code)
    return [
        salted_hmac(
            "mfa.recovery_code", value, secret=secret_key, algorithm="sha256"
        ).hexdigest()
        for secret_key in [settings.SECRET_KEY, *settings.SECRET_KEY_FALLBACKS]
    ]


def login_token_new() -> str:
    """Return a fresh token for a sign-in waiting for its second factor."""
    return secrets.token_urlsafe(LOGIN_TOKEN_BYTES)


def login_token_digest(token: str) -> str:
    """Return the SHA-256 digest stored instead of a sign-in token."""
    return hashlib.sha256(token.encode()).hexdigest()
