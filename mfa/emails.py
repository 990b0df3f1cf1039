"""The mails two-factor sign-in sends: built here, sent by `mfa.tasks`.

They say what changed and what to do if it was not you; never a secret or a code.
"""

from enum import StrEnum

from django.core.mail import EmailMessage
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.emails import site_link
from accounts.models import User


class Notice(StrEnum):
    ENABLED = "enabled"
    DISABLED = "disabled"
    RESET = "reset"  # by staff, for a user who lost the device
    RECOVERY_CODE_USED = "recovery_code_used"


def _greeting(user: User) -> str:
    return _("Hello %(name)s,") % {"name": user.real_name or user.username}


def _if_not_you() -> list[str]:
    sessions = site_link(reverse("sessions:session-list")) + "?keep_current=false"
    return [
        _(
            "If this was not you, sign in, change your password and end every "
            "session at once:"
        ),
        f"  DELETE {sessions}",
    ]


def mfa_notice_message(
    user: User, notice: Notice, *, recovery_codes_left: int | None = None
) -> EmailMessage:
    """Tell the user's verified address that their second factor changed or was used."""
    account = {"username": user.username}
    if notice == Notice.ENABLED:
        subject = _("Two-factor sign-in is on")
        lines = [
            _(
                "Two-factor sign-in was turned on for your account %(username)s: "
                "signing in now also asks for a code from your authenticator app."
            )
            % account,
            _("Keep your recovery codes somewhere safe."),
        ]
    elif notice in (Notice.DISABLED, Notice.RESET):
        subject = _("Two-factor sign-in is off")
        by_staff = notice == Notice.RESET
        lines = [
            (
                _(
                    "An administrator turned off two-factor sign-in for your account "
                    "%(username)s, as asked after a lost device."
                )
                if by_staff
                else _(
                    "Two-factor sign-in was turned off for your account %(username)s."
                )
            )
            % account,
            _("Signing in now asks for the password only; recovery codes are void."),
        ]
    else:
        subject = _("A recovery code was used")
        lines = [
            _(
                "A recovery code was used to sign in to your account %(username)s. "
                "%(left)d unused recovery codes are left."
            )
            % {**account, "left": recovery_codes_left or 0},
            _("Each code works once; make new ones when few are left."),
        ]
    body = "\n".join([_greeting(user), "", *lines, "", *_if_not_you()])
    return EmailMessage(subject, body, to=[user.email])
