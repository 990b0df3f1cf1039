"""How `activity` reacts to `sessions_app`'s own session signals."""

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from activity import services
from sessions_app.models import UserSession


def on_session_started(
    sender: type[UserSession], session: UserSession, at: datetime, **kwargs: Any
) -> None:
    """Open an activity period for every session that starts, in its transaction."""
    services.activity_period_open(session=session, at=at)


def on_session_ended(
    sender: type[UserSession],
    session: UserSession,
    reason: str,
    at: datetime,
    **kwargs: Any,
) -> None:
    """Close the session's activity period, whatever ended the session."""
    services.activity_period_close(session=session, reason=reason, at=at)


def on_sessions_ended(
    sender: type[UserSession],
    sessions: Sequence[UserSession],
    reason: str,
    at: datetime,
    **kwargs: Any,
) -> None:
    """Close the periods of many sessions ended at once, in bulk."""
    services.activity_periods_close(sessions=sessions, reason=reason, at=at)
