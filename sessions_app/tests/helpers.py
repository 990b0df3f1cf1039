"""Small helpers shared by the session lifecycle tests (not fixtures, not factories)."""

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any
from uuid import uuid4

from django.conf import settings
from django.contrib.auth.models import Group
from django.http import HttpResponse
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import User
from config.app_settings import DEFAULTS
from sessions_app import services
from sessions_app.models import BrowserSession, EndReason, Transport, UserSession
from sessions_app.tests.factories import start_session

CHROME_ON_WINDOWS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"
)
SAFARI_ON_IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1"
)
STRONG_PASSWORD = "a-much-better-passphrase-77"


def make_session_manager(user: User) -> User:
    """Put staff in "Session managers": they end others' sessions, clear throttles."""
    user.groups.add(Group.objects.get(name="Session managers"))
    for cache in ("_perm_cache", "_user_perm_cache", "_group_perm_cache"):
        user.__dict__.pop(cache, None)
    return user


def set_policy(settings_fixture: Any, **changes: Any) -> None:
    """Change the session policy for one test through pytest-django's `settings`."""
    settings_fixture.SESSION_POLICY = {**DEFAULTS, **changes}


def browser_login(
    client: APIClient, user: User, url_name: str = "rest_framework:login", **extra: str
) -> HttpResponse:
    """Post a login form (browsable API or admin) as a browser does."""
    data = {"username": user.username, "password": user.raw_password, **extra}
    if url_name == "admin:login":
        data.setdefault("next", reverse("admin:index"))
    return client.post(reverse(url_name), data, format="multipart")


def cookie_key(client: APIClient) -> str:
    """Return the session cookie the client holds ("" once the server cleared it)."""
    morsel = client.cookies.get(settings.SESSION_COOKIE_NAME)
    return morsel.value if morsel is not None else ""


def resend_cookie(client: APIClient, key: str) -> None:
    """Put a session cookie back, as a client that kept an old cookie would send it."""
    client.cookies[settings.SESSION_COOKIE_NAME] = key


def live_sessions(user: User) -> list[UserSession]:
    return list(
        UserSession.objects.filter(user=user, is_active=True).order_by("created_at")
    )


def move_back(session: UserSession, **fields: timedelta) -> None:
    """Move stored times of a session into the past, as if that much time had passed.

    `move_back(s, last_activity=timedelta(minutes=31))`; a cookie session's store row
    moves with `expires_at`, as the browser session's own expiry would.
    """
    row = UserSession.objects.get(pk=session.pk)
    changes = {name: getattr(row, name) - delta for name, delta in fields.items()}
    UserSession.objects.filter(pk=session.pk).update(**changes)
    if "expires_at" in fields:
        for store_row in BrowserSession.objects.filter(user_session_id=session.pk):
            BrowserSession.objects.filter(pk=store_row.pk).update(
                expire_date=store_row.expire_date - fields["expires_at"]
            )


def minutes_ago(minutes: int) -> datetime:
    return timezone.now() - timedelta(minutes=minutes)


def ended_reason(session_id: object) -> str:
    return UserSession.objects.get(pk=session_id).end_reason


# Stored sessions for the bulk services and the commands that call them


def sessions_for_expiry(make_user: Callable[..., User]) -> dict[str, UserSession]:
    idle = start_session(
        make_user(),
        transport=Transport.COOKIE,
        session_key=uuid4().hex,
        at=minutes_ago(40),
    ).session
    # a token session: an idle access token only needs a refresh
    idle_token = start_session(make_user(), at=minutes_ago(40)).session
    # busy and refreshed lately, but past SESSION_MAX_LIFETIME
    too_old = start_session(make_user(), at=minutes_ago(31 * 24 * 60)).session
    UserSession.objects.filter(pk=too_old.pk).update(
        last_activity=timezone.now(),
        refresh_expires_at=timezone.now() + timedelta(days=1),
    )
    # busy, but never refreshed within REFRESH_TTL
    unrefreshed = start_session(make_user(), at=minutes_ago(15 * 24 * 60)).session
    UserSession.objects.filter(pk=unrefreshed.pk).update(last_activity=timezone.now())
    logged_out = start_session(make_user(), at=minutes_ago(60)).session
    services.session_end(session=logged_out, reason=EndReason.LOGOUT)
    fresh = start_session(make_user()).session
    return {
        "idle": idle,
        "idle_token": idle_token,
        "too_old": too_old,
        "unrefreshed": unrefreshed,
        "logged_out": logged_out,
        "fresh": fresh,
    }


def assert_only_expired_ones_ended(sessions: dict[str, UserSession]) -> None:
    rows = {name: UserSession.objects.get(pk=s.pk) for name, s in sessions.items()}
    assert rows["idle"].end_reason == EndReason.EXPIRED
    assert rows["too_old"].end_reason == EndReason.EXPIRED
    assert rows["unrefreshed"].end_reason == EndReason.EXPIRED
    assert rows["idle_token"].is_active
    assert rows["logged_out"].end_reason == EndReason.LOGOUT
    assert rows["logged_out"].ended_at == sessions["logged_out"].ended_at
    assert rows["fresh"].is_active


def sessions_for_purge(make_user: Callable[..., User]) -> dict[str, UserSession]:
    now = timezone.now()
    old = start_session(make_user(), at=minutes_ago(100 * 24 * 60)).session
    services.session_end(
        session=old, reason=EndReason.LOGOUT, at=now - timedelta(days=91)
    )
    recent = start_session(make_user(), at=minutes_ago(20 * 24 * 60)).session
    services.session_end(
        session=recent, reason=EndReason.LOGOUT, at=now - timedelta(days=10)
    )
    live = start_session(make_user()).session
    return {"old": old, "recent": recent, "live": live}
