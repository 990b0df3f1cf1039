"""How `sessions_app` reacts to Django's, `accounts`' and its own signals."""

from collections.abc import Sequence
from datetime import datetime
from functools import partial
from typing import Any
from uuid import UUID

from django.db import transaction
from django.http import HttpRequest
from django.urls import reverse

from accounts.acting import acting_staff
from accounts.emails import mask_email
from accounts.models import User
from accounts.selectors import user_get_by_mobile, user_get_by_username
from config.app_settings import policy
from sessions_app import notifications, selectors, services
from sessions_app.devices import request_origin
from sessions_app.exceptions import SessionLimitReached
from sessions_app.models import (
    EndReason,
    EventKind,
    LoginMethod,
    Transport,
    UserSession,
)
from sessions_app.session_store import USER_SESSION_KEY
from sessions_app.tasks import new_login_notice_mail
from sessions_app.throttling import device_credential_issue


def login_method_of(request: HttpRequest) -> str:
    """Tell an admin login from a browsable-API login by the path it came through."""
    if request.path.startswith(reverse("admin:index")):
        return LoginMethod.ADMIN
    return LoginMethod.PASSWORD_BROWSER


def on_user_logged_in(
    sender: object, request: HttpRequest, user: User, **kwargs: Any
) -> None:
    """Record the cookie session Django has just attached to this login."""
    if kwargs.get("user_session") is not None:  # a token login already started it
        return
    store = request.session
    previous: UserSession | None = getattr(request, "user_session", None)
    replaces_session_id = None
    if previous is not None and previous.user_id == user.pk:
        replaces_session_id = previous.pk  # a re-login in the same browser
    elif previous is not None:  # login() flushed another user's session
        services.session_end(session=previous, reason=EndReason.LOGOUT)
    store.pop(USER_SESSION_KEY, None)  # the new key's row must not link the old session
    store.cycle_key()  # login() keeps the key on a same-user re-login: rotate it
    try:
        started = services.session_start(
            user=user,
            transport=Transport.COOKIE,
            session_key=store.session_key,
            login_method=login_method_of(request),
            replaces_session_id=replaces_session_id,
            force=getattr(request, "login_force", False),  # set by the JSON login
            **request_origin(request)._asdict(),
        )
    except SessionLimitReached:
        store.flush()  # never leave a Django login behind without its UserSession
        raise
    store[USER_SESSION_KEY] = str(started.session.id)  # the store links its row on save
    store.set_expiry(started.session.expires_at)
    request.user_session = started.session
    request.device_credential = device_credential_issue(user)  # DeviceCookieMiddleware
    request.login_ended_sessions = started.ended_sessions  # the JSON login lists them


def on_user_logged_out(
    sender: object, request: HttpRequest, user: User | None, **kwargs: Any
) -> None:
    """End the session that is logging out, whichever transport it used."""
    session: UserSession | None = kwargs.get("user_session") or getattr(
        request, "user_session", None
    )
    if session is not None:
        services.session_end(session=session, reason=EndReason.LOGOUT)


def on_password_changed(
    sender: object,
    user: User,
    keep_session_id: UUID | None = None,
    actor: User | None = None,
    **kwargs: Any,
) -> None:
    """End the user's other sessions after a password change; keep the current one."""
    kept = selectors.session_get(keep_session_id) if keep_session_id else None
    detail = {"actor": services.actor_detail(actor)} if actor is not None else {}
    services.security_event_record(
        kind=EventKind.PASSWORD_CHANGED, user=user, session=kept, detail=detail
    )
    services.session_end_others(
        user_id=user.pk,
        keep_session_id=keep_session_id,
        reason=EndReason.PASSWORD_CHANGED,
    )
    if kept is not None:
        services.session_renew_auth_hash(session_id=kept.pk, user=user)


def on_password_reset_requested(sender: object, user: User, **kwargs: Any) -> None:
    """Record that a reset link is being mailed to the account's verified address."""
    services.security_event_record(kind=EventKind.PASSWORD_RESET_REQUESTED, user=user)


def on_email_change_requested(
    sender: object, user: User, new_email: str, **kwargs: Any
) -> None:
    """Record that the account asked to move to a new (masked) address."""
    services.security_event_record(
        kind=EventKind.EMAIL_CHANGE_REQUESTED,
        user=user,
        detail={"new_email": mask_email(new_email)},
    )


def on_email_changed(
    sender: object, user: User, old_email: str, new_email: str, **kwargs: Any
) -> None:
    """Record that the verified address changed or was removed (both masked)."""
    services.security_event_record(
        kind=EventKind.EMAIL_CHANGED,
        user=user,
        detail={
            "old_email": mask_email(old_email) if old_email else "",
            "new_email": mask_email(new_email) if new_email else "",
        },
    )


def on_user_saved(
    sender: object,
    instance: User,
    created: bool,
    update_fields: frozenset[str] | None = None,
    **kwargs: Any,
) -> None:
    """End every session of a user who has just been deactivated (naming who did)."""
    if created or instance.is_active:
        return
    if update_fields is not None and "is_active" not in update_fields:
        return
    actor = acting_staff()
    services.session_end_others(
        user_id=instance.pk,
        reason=EndReason.USER_DEACTIVATED,
        detail={"actor": services.actor_detail(actor)} if actor else None,
    )


def on_session_started(
    sender: object,
    session: UserSession,
    at: datetime,
    ended_sessions: Sequence[UserSession] = (),
    **kwargs: Any,
) -> None:
    """Record the login; flag and announce one that ended others or came from afar."""
    services.security_event_record(
        kind=EventKind.LOGIN,
        session=session,
        at=at,
        detail={"login_method": session.login_method, "transport": session.transport},
    )
    first_from = selectors.session_is_first_from(session=session)
    if any(first_from.values()):
        services.security_event_record(
            kind=EventKind.NEW_DEVICE,
            session=session,
            at=at,
            detail={
                "new_device": first_from["device"],
                "new_location": first_from["location"],
            },
        )
    if (
        policy.NOTIFY_NEW_LOGIN
        and session.user.email
        and (ended_sessions or any(first_from.values()))
    ):
        transaction.on_commit(
            partial(
                new_login_notice_mail.enqueue,
                session_id=str(session.pk),
                ended_count=len(ended_sessions),
                **first_from,
            )
        )


def on_session_ended(
    sender: object, session: UserSession, reason: str, at: datetime, **kwargs: Any
) -> None:
    """Record why a session ended; tell the user when a replayed token ended it."""
    services.security_event_record(
        kind=services.END_REASON_EVENTS[reason],
        session=session,
        at=at,
        detail={"reason": reason, **kwargs.get("detail", {})},
    )
    if reason == EndReason.TOKEN_REUSED and session.user.email:
        transaction.on_commit(
            partial(
                notifications.send_token_reuse_notice,
                session=session,
                detail=kwargs.get("detail", {}),
            )
        )


def on_sessions_ended(
    sender: object,
    sessions: Sequence[UserSession],
    reason: str,
    at: datetime,
    **kwargs: Any,
) -> None:
    """Record why each of many sessions ended, in one INSERT."""
    services.security_event_record_ended(sessions=sessions, reason=reason, at=at)


def on_user_login_failed(
    sender: object, credentials: dict, request: HttpRequest | None = None, **kwargs: Any
) -> None:
    """Record a failed login: on the account if it exists; never the password."""
    if credentials.get("mobile"):
        user, by = user_get_by_mobile(str(credentials["mobile"])), "mobile"
    else:
        user, by = user_get_by_username(credentials.get("username") or ""), "username"
    services.security_event_record(
        kind=EventKind.LOGIN_FAILED,
        user=user,
        detail={"by": by},
        **request_origin(request)._asdict(),
    )


def on_request_throttled(
    sender: object,
    scope: str,
    ident: str,
    request: HttpRequest | None = None,
    **kwargs: Any,
) -> None:
    """Record that a rate limit tripped (the client IP, never the account name)."""
    services.security_event_record(
        kind=EventKind.THROTTLED,
        detail={"scope": scope},
        **request_origin(request)._asdict(),
    )
