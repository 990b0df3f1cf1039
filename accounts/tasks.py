"""Mail tasks of `accounts`, run by `manage.py db_worker` (at once in development).

Tasks carry ids and addresses, never a token: links are made when the mail is sent.
"""

from uuid import UUID

from django.utils.crypto import salted_hmac
from django_tasks import TaskContext, task

from accounts import emails
from accounts.models import User
from accounts.selectors import user_list_for_password_reset
from accounts.signals import password_reset_requested
from config.mail import deliver
from config.throttling import FixedWindow


@task(takes_context=True)
def password_reset_request(context: TaskContext, *, email: str) -> None:
    """Mail a reset link to each account with this verified address (3 an hour)."""
    users = list(user_list_for_password_reset(email))
    if not users:
        return
    address = salted_hmac("password-reset-address", email.lower()).hexdigest()
    window = FixedWindow("password_reset_address", address)  # no address in the cache
    if window.hit() > window.limit:
        return
    for user in users:
        password_reset_requested.send(sender=User, user=user)
        password_reset_mail.enqueue(user_id=str(user.pk))


@task(takes_context=True)
def password_reset_mail(
    context: TaskContext, *, user_id: str, attempt: int = 1
) -> None:
    """Send one reset link (made now, so a retry carries a fresh one)."""
    user = User.objects.filter(pk=UUID(user_id), is_active=True).first()
    if user is None or not user.email:
        return
    deliver(
        message=emails.password_reset_message(user),
        task=password_reset_mail,
        context=context,
        attempt=attempt,
        retry_kwargs={"user_id": user_id},
    )


@task(takes_context=True)
def email_verification_mail(
    context: TaskContext, *, user_id: str, email: str, attempt: int = 1
) -> None:
    """Send the verification link for an address still waiting to be confirmed."""
    user = User.objects.filter(pk=UUID(user_id), pending_email=email).first()
    if user is None:
        return  # verified meanwhile, or replaced by a newer address
    deliver(
        message=emails.email_verification_message(user, email),
        task=email_verification_mail,
        context=context,
        attempt=attempt,
        retry_kwargs={"user_id": user_id, "email": email},
    )


@task(takes_context=True)
def email_change_notice_mail(
    context: TaskContext,
    *,
    user_id: str,
    old_email: str,
    new_email: str,
    attempt: int = 1,
) -> None:
    """Tell the old verified address which (masked) address the account moves to."""
    user = User.objects.filter(pk=UUID(user_id)).first()
    if user is None:
        return
    deliver(
        message=emails.email_change_notice(
            user, old_email=old_email, new_email=new_email
        ),
        task=email_change_notice_mail,
        context=context,
        attempt=attempt,
        retry_kwargs={
            "user_id": user_id,
            "old_email": old_email,
            "new_email": new_email,
        },
    )
