"""The secrets of a session: what a client holds, and the digest we store instead.

A leaf module: it imports nothing from the project, so the session store, services,
selectors, the token lookup and the tests can all use it without an import cycle.
"""

import hashlib
import secrets
from typing import NamedTuple
from uuid import UUID

from django.core import signing

TOKEN_BYTES = 32  # 256 bits of randomness, 43 URL-safe characters


def digest(secret: str) -> str:
    """Return the SHA-256 hex digest we store instead of a token or cookie key."""
    return hashlib.sha256(secret.encode()).hexdigest()


def token_new() -> str:
    """Return a fresh bearer token, shown once to its client and never stored."""
    return secrets.token_urlsafe(TOKEN_BYTES)


# A refresh token names its session and generation, signed with SECRET_KEY (and its
# fallbacks): any token we issued, however many rotations old, is recognised as ours
# and as old, so its replay is detected; a made-up one is merely unknown.
REFRESH_SALT = "sessions_app.refresh_token"


class RefreshClaim(NamedTuple):
    session_id: UUID
    generation: int


def refresh_token_new(*, session_id: UUID, generation: int) -> str:
    """Return a fresh refresh token of this session and generation; store its digest."""
    value = f"{session_id.hex}.{generation}.{secrets.token_urlsafe(TOKEN_BYTES)}"
    return signing.Signer(salt=REFRESH_SALT).sign(value)


def refresh_token_read(token: str) -> RefreshClaim | None:
    """Return the session and generation a refresh token names; None if not ours."""
    try:
        value = signing.Signer(salt=REFRESH_SALT).unsign(token)
        session_hex, generation, _ = value.split(".", 2)
        return RefreshClaim(UUID(hex=session_hex), int(generation))
    except (signing.BadSignature, ValueError):
        return None
