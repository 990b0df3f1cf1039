"""Our database session engine (Django's "extending database-backed session engines").

It only persists. Each row points at its `UserSession`; loading a cookie session joins
that row and its user in the same query, so `LiveSessionMiddleware` can decide whether
the session may act without another read. Rows are keyed by the SHA-256 of the cookie
key: the table, a dump of it or a SQL log holds no key a browser could replay.
"""

import logging

from asgiref.sync import sync_to_async
from django.contrib.sessions.backends.db import SessionStore as DBStore
from django.core.exceptions import SuspiciousOperation
from django.utils import timezone

from sessions_app.crypto import digest
from sessions_app.models import BrowserSession, UserSession

# The session-data key that ties a cookie session to its UserSession.
USER_SESSION_KEY = "_user_session_id"


class SessionStore(DBStore):
    def __init__(self, session_key: str | None = None) -> None:
        super().__init__(session_key)
        self.user_session: UserSession | None = None  # the row's, once loaded

    @classmethod
    def get_model_class(cls) -> type[BrowserSession]:
        return BrowserSession

    def _get_session_from_db(self) -> BrowserSession | None:
        try:
            row = self.model.objects.select_related("user_session__user").get(
                session_key=digest(self.session_key), expire_date__gt=timezone.now()
            )
        except (self.model.DoesNotExist, SuspiciousOperation) as error:
            if isinstance(error, SuspiciousOperation):
                logger = logging.getLogger(f"django.security.{type(error).__name__}")
                logger.warning(str(error))
            self._session_key = None
            return None
        self.user_session = row.user_session
        return row

    def forget(self) -> None:
        """Drop the loaded data without writing: the browser is anonymous from now on.

        Its row is already gone; SessionMiddleware then deletes the cookie.
        """
        self._session_cache = {}
        self._session_key = None
        self.user_session = None

    def cycle_key(self) -> None:
        """Move the data to a new key; the linked UserSession records the new digest.

        Django rotates keys on login and in `update_session_auth_hash()`, from any view
        (the admin's password change too): the link must follow, or an ended cookie
        could no longer be told why.
        """
        super().cycle_key()
        session_id = self.get(USER_SESSION_KEY)
        if session_id:
            UserSession.objects.filter(pk=session_id).update(
                session_key_digest=digest(self.session_key)
            )

    def exists(self, session_key: str) -> bool:
        return self.model.objects.filter(session_key=digest(session_key)).exists()

    def create_model_instance(self, data: dict) -> BrowserSession:
        row = super().create_model_instance(data)
        row.session_key = digest(row.session_key)
        row.user_session_id = data.get(USER_SESSION_KEY)
        return row

    def delete(self, session_key: str | None = None) -> None:
        session_key = session_key or self.session_key
        if session_key is not None:
            self.model.objects.filter(session_key=digest(session_key)).delete()

    # The async API (alogin, async views) goes through the same digested paths.
    async def aload(self) -> dict:
        return await sync_to_async(self.load)()

    async def aexists(self, session_key: str) -> bool:
        return await sync_to_async(self.exists)(session_key)

    async def acreate_model_instance(self, data: dict) -> BrowserSession:
        return self.create_model_instance(data)

    async def adelete(self, session_key: str | None = None) -> None:
        await sync_to_async(self.delete)(session_key)
