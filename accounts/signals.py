"""Signals `accounts` announces; other apps react to them, `accounts` imports none."""

from django.dispatch import Signal

# Sent after a password change: user, keep_session_id (opaque id of the session that
# made the change and stays signed in, or None), actor (the staff member who set it
# in the admin, or None).
password_changed = Signal()

# Sent when a reset link is about to be mailed to the user's verified address: user.
password_reset_requested = Signal()

# Sent when a user asks to use a new address (it waits, unverified): user, new_email.
email_change_requested = Signal()

# Sent when the address changed (verified, or removed): user, old_email, new_email.
email_changed = Signal()
