"""Every change to a session: start, end, expire, note activity, purge.

Only this module opens or ends a `UserSession`; it announces `session_started` and
`session_ended` inside the same transaction, so listeners stay consistent with it.
"""

import uuid
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime, timedelta
from typing import Any, NamedTuple
from uuid import UUID

from django.contrib.auth import get_user_model
from django.db import connections, router, transaction
from django.utils import timezone
from django.utils.crypto import constant_time_compare

from accounts.models import User
from accounts.services import user_change_password, user_signup
from config.app_settings import OnLimit, policy
from config.batches import DELETE_BATCH_SIZE, delete_in_batches
from config.throttling import TrippedLimit, throttle_registry
from sessions_app import selectors
from sessions_app.crypto import (
    digest,
    refresh_token_new,
    refresh_token_read,
    token_new,
)
from sessions_app.devices import USER_AGENT_MAX_LENGTH, describe_device, locate
from sessions_app.exceptions import (
    RefreshConflict,
    RefreshTokenInvalid,
    SessionEnded,
    SessionLimitReached,
    TokenExpired,
)
from sessions_app.models import (
    BrowserSession,
    EndReason,
    EventKind,
    LoginMethod,
    SecurityEvent,
    Transport,
    UserSession,
)
from sessions_app.signals import session_ended, session_started, sessions_ended


class SessionStart(NamedTuple):
    session: UserSession
    token: str | None  # shown once to a token client; only its digest is stored
    ended_sessions: list[UserSession]
    refresh_token: str | None = None  # token sessions: shown once, like the token


class TokenRefresh(NamedTuple):
    session: UserSession
    token: str  # the new access token, shown once
    refresh_token: str  # the new refresh token, shown once


def _time_to_live(transport: str) -> timedelta:
    """Return a new session's absolute lifetime (token: however often refreshed)."""
    if transport == Transport.TOKEN:
        return policy.SESSION_MAX_LIFETIME
    return policy.COOKIE_TTL


def _token_deadlines(*, now: datetime, expires_at: datetime) -> dict[str, datetime]:
    """Return the deadlines of a token pair issued now, within the session's own."""
    refresh_expires_at = min(now + policy.REFRESH_TTL, expires_at)
    return {
        "token_expires_at": min(now + policy.TOKEN_TTL, refresh_expires_at),
        "refresh_expires_at": refresh_expires_at,
    }


@transaction.atomic
def session_start(
    *,
    user: User,
    transport: str,
    login_method: str,
    user_agent: str = "",
    ip_address: str | None = None,
    session_key: str | None = None,
    replaces_session_id: UUID | None = None,
    force: bool = False,
    at: datetime | None = None,
) -> SessionStart:
    """Open a session under the policy (ending the oldest, or refusing); return it."""
    now = at or timezone.now()
    # Lock the user's row: simultaneous logins of one user queue here, so the count of
    # live sessions below cannot change under us (SQLite: IMMEDIATE transactions). The
    # lock is the write of `last_login` (Django's own receiver is off: apps.py), so a
    # login pays one statement for both.
    model = get_user_model()
    if not model.objects.filter(pk=user.pk).update(last_login=now):
        raise model.DoesNotExist("the user signing in no longer exists")
    user.last_login = now
    with security_events_batched():  # those of the ended sessions and the new one
        if replaces_session_id:
            replaced = UserSession.objects.filter(
                pk=replaces_session_id, user=user
            ).first()
            if replaced is not None:
                session_end(session=replaced, reason=EndReason.SUPERSEDED, at=now)
        live = []
        for other in selectors.session_list_live(
            user_id=user.pk, transport=selectors.limit_scope_transport(transport)
        ):
            if selectors.session_is_expired(other, now=now):
                session_end(session=other, reason=EndReason.EXPIRED, at=now)
            else:
                live.append(other)
        excess = len(live) - policy.MAX_SESSIONS_PER_USER + 1
        ended = live[:excess] if excess > 0 else []
        if ended and policy.ON_LIMIT == OnLimit.REFUSE_NEW and not force:
            raise SessionLimitReached()
        for other in ended:
            session_end(session=other, reason=EndReason.SUPERSEDED, at=now)

        session_id = uuid.uuid4()
        expires_at = now + _time_to_live(transport)
        token = refresh_token = None
        token_fields = {}
        if transport == Transport.TOKEN:
            token = token_new()
            refresh_token = refresh_token_new(session_id=session_id, generation=0)
            token_fields = {
                "refresh_digest": digest(refresh_token),
                **_token_deadlines(now=now, expires_at=expires_at),
            }
        device = describe_device(user_agent or "")
        session = UserSession.objects.create(
            id=session_id,
            user=user,
            transport=transport,
            token_digest=digest(token) if token else None,
            session_key_digest=digest(session_key) if session_key else None,
            auth_hash=user.get_session_auth_hash(),
            ip_address=ip_address,
            user_agent=(user_agent or "")[:USER_AGENT_MAX_LENGTH],
            browser=device.browser,
            os=device.os,
            device_type=device.device_type,
            device_name=device.device_name,
            location=locate(ip_address),
            login_method=login_method,
            created_at=now,
            last_activity=now,
            reauthenticated_at=now,  # a login is a step-up at its own time
            expires_at=expires_at,
            **token_fields,
        )
        session_started.send(
            sender=UserSession, session=session, at=now, ended_sessions=ended
        )
        return SessionStart(
            session=session,
            token=token,
            ended_sessions=ended,
            refresh_token=refresh_token,
        )


@transaction.atomic(savepoint=False)  # inside a login: no SAVEPOINT round trips
def session_end(
    *,
    session: UserSession,
    reason: str,
    at: datetime | None = None,
    detail: dict | None = None,
) -> bool:
    """End a live session exactly once and announce it; False if it had ended.

    `detail` goes with the announcement into the security event (never a secret).
    """
    now = at or timezone.now()
    changed = UserSession.objects.filter(pk=session.pk, is_active=True).update(
        is_active=False, ended_at=now, end_reason=reason
    )
    if not changed:
        return False
    if session.transport == Transport.COOKIE:  # only a cookie session has a store row
        BrowserSession.objects.filter(user_session_id=session.pk).delete()
    session.is_active, session.ended_at, session.end_reason = False, now, reason
    session_ended.send(
        sender=UserSession, session=session, reason=reason, at=now, detail=detail or {}
    )
    return True


def session_end_all(
    *,
    sessions: Iterable[UserSession],
    reason: str,
    at: datetime | None = None,
    detail: dict | None = None,
) -> list[UserSession]:
    """End each of the given sessions; return those this call ended."""
    return [
        s
        for s in sessions
        if session_end(session=s, reason=reason, at=at, detail=detail)
    ]


def session_end_others(
    *,
    user_id: UUID,
    reason: str,
    keep_session_id: UUID | None = None,
    at: datetime | None = None,
    detail: dict | None = None,
) -> list[UserSession]:
    """End every live session of the user except `keep_session_id`; return them."""
    others = selectors.session_list_live(user_id=user_id)
    if keep_session_id is not None:
        others = others.exclude(pk=keep_session_id)
    return session_end_all(sessions=list(others), reason=reason, at=at, detail=detail)


def _session_may_go_on(*, session: UserSession, now: datetime) -> bool:
    """End a session its user, password or lifetime no longer allows; else True."""
    if not session.user.is_active:
        session_end(session=session, reason=EndReason.USER_DEACTIVATED, at=now)
        return False
    if not constant_time_compare(
        session.auth_hash, session.user.get_session_auth_hash()
    ):
        session_end(session=session, reason=EndReason.PASSWORD_CHANGED, at=now)
        return False
    if selectors.session_is_expired(session, now=now):
        session_end(session=session, reason=EndReason.EXPIRED, at=now)
        return False
    return True


def session_refresh(
    *,
    refresh_token: str,
    ip_address: str | None = None,
    user_agent: str = "",
    at: datetime | None = None,
) -> TokenRefresh:
    """Rotate the access and refresh tokens of a live token session; end it on replay.

    Raises `RefreshTokenInvalid` for a token we never issued, `SessionEnded` for an
    ended session (a replayed token ends its session first, as `token_reused`), and
    `RefreshConflict` for the previous token again within `REFRESH_REUSE_GRACE`.
    """
    outcome = _session_refresh_locked(
        refresh_token=refresh_token,
        replayed_from={"ip_address": ip_address, "user_agent": user_agent},
        now=at or timezone.now(),
    )
    if isinstance(outcome, Exception):
        raise outcome  # outside the transaction: a session ended for a replay stays so
    return outcome


@transaction.atomic
def _session_refresh_locked(
    *, refresh_token: str, replayed_from: dict, now: datetime
) -> TokenRefresh | Exception:
    """Under the session's row lock, rotate its tokens or say why not."""
    claim = refresh_token_read(refresh_token)
    if claim is None:
        return RefreshTokenInvalid()
    # The row lock queues parallel refreshes of one session (SQLite: IMMEDIATE).
    session = (
        UserSession.objects.select_for_update(of=("self",))
        .select_related("user")
        .filter(pk=claim.session_id, transport=Transport.TOKEN)
        .first()
    )
    if session is None or claim.generation > session.refresh_generation:
        return RefreshTokenInvalid()
    is_current = claim.generation == session.refresh_generation
    if is_current and not constant_time_compare(
        digest(refresh_token), session.refresh_digest or ""
    ):
        return RefreshTokenInvalid()
    if not session.is_active:
        return SessionEnded(reason=session.end_reason)
    if not is_current:
        is_retry = (
            claim.generation == session.refresh_generation - 1
            and session.refreshed_at is not None
            and now - session.refreshed_at < policy.REFRESH_REUSE_GRACE
        )
        if is_retry:
            return RefreshConflict()
        device = describe_device(replayed_from["user_agent"] or "")
        session_end(
            session=session,
            reason=EndReason.TOKEN_REUSED,
            at=now,
            detail={
                "replayed_generation": claim.generation,
                "replayed_from_ip": replayed_from["ip_address"],
                "replayed_from_device": device.device_name,
            },
        )
        return SessionEnded(reason=EndReason.TOKEN_REUSED)
    if not _session_may_go_on(session=session, now=now):
        return SessionEnded(reason=session.end_reason)
    token = token_new()
    new_refresh_token = refresh_token_new(
        session_id=session.pk, generation=session.refresh_generation + 1
    )
    changes = {
        "token_digest": digest(token),
        "refresh_digest": digest(new_refresh_token),
        "refresh_generation": session.refresh_generation + 1,
        "refreshed_at": now,
        "last_activity": now,
        **_token_deadlines(now=now, expires_at=session.expires_at),
    }
    UserSession.objects.filter(pk=session.pk).update(**changes)
    for name, value in changes.items():
        setattr(session, name, value)
    return TokenRefresh(session=session, token=token, refresh_token=new_refresh_token)


def session_check_live(*, session: UserSession, at: datetime | None = None) -> bool:
    """Tell whether a session may act now: end it if it just expired, else note use.

    A token session whose access token is too old or idle raises `TokenExpired`
    (401): the session lives on, and its client refreshes.
    """
    if not session.is_active:
        return False
    now = at or timezone.now()
    if not _session_may_go_on(session=session, now=now):
        return False
    if selectors.session_token_is_expired(session, now=now):
        raise TokenExpired()
    if now - session.last_activity >= policy.ACTIVITY_UPDATE_INTERVAL:
        UserSession.objects.filter(pk=session.pk, is_active=True).update(
            last_activity=now
        )
        session.last_activity = now
    return True


def session_reauthenticate(
    *, session: UserSession, at: datetime | None = None
) -> UserSession:
    """Stamp a step-up on the session: sensitive changes pass for `REAUTH_WINDOW`."""
    now = at or timezone.now()
    UserSession.objects.filter(pk=session.pk).update(reauthenticated_at=now)
    session.reauthenticated_at = now
    return session


EXPIRY_BATCH_SIZE = 2000


def session_end_expired(
    *, at: datetime | None = None, batch_size: int = EXPIRY_BATCH_SIZE
) -> int:
    """End every live session past its lifetime or idle timeout; return how many.

    Set-based, in batches of `batch_size`, each in its own transaction: one UPDATE
    ends the batch, one DELETE drops its cookie rows, and `sessions_ended` announces
    it at once (its receivers record the events and close the periods in bulk).
    """
    now = at or timezone.now()
    count = 0
    while ended := _session_end_expired_batch(now=now, batch_size=batch_size):
        count += ended
    return count


@transaction.atomic
def _session_end_expired_batch(*, now: datetime, batch_size: int) -> int:
    """End one batch of expired sessions exactly once; return how many it ended."""
    # Locked rows are skipped: a request ending that session now (session_check_live)
    # does it itself, and no session is ended twice.
    batch = list(
        selectors.session_list_expired(now=now)
        .order_by("expires_at", "id")
        .select_for_update(skip_locked=True)[:batch_size]
    )
    if not batch:
        return 0
    ids = [session.pk for session in batch]
    changed = UserSession.objects.filter(pk__in=ids, is_active=True).update(
        is_active=False, ended_at=now, end_reason=EndReason.EXPIRED
    )
    if changed != len(batch):  # not under the row locks; stay exact all the same
        ours = set(
            UserSession.objects.filter(
                pk__in=ids, ended_at=now, end_reason=EndReason.EXPIRED
            ).values_list("pk", flat=True)
        )
        batch = [session for session in batch if session.pk in ours]
    BrowserSession.objects.filter(user_session_id__in=ids).delete()
    for session in batch:
        session.is_active, session.ended_at = False, now
        session.end_reason = EndReason.EXPIRED
    sessions_ended.send(
        sender=UserSession, sessions=batch, reason=EndReason.EXPIRED, at=now
    )
    return len(batch)


def security_event_record_ended(
    *, sessions: Sequence[UserSession], reason: str, at: datetime
) -> None:
    """Record why each of many sessions ended (as session_ended does), in one INSERT.

    INSERT ... SELECT copies user, address and device from the session rows in the
    database: building thousands of model objects in Python cost more than the write.
    """
    if not sessions:
        return
    connection = connections[router.db_for_write(SecurityEvent)]
    quote = connection.ops.quote_name
    event, session = SecurityEvent._meta, UserSession._meta
    copied = ("user", "ip_address", "user_agent", "device_name", "location")
    set_fields = [event.get_field(name) for name in ("kind", "created_at", "detail")]
    values = [
        field.get_db_prep_value(value, connection)
        for field, value in zip(
            set_fields,
            (END_REASON_EVENTS[reason], at, {"reason": reason}),
            strict=True,
        )
    ]
    ids = [session.pk.get_db_prep_value(s.pk, connection) for s in sessions]
    targets = [event.get_field(name).column for name in copied]
    targets += [event.get_field("session").column, *(f.column for f in set_fields)]
    sources = [session.get_field(name).column for name in copied]
    sources.append(session.pk.column)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {quote(event.db_table)} "
            f"({', '.join(quote(column) for column in targets)}) "
            f"SELECT {', '.join(quote(column) for column in sources)}, %s, %s, %s "
            f"FROM {quote(session.db_table)} "
            f"WHERE {quote(session.pk.column)} IN ({', '.join(['%s'] * len(ids))})",
            [*values, *ids],
        )


def session_purge_ended(
    *, before: datetime, batch_size: int = DELETE_BATCH_SIZE
) -> int:
    """Delete sessions that ended before the given time, in id batches; return how many.

    Their security events and activity periods stay (with the session unset): the
    account's history outlives its sessions; `security_event_purge` ages it out.
    """
    return delete_in_batches(
        selectors.session_list_ended_before(before=before), batch_size=batch_size
    )


def throttle_limit_clear(*, limit: TrippedLimit, actor: User) -> None:
    """Clear a tripped sign-in limit (abuse console); the account's events say who."""
    throttle_registry.clear(limit)
    user = None
    if limit.ident.startswith("user:"):
        user = get_user_model().objects.filter(pk=limit.ident[5:]).first()
    security_event_record(
        kind=EventKind.THROTTLE_CLEARED,
        user=user,
        detail={
            "scope": limit.scope,
            "count": limit.count,
            "actor": actor_detail(actor),
        },
    )


def security_event_purge(
    *, before: datetime, batch_size: int = DELETE_BATCH_SIZE
) -> int:
    """Delete security events older than the given time, in id batches; say how many."""
    return delete_in_batches(
        SecurityEvent.objects.filter(created_at__lt=before), batch_size=batch_size
    )


@transaction.atomic
def user_register(
    *, signup: dict, user_agent: str = "", ip_address: str | None = None
) -> tuple[User, SessionStart]:
    """Create an account and its first token session in one transaction."""
    user = user_signup(**signup)
    started = session_start(
        user=user,
        transport=Transport.TOKEN,
        login_method=LoginMethod.REGISTER,
        user_agent=user_agent,
        ip_address=ip_address,
    )
    return user, started


@transaction.atomic
def session_password_change(
    *, user: User, new_password: str, keep_session: UserSession | None = None
) -> list[UserSession]:
    """Set a new password, end every session but `keep_session`; return those ended."""
    keep_session_id = keep_session.pk if keep_session is not None else None
    ended = session_end_others(
        user_id=user.pk,
        keep_session_id=keep_session_id,
        reason=EndReason.PASSWORD_CHANGED,
    )
    # The receiver of `password_changed` records the event and keeps `keep_session`.
    user_change_password(
        user=user, new_password=new_password, keep_session_id=keep_session_id
    )
    return ended


def session_renew_auth_hash(*, session_id: UUID, user: User) -> None:
    """Let a session that proved the new password keep going after a password change."""
    UserSession.objects.filter(pk=session_id, user=user).update(
        auth_hash=user.get_session_auth_hash()
    )


# end reason -> the kind of security event it is recorded as
END_REASON_EVENTS = {
    EndReason.SUPERSEDED: EventKind.SESSION_SUPERSEDED,
    EndReason.TERMINATED: EventKind.SESSION_TERMINATED,
    EndReason.TERMINATED_BY_STAFF: EventKind.SESSION_TERMINATED,
    EndReason.EXPIRED: EventKind.SESSION_EXPIRED,
    EndReason.LOGOUT: EventKind.LOGOUT,
    EndReason.PASSWORD_CHANGED: EventKind.SESSION_TERMINATED,
    EndReason.USER_DEACTIVATED: EventKind.SESSION_TERMINATED,
    EndReason.TOKEN_REUSED: EventKind.REFRESH_TOKEN_REUSED,
}


def actor_detail(actor: User) -> dict[str, str]:
    """Name the staff member behind an action, for an event's `detail.actor`."""
    return {"id": str(actor.pk), "username": actor.username}


# The events recorded inside `security_events_batched()`, written when it ends.
_event_batch: ContextVar[list[SecurityEvent] | None] = ContextVar(
    "security_event_batch", default=None
)


@contextmanager
def security_events_batched() -> Iterator[None]:
    """Write every event recorded inside the block in one INSERT, in order, at its end.

    For a transaction that records several (a login that ends other sessions): the
    rows are not readable before the block ends, and a failing block writes none.
    """
    if _event_batch.get() is not None:  # an outer block writes them
        yield
        return
    batch: list[SecurityEvent] = []
    reset = _event_batch.set(batch)
    try:
        yield
    finally:
        _event_batch.reset(reset)
    SecurityEvent.objects.bulk_create(batch)


def security_event_record(**fields: Any) -> SecurityEvent:
    """Record a security event (arguments as `security_event_new`); inside
    `security_events_batched()`, when the block ends."""
    event = security_event_new(**fields)
    batch = _event_batch.get()
    if batch is None:
        event.save(force_insert=True)
    else:
        batch.append(event)
    return event


def security_event_new(
    *,
    kind: str,
    user: User | None = None,
    session: UserSession | None = None,
    ip_address: str | None = None,
    user_agent: str = "",
    detail: dict | None = None,
    at: datetime | None = None,
) -> SecurityEvent:
    """Build (unsaved) a security event; device and place from the session, else the
    request."""
    user_id = user.pk if user is not None else None
    if session is not None:
        user_id = user_id or session.user_id  # the id: no read of the user row
        ip_address = ip_address or session.ip_address
        user_agent = user_agent or session.user_agent
        device_name, location = session.device_name, session.location
    else:
        device_name = describe_device(user_agent or "").device_name
        location = locate(ip_address)
    return SecurityEvent(
        user_id=user_id,
        session=session,
        kind=kind,
        ip_address=ip_address,
        user_agent=(user_agent or "")[:USER_AGENT_MAX_LENGTH],
        device_name=device_name,
        location=location,
        created_at=at or timezone.now(),
        detail=detail or {},
    )
