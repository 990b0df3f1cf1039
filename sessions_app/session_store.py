"""Our database session engine (Django's "extending database-backed engines")."""
from django.contrib.sessions.backends.db import SessionStore as DBStore

from sessions_app.models import BrowserSession


class SessionStore(DBStore):
    @classmethod
    def get_model_class(cls) -> type[BrowserSession]:
        return BrowserSession
