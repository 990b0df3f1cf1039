"""How `activity` reacts to `sessions_app`'s own session signals."""
from datetime import datetime

from activity import services
from sessions_app.models import UserSession


def on_session_started(sender, session: UserSession, at: datetime, **kwargs) -> None:
    """Open an activity period for every session that starts, in its transaction."""
    services.activity_period_open(session=session, at=at)


def on_session_ended(
    sender, session: UserSession, reason: str, at: datetime, **kwargs
) -> None:
    """Close the session's activity period, whatever ended the session."""
    services.activity_period_close(session=session, reason=reason, at=at)
