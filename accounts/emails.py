"""The mails `accounts` sends: built here, sent by the tasks in `accounts.tasks`.

Every link starts with the configured `SITE_URL`, never the request's `Host`.
"""

from django.conf import settings
from django.core.mail import EmailMessage
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.tokens import email_verification_token, password_reset_tokens


def site_link(path: str) -> str:
    """Return an absolute link on the canonical site."""
    return settings.SITE_URL.rstrip("/") + path


def mask_email(address: str) -> str:
    """Return an address with its local part hidden: n***@example.com."""
    local, _at, domain = address.partition("@")
    return f"{local[:1]}***@{domain}"


def _greeting(user: User) -> str:
    return _("Hello %(name)s,") % {"name": user.real_name or user.username}


def password_reset_message(user: User) -> EmailMessage:
    """A one-time link to choose a new password, sent to the verified address."""
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = password_reset_tokens.make_token(user)
    page = site_link(reverse("account:password-reset", args=[uid, token]))
    api = site_link(reverse("sessions:password-reset-confirm"))
    body = "\n".join(
        [
            _greeting(user),
            "",
            _("Someone asked to reset the password of your account %(username)s.")
            % {"username": user.username},
            _("Choose a new password here:"),
            f"  {page}",
            "",
            _("Or, from an API client, POST uid, token and new_password to %(api)s:")
            % {"api": api},
            f"  uid:   {uid}",
            f"  token: {token}",
            "",
            _(
                "The link works until the password changes. Setting a new password "
                "signs out every session. If you did not ask for it, ignore this mail."
            ),
        ]
    )
    return EmailMessage(_("Reset your password"), body, to=[user.email])


def email_verification_message(user: User, email: str) -> EmailMessage:
    """A one-time link (24 hours) proving that `email` reaches this user."""
    token = email_verification_token(user=user, email=email)
    page = site_link(reverse("account:email-verify", args=[token]))
    api = site_link(reverse("sessions:email-verify"))
    body = "\n".join(
        [
            _greeting(user),
            "",
            _("Confirm that %(email)s is the address of your account %(username)s:")
            % {"email": email, "username": user.username},
            f"  {page}",
            "",
            _("Or, from an API client, POST this token to %(api)s:") % {"api": api},
            f"  {token}",
            "",
            _("The link works for 24 hours. If you did not ask for this, ignore it."),
        ]
    )
    return EmailMessage(_("Confirm your email address"), body, to=[email])


def email_change_notice(user: User, *, old_email: str, new_email: str) -> EmailMessage:
    """Tell the verified address that the account asked to move to another one."""
    sessions = site_link(reverse("sessions:session-list")) + "?keep_current=false"
    body = "\n".join(
        [
            _greeting(user),
            "",
            _(
                "Your account %(username)s asked to use a new email address, "
                "%(new)s. It takes effect once the link sent there is used."
            )
            % {"username": user.username, "new": mask_email(new_email)},
            "",
            _(
                "If this was not you, sign in, change your password and end every "
                "session at once:"
            ),
            f"  DELETE {sessions}",
        ]
    )
    return EmailMessage(_("Your email address is changing"), body, to=[old_email])
