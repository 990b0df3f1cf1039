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

        from accounts.signals import password_changed
        from config.throttling import request_throttled
        from sessions_app import receivers
        from sessions_app.signals import session_ended, session_started

        user_logged_in.connect(
            receivers.on_user_logged_in, dispatch_uid="sessions_app.on_user_logged_in"
        )
        user_logged_out.connect(
            receivers.on_user_logged_out, dispatch_uid="sessions_app.on_user_logged_out"
        )
        password_changed.connect(
            receivers.on_password_changed, dispatch_uid="sessions_app.on_password_changed"
        )
        user_login_failed.connect(
            receivers.on_user_login_failed, dispatch_uid="sessions_app.on_user_login_failed"
        )
        session_started.connect(
            receivers.on_session_started, dispatch_uid="sessions_app.on_session_started"
        )
        session_ended.connect(
            receivers.on_session_ended, dispatch_uid="sessions_app.on_session_ended"
        )
        request_throttled.connect(
            receivers.on_request_throttled, dispatch_uid="sessions_app.on_request_throttled"
        )
        post_save.connect(
            receivers.on_user_saved,
            sender=get_user_model(),
            dispatch_uid="sessions_app.on_user_saved",
        )
