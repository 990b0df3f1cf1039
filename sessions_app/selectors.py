"""Reads of sessions."""

from datetime import datetime
from ipaddress import IPv4Network, IPv6Network
from typing import Any
from uuid import UUID

from django.db import NotSupportedError
from django.db.models import Exists, F, Lookup, Q, QuerySet

from accounts.models import User
from accounts.selectors import user_get_by_mobile, user_get_by_username
from config.app_settings import LimitScope, OnLimit, policy
from sessions_app.crypto import digest
from sessions_app.models import SecurityEvent, Transport, UserSession
from sessions_app.token_lookup import session_by_token_digest


def session_list_live(
    *, user_id: UUID, transport: str | None = None
) -> QuerySet[UserSession]:
    """Return the user's live sessions, oldest first; one transport only if given."""
    sessions = UserSession.objects.filter(user_id=user_id, is_active=True)
    if transport is not None:
        sessions = sessions.filter(transport=transport)
    return sessions.order_by("created_at", "id")


def session_get_by_token(token: str) -> UserSession | None:
    """Return the session (with its user) a token belongs to, live or not, or None."""
    return session_by_token_digest(digest(token))


def session_get_by_key(session_key: str) -> UserSession | None:
    """Return the session a cookie key belonged to, live or not, or None."""
    return (
        UserSession.objects.select_related("user")
        .filter(session_key_digest=digest(session_key))
        .first()
    )


def session_expires_at(session: UserSession) -> datetime:
    """Return when a session ends if nothing else ends it first.

    A cookie session: at its lifetime or after `IDLE_TIMEOUT` unused. A token session:
    at `SESSION_MAX_LIFETIME` after the login (`expires_at`) or `REFRESH_TTL` after its
    last refresh (`refresh_expires_at`); idle access tokens only need a refresh.
    """
    if session.transport == Transport.TOKEN:
        return min(session.expires_at, session.refresh_expires_at or session.expires_at)
    return min(session.expires_at, session.last_activity + policy.IDLE_TIMEOUT)


def session_is_expired(session: UserSession, *, now: datetime) -> bool:
    """Tell whether a live session is past its lifetime or idle for too long."""
    return now >= session_expires_at(session)


def session_reauthenticated_until(session: UserSession) -> datetime | None:
    """Return when the last step-up stops counting, or None if there was none."""
    if session.reauthenticated_at is None:
        return None
    return session.reauthenticated_at + policy.REAUTH_WINDOW


def session_has_recent_step_up(session: UserSession, *, now: datetime) -> bool:
    """Tell whether the session confirmed its password within `REAUTH_WINDOW`."""
    until = session_reauthenticated_until(session)
    return until is not None and now < until


def session_token_expires_at(session: UserSession) -> datetime:
    """Return when a token session's access token stops working (TTL, idle, session)."""
    return min(
        session.token_expires_at or session.expires_at,
        session.last_activity + policy.IDLE_TIMEOUT,
        session_expires_at(session),
    )


def session_token_is_expired(session: UserSession, *, now: datetime) -> bool:
    """Tell whether a token session's access token is too old or idle to be used."""
    return session.transport == Transport.TOKEN and now >= session_token_expires_at(
        session
    )


def _expired(now: datetime) -> Q:
    """Match the sessions `session_is_expired` calls expired, in one SQL condition."""
    return (
        Q(expires_at__lte=now)
        | Q(transport=Transport.TOKEN, refresh_expires_at__lte=now)
        | Q(
            transport=Transport.COOKIE,
            last_activity__lte=now - policy.IDLE_TIMEOUT,
        )
    )


def session_list_expired(*, now: datetime) -> QuerySet[UserSession]:
    """Return live sessions past their lifetime, refresh deadline or idle timeout."""
    return UserSession.objects.filter(is_active=True).filter(_expired(now))


def session_list_ended_before(*, before: datetime) -> QuerySet[UserSession]:
    """Return sessions that ended before the given time."""
    return UserSession.objects.filter(is_active=False, ended_at__lt=before)


def limit_scope_transport(transport: str) -> str | None:
    """Return the transport the limit counts within, or None when it counts all."""
    return transport if policy.LIMIT_SCOPE == LimitScope.TRANSPORT else None


def session_would_be_refused(
    *,
    user_id: UUID,
    transport: str,
    now: datetime,
    replacing_session_id: UUID | None = None,
) -> bool:
    """Tell whether `ON_LIMIT=refuse_new` would refuse a new session right now.

    `replacing_session_id` (this browser's own session) does not count: a new login
    replaces it.
    """
    if policy.ON_LIMIT != OnLimit.REFUSE_NEW:
        return False
    live = session_list_live(
        user_id=user_id, transport=limit_scope_transport(transport)
    )
    if replacing_session_id:
        live = live.exclude(pk=replacing_session_id)
    unexpired = live.exclude(_expired(now))
    return unexpired.count() >= policy.MAX_SESSIONS_PER_USER


def session_get(session_id: UUID | str) -> UserSession | None:
    """Return the session with this id, or None."""
    return UserSession.objects.filter(pk=session_id).first()


SESSION_STATUSES = ("active", "ended", "all")


def session_list_for_user(
    *, user_id: UUID, status: str = "active"
) -> QuerySet[UserSession]:
    """Return the user's sessions, newest first: live ones, ended ones, or all."""
    sessions = UserSession.objects.filter(user_id=user_id)
    if status == "active":
        sessions = sessions.filter(is_active=True)
    elif status == "ended":
        sessions = sessions.filter(is_active=False)
    return sessions.order_by("-created_at", "-id")


def security_event_list_for_user(*, user_id: UUID) -> QuerySet[SecurityEvent]:
    """Return the user's security events, newest first."""
    return SecurityEvent.objects.filter(user_id=user_id).order_by("-created_at", "-id")


def session_is_first_from(*, session: UserSession) -> dict[str, bool]:
    """Tell whether this session's device and country are new for its user.

    Both are False for a user's very first session: nothing is "new" then.
    """
    earlier = UserSession.objects.filter(user_id=session.user_id).exclude(pk=session.pk)
    # One statement (run on each login): three EXISTS probes on the user's index.
    seen, same_device, same_location = (
        UserSession.objects.filter(pk=session.pk)
        .annotate(
            seen=Exists(earlier),
            same_device=Exists(earlier.filter(device_name=session.device_name)),
            same_location=Exists(earlier.filter(location=session.location)),
        )
        .values_list("seen", "same_device", "same_location")
        .get()
    )
    return {"device": seen and not same_device, "location": seen and not same_location}


# ---- staff search --------------------------------------------------------------------

IPNetwork = IPv4Network | IPv6Network


class InNetwork(Lookup):
    """`address <<= network` on PostgreSQL's `inet`: the address lies in the range.

    A btree index on the address serves it (PostgreSQL turns it into a range scan).
    No other database stores addresses as `inet`: they answer exact addresses only.
    """

    lookup_name = "in_network"
    prepare_rhs = False  # a network, not an address: the field would refuse it

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, list]:
        if connection.vendor != "postgresql":
            raise NotSupportedError("CIDR filters need PostgreSQL")
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} <<= {rhs}::inet", [*lhs_params, *rhs_params]


def ip_filter(network: IPNetwork, *, field: str = "ip_address") -> Q | Lookup:
    """Match rows whose address is in `network` (one address: an exact match)."""
    if network.num_addresses == 1:
        return Q(**{field: str(network.network_address)})
    return InNetwork(F(field), str(network))


def user_get_by_username_or_mobile(identifier: str) -> User | None:
    """Return the user a username (any case) or a mobile number (any spelling) names."""
    return user_get_by_username(identifier) or user_get_by_mobile(identifier)


def session_search(
    *,
    user: str | None = None,
    ip: IPNetwork | None = None,
    location: str | None = None,
    device: str | None = None,
    status: str = "all",
    created_after: datetime | None = None,
    created_before: datetime | None = None,
) -> QuerySet[UserSession]:
    """Return everyone's sessions matching every filter given, newest first.

    Cost: the user is looked up first (one query, two for a mobile number), so the
    page and its count filter on `user_id`; `ip` uses the btree on `ip_address`;
    `device` (a substring of the device name or the user agent, any case) uses the
    trigram indexes on PostgreSQL and scans on SQLite.
    """
    sessions = UserSession.objects.select_related("user")
    if user is not None:
        found = user_get_by_username_or_mobile(user)
        if found is None:
            return sessions.none()
        sessions = sessions.filter(user_id=found.pk)
    if ip is not None:
        sessions = sessions.filter(ip_filter(ip))
    if location:
        sessions = sessions.filter(location__iexact=location)
    if device:
        sessions = sessions.filter(
            Q(device_name__icontains=device) | Q(user_agent__icontains=device)
        )
    if status == "active":
        sessions = sessions.filter(is_active=True)
    elif status == "ended":
        sessions = sessions.filter(is_active=False)
    if created_after is not None:
        sessions = sessions.filter(created_at__gte=created_after)
    if created_before is not None:
        sessions = sessions.filter(created_at__lt=created_before)
    return sessions.order_by("-created_at", "-id")


def security_event_search(
    *,
    user: str | None = None,
    kind: str | None = None,
    ip: IPNetwork | None = None,
    after: datetime | None = None,
    before: datetime | None = None,
) -> QuerySet[SecurityEvent]:
    """Return everyone's security events matching every filter given, newest first.

    Cost: the user is looked up first; a page and its count then use the btree on
    (`user`, `created_at`), on `ip_address` or on `created_at`.
    """
    events = SecurityEvent.objects.select_related("user")
    if user is not None:
        found = user_get_by_username_or_mobile(user)
        if found is None:
            return events.none()
        events = events.filter(user_id=found.pk)
    if kind:
        events = events.filter(kind=kind)
    if ip is not None:
        events = events.filter(ip_filter(ip))
    if after is not None:
        events = events.filter(created_at__gte=after)
    if before is not None:
        events = events.filter(created_at__lt=before)
    return events.order_by("-created_at", "-id")
