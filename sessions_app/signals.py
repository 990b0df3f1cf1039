"""Signals `sessions_app` announces when a session starts or ends."""

from django.dispatch import Signal

# session (UserSession), at (datetime); sent inside the transaction that opened it.
session_started = Signal()
# session (UserSession, already ended), reason (EndReason), at (datetime).
session_ended = Signal()
# sessions (list of UserSession, already ended), reason, at: many sessions ended at once
# by maintenance (`end_expired_sessions`), sent once per batch inside its transaction.
# Whoever listens to `session_ended` listens to this one too, and works in bulk.
sessions_ended = Signal()
