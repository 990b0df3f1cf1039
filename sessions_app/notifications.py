"""Mails about sign-ins: built here, sent by the tasks in `sessions_app.tasks`."""

import logging
from zoneinfo import ZoneInfo

from django.core.mail import EmailMessage, send_mail
from django.utils.translation import gettext as _

from sessions_app.models import UserSession

logger = logging.getLogger(__name__)


def new_login_message(
    *, session: UserSession, ended_count: int, device: bool, location: bool
) -> EmailMessage:
    """Tell the user about a sign-in that ended others or came from somewhere new."""
    user = session.user
    when = session.created_at.astimezone(ZoneInfo(user.tz or "UTC"))
    reasons = []
    if ended_count:
        reasons.append(
            _("It ended %(count)d other session(s).") % {"count": ended_count}
        )
    if device:
        reasons.append(_("It came from a device or browser not seen before."))
    if location:
        reasons.append(_("It came from a country not seen before."))
    body = "\n".join(
        [
            _("Hello %(name)s,") % {"name": user.real_name or user.username},
            "",
            _("Someone signed in to your account:"),
            f"  {_('Device')}:   {session.device_name}",
            f"  {_('IP')}:       {session.ip_address or '-'}",
            f"  {_('Location')}: {session.location}",
            f"  {_('Time')}:     {when:%Y-%m-%d %H:%M %Z}",
            "",
            *reasons,
            "",
            _(
                "If this was not you, sign in, change your password (POST "
                "/api/v1/auth/password/) "
                "and end that session:"
            ),
            f"  DELETE /api/v1/auth/users/me/sessions/{session.pk}/",
        ]
    )
    return EmailMessage(_("New sign-in to your account"), body, to=[user.email])


def send_token_reuse_notice(*, session: UserSession, detail: dict) -> None:
    """Tell the user that an old sign-in token came back and ended that session."""
    user = session.user
    if not user.email:
        return
    ended_at = session.ended_at or session.created_at
    when = ended_at.astimezone(ZoneInfo(user.tz or "UTC"))
    body = "\n".join(
        [
            _("Hello %(name)s,") % {"name": user.real_name or user.username},
            "",
            _(
                "A sign-in token of one of your sessions was used again after it had "
                "been replaced. Someone may have copied it, so we ended that session:"
            ),
            f"  {_('Session')}:  {session.device_name} ({session.location})",
            f"  {_('Used from')}: {detail.get('replayed_from_device') or '-'}, "
            f"IP {detail.get('replayed_from_ip') or '-'}",
            f"  {_('Time')}:     {when:%Y-%m-%d %H:%M %Z}",
            "",
            _(
                "Log in again on your device. If you did not expect this, change your "
                "password (POST /api/v1/auth/password/) and review your sessions "
                "(GET /api/v1/auth/users/me/sessions/)."
            ),
        ]
    )
    try:
        send_mail(_("A session of yours was ended"), body, None, [user.email])
    except Exception:  # the session has ended already; a mail outage changes nothing
        logger.exception("Could not send the token-reuse notice for %s", session.pk)
