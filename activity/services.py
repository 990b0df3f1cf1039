"""Every change to activity periods: open a session's period and close it."""

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from activity.models import ActivityPeriod
from sessions_app.models import EndReason, UserSession
from sessions_app.selectors import session_expires_at


def activity_period_open(
    *, session: UserSession, at: datetime | None = None
) -> ActivityPeriod:
    """Open the period of a session that has just started."""
    return ActivityPeriod.objects.create(
        user_id=session.user_id, session=session, start_time=at or timezone.now()
    )


@transaction.atomic
def activity_period_close(
    *, session: UserSession, reason: str, at: datetime | None = None
) -> None:
    """Close the session's period, creating a closed one if the session had none."""
    end_time = at or timezone.now()
    if reason == EndReason.EXPIRED:
        end_time = min(end_time, session_expires_at(session))  # noticed later, maybe
    end_time = max(end_time, session.created_at)
    closed = ActivityPeriod.objects.filter(
        session_id=session.pk, end_time__isnull=True
    ).update(end_time=end_time)
    if not closed and not ActivityPeriod.objects.filter(session_id=session.pk).exists():
        # A session that started before activity was recorded still gets its history.
        ActivityPeriod.objects.create(
            user_id=session.user_id,
            session=session,
            start_time=session.created_at,
            end_time=end_time,
        )
