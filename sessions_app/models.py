"""Sessions: the cookie store's rows."""
from django.contrib.sessions.base_session import AbstractBaseSession


class BrowserSession(AbstractBaseSession):
    """A cookie session's data, stored by `sessions_app.session_store`."""

    @classmethod
    def get_session_store_class(cls):
        from sessions_app.session_store import SessionStore

        return SessionStore

    class Meta:
        verbose_name = "browser session"
