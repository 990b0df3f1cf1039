"""Emails about sign-ins, sent after the login's transaction commits."""

import logging
from zoneinfo import ZoneInfo

from django.core.mail import send_mail
from django.utils.translation import gettext as _

from sessions_app.models import UserSession

logger = logging.getLogger(__name__)


def send_new_login_notice(
    *, session: UserSession, ended_count: int, device: bool, location: bool
) -> None:
    """Tell the user about a sign-in that ended others or came from somewhere new."""
    user = session.user
    if not user.email:
        return
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
    try:
        send_mail(_("New sign-in to your account"), body, None, [user.email])
    except Exception:  # a mail outage must not undo a login that already happened
        logger.exception(
            "Could not send the new-login notice for session %s", session.pk
        )
