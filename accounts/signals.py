"""Signals `accounts` announces; other apps react to them, `accounts` imports none."""

from django.dispatch import Signal

# Sent after a password change: user, keep_session_id (opaque id of the session that
# made the change and stays signed in, or None).
password_changed = Signal()
