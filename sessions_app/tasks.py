"""Mail tasks of `sessions_app`, run by `manage.py db_worker` (or at once)."""

from uuid import UUID

from django_tasks import TaskContext, task

from config.mail import deliver
from sessions_app import notifications
from sessions_app.models import UserSession


@task(takes_context=True)
def new_login_notice_mail(
    context: TaskContext,
    *,
    session_id: str,
    ended_count: int,
    device: bool,
    location: bool,
    attempt: int = 1,
) -> None:
    """Mail the new-login notice of a session to its user's verified address."""
    session = (
        UserSession.objects.select_related("user").filter(pk=UUID(session_id)).first()
    )
    if session is None or not session.user.email:
        return
    deliver(
        message=notifications.new_login_message(
            session=session, ended_count=ended_count, device=device, location=location
        ),
        task=new_login_notice_mail,
        context=context,
        attempt=attempt,
        retry_kwargs={
            "session_id": session_id,
            "ended_count": ended_count,
            "device": device,
            "location": location,
        },
    )
