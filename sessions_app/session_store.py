"""Our database session engine (Django's "extending database-backed session engines").

Each row points at its `UserSession`; loading a cookie session joins that row and its
user in the same query, so a cookie request learns whether its session is live for free.
"""
import logging

from django.contrib.sessions.backends.db import SessionStore as DBStore
from django.core.exceptions import SuspiciousOperation
from django.utils import timezone

from sessions_app.models import BrowserSession, UserSession

# The session-data key that ties a cookie session to its UserSession.
USER_SESSION_KEY = "_user_session_id"


class SessionStore(DBStore):
    def __init__(self, session_key: str | None = None) -> None:
        super().__init__(session_key)
        self.user_session: UserSession | None = None  # live, once loaded
        self.ended_user_session: UserSession | None = None  # ended while loading

    @classmethod
    def get_model_class(cls) -> type[BrowserSession]:
        return BrowserSession

    def _get_session_from_db(self) -> BrowserSession | None:
        try:
            row = self.model.objects.select_related("user_session__user").get(
                session_key=self.session_key, expire_date__gt=timezone.now()
            )
        except (self.model.DoesNotExist, SuspiciousOperation) as error:
            if isinstance(error, SuspiciousOperation):
                logging.getLogger(f"django.security.{type(error).__name__}").warning(
                    str(error)
                )
            self._session_key = None
            return None
        if row.user_session is None:
            return row
        from sessions_app.services import session_check_live

        if session_check_live(session=row.user_session):
            self.user_session = row.user_session
            return row
        self.ended_user_session = row.user_session  # just expired: its row is gone
        self._session_key = None
        return None

    def create_model_instance(self, data: dict) -> BrowserSession:
        row = super().create_model_instance(data)
        row.user_session_id = data.get(USER_SESSION_KEY)
        return row
