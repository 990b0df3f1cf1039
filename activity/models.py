"""Activity periods: when each member was signed in."""

from django.conf import settings
from django.db import models


class ActivityPeriod(models.Model):
    """One stretch of activity: a session's life, or a seeded period with no session."""

    # The (user, start_time) index serves every lookup by user, so no separate FK index.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="activity_periods",
        db_index=False,
    )
    session = models.OneToOneField(
        "sessions_app.UserSession",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,  # purging old sessions keeps the history
        related_name="activity_period",
    )
    start_time = models.DateTimeField()
    end_time = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(
                fields=["user", "start_time"], name="activityperiod_user_start"
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end_time__isnull=True)
                | models.Q(end_time__gte=models.F("start_time")),
                name="activityperiod_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        end = self.end_time.isoformat() if self.end_time else "open"
        return f"{self.user_id} {self.start_time.isoformat()} - {end}"

    @property
    def is_open(self) -> bool:
        return self.end_time is None
