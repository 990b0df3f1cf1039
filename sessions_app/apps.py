from django.apps import AppConfig


class SessionsAppConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "sessions_app"
    label = "sessions_app"
    verbose_name = "Sessions"

    def ready(self) -> None:
        from django.contrib.auth import get_user_model
        from django.contrib.auth.signals import (
            user_logged_in,
            user_logged_out,
            user_login_failed,
        )
        from django.db.models.signals import post_save

        from accounts.signals import (
            email_change_requested,
            email_changed,
            password_changed,
            password_reset_requested,
        )
        from config.throttling import request_throttled
        from sessions_app import receivers
        from sessions_app.signals import (
            session_ended,
            session_started,
            sessions_ended,
        )

        connections = [
            (user_logged_in, receivers.on_user_logged_in, None),
            (user_logged_out, receivers.on_user_logged_out, None),
            (user_login_failed, receivers.on_user_login_failed, None),
            (password_changed, receivers.on_password_changed, None),
            (password_reset_requested, receivers.on_password_reset_requested, None),
            (email_change_requested, receivers.on_email_change_requested, None),
            (email_changed, receivers.on_email_changed, None),
            (session_started, receivers.on_session_started, None),
            (session_ended, receivers.on_session_ended, None),
            (sessions_ended, receivers.on_sessions_ended, None),
            (request_throttled, receivers.on_request_throttled, None),
            (post_save, receivers.on_user_saved, get_user_model()),
        ]
        for signal, receiver, sender in connections:
            signal.connect(
                receiver,
                sender=sender,
                dispatch_uid=f"sessions_app.{receiver.__name__}",
            )
        # Every login starts a session, and `session_start` writes `last_login` with the
        # row lock it takes anyway: Django's receiver would write it a second time.
        user_logged_in.disconnect(dispatch_uid="update_last_login")
