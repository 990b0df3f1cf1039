"""The secrets of a session: what a client holds, and the digest we store instead.

A leaf module: it imports nothing from the project, so the session store, services,
selectors, the token lookup and the tests can all use it without an import cycle.
"""

import hashlib
import secrets

TOKEN_BYTES = 32  # 256 bits of randomness, 43 URL-safe characters


def digest(secret: str) -> str:
    """Return the SHA-256 hex digest we store instead of a token or cookie key."""
    return hashlib.sha256(secret.encode()).hexdigest()


def token_new() -> str:
    """Return a fresh bearer token, shown once to its client and never stored."""
    return secrets.token_urlsafe(TOKEN_BYTES)
