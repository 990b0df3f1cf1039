from django.apps import AppConfig


class ActivityConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "activity"
    verbose_name = "Activity"

    def ready(self) -> None:
        from activity import receivers
        from sessions_app.signals import (
            session_ended,
            session_started,
            sessions_ended,
        )

        session_started.connect(
            receivers.on_session_started, dispatch_uid="activity.on_session_started"
        )
        session_ended.connect(
            receivers.on_session_ended, dispatch_uid="activity.on_session_ended"
        )
        sessions_ended.connect(
            receivers.on_sessions_ended, dispatch_uid="activity.on_sessions_ended"
        )
