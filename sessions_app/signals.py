"""Signals `sessions_app` announces when a session starts or ends."""

from django.dispatch import Signal

# session (UserSession), at (datetime); sent inside the transaction that opened it.
session_started = Signal()
# session (UserSession, already ended), reason (EndReason), at (datetime).
session_ended = Signal()
