"""Every change to activity periods: open a session's period and close it."""

from collections.abc import Sequence
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from activity.models import ActivityPeriod
from config.batches import update_by_key
from sessions_app.models import EndReason, UserSession
from sessions_app.selectors import session_expires_at


def activity_period_open(
    *, session: UserSession, at: datetime | None = None
) -> ActivityPeriod:
    """Open the period of a session that has just started."""
    return ActivityPeriod.objects.create(
        user_id=session.user_id, session=session, start_time=at or timezone.now()
    )


def period_end_time(*, session: UserSession, reason: str, at: datetime) -> datetime:
    """Return when an ended session's period ends: an expiry noticed late, earlier."""
    end_time = at
    if reason == EndReason.EXPIRED:
        end_time = min(end_time, session_expires_at(session))  # noticed later, maybe
    return max(end_time, session.created_at)


@transaction.atomic(savepoint=False)  # inside a login or logout: no SAVEPOINT
def activity_period_close(
    *, session: UserSession, reason: str, at: datetime | None = None
) -> None:
    """Close the session's period, creating a closed one if the session had none."""
    end_time = period_end_time(session=session, reason=reason, at=at or timezone.now())
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


def activity_periods_close(
    *, sessions: Sequence[UserSession], reason: str, at: datetime
) -> None:
    """Close the periods of many ended sessions at once, each as activity_period_close
    would: one read, one UPDATE for the open ones, one INSERT for those with none."""
    end_times = {
        session.pk: period_end_time(session=session, reason=reason, at=at)
        for session in sessions
    }
    periods = ActivityPeriod.objects.filter(session_id__in=list(end_times))
    found = dict(periods.values_list("session_id", "end_time"))
    update_by_key(
        ActivityPeriod.objects.filter(end_time__isnull=True),
        key="session",
        field="end_time",
        values={pk: end_times[pk] for pk, end in found.items() if end is None},
    )
    ActivityPeriod.objects.bulk_create(
        [
            # A session that started before activity was recorded gets its history.
            ActivityPeriod(
                user_id=session.user_id,
                session=session,
                start_time=session.created_at,
                end_time=end_times[session.pk],
            )
            for session in sessions
            if session.pk not in found
        ],
        batch_size=1000,
    )
