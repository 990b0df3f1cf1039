"""Mail tasks of two-factor sign-in, run by `manage.py db_worker` (or at once)."""

from uuid import UUID

from django_tasks import TaskContext, task

from accounts.models import User
from config.mail import deliver
from mfa.emails import Notice, mfa_notice_message


@task(takes_context=True)
def mfa_notice_mail(
    context: TaskContext,
    *,
    user_id: str,
    notice: str,
    recovery_codes_left: int | None = None,
    attempt: int = 1,
) -> None:
    """Mail a two-factor notice (on, off, reset, recovery code used) to the user."""
    user = User.objects.filter(pk=UUID(user_id)).first()
    if user is None or not user.email:
        return
    deliver(
        message=mfa_notice_message(
            user, Notice(notice), recovery_codes_left=recovery_codes_left
        ),
        task=mfa_notice_mail,
        context=context,
        attempt=attempt,
        retry_kwargs={
            "user_id": user_id,
            "notice": notice,
            "recovery_codes_left": recovery_codes_left,
        },
    )
