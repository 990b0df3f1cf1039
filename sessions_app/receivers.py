"""How `sessions_app` reacts to Django's and `accounts`' signals."""
from django.http import HttpRequest
from django.urls import reverse

from sessions_app import selectors, services
from sessions_app.devices import client_ip
from sessions_app.exceptions import SessionLimitReached
from sessions_app.models import EndReason, LoginMethod, Transport, UserSession
from sessions_app.session_store import USER_SESSION_KEY


def login_method_of(request: HttpRequest) -> str:
    """Tell an admin login from a browsable-API login by the path it came through."""
    if request.path.startswith(reverse("admin:index")):
        return LoginMethod.ADMIN
    return LoginMethod.PASSWORD_BROWSER


def on_user_logged_in(sender, request: HttpRequest, user, **kwargs) -> None:
    """Record the cookie session Django has just attached to this login."""
    if kwargs.get("user_session") is not None:  # a token login already started it
        return
    store = request.session
    previous_id = store.pop(USER_SESSION_KEY, None)  # a re-login in the same browser
    store.cycle_key()  # login() keeps the key on a same-user re-login: rotate it
    try:
        started = services.session_start(
            user=user,
            transport=Transport.COOKIE,
            session_key=store.session_key,
            user_agent=request.META.get("HTTP_USER_AGENT", ""),
            ip_address=client_ip(request),
            login_method=login_method_of(request),
            replaces_session_id=previous_id,
        )
    except SessionLimitReached:
        store.flush()  # never leave a Django login behind without its UserSession
        raise
    store[USER_SESSION_KEY] = str(started.session.id)  # the store links its row on save
    store.set_expiry(started.session.expires_at)


def on_user_logged_out(sender, request: HttpRequest, user, **kwargs) -> None:
    """End the session that is logging out, whichever transport it used."""
    session: UserSession | None = kwargs.get("user_session")
    if session is None:
        store = getattr(request, "session", None)
        session_id = store.get(USER_SESSION_KEY) if store is not None else None
        session = selectors.session_get(session_id) if session_id else None
    if session is not None:
        services.session_end(session=session, reason=EndReason.LOGOUT)


def on_password_changed(sender, user, keep_session_id=None, **kwargs) -> None:
    """End the user's other sessions after a password change; keep the one that made it."""
    services.session_end_others(
        user_id=user.pk, keep_session_id=keep_session_id, reason=EndReason.PASSWORD_CHANGED
    )


def on_user_saved(sender, instance, created: bool, update_fields=None, **kwargs) -> None:
    """End every session of a user who has just been deactivated."""
    if created or instance.is_active:
        return
    if update_fields is not None and "is_active" not in update_fields:
        return
    services.session_end_others(user_id=instance.pk, reason=EndReason.USER_DEACTIVATED)
