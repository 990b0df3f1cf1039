"""Mail sent from tasks: retried with back-off, never lost silently, never logged.

django-tasks does not retry. A mail task that fails enqueues itself again (with
`run_after` on a backend that can defer) up to `MAX_ATTEMPTS` times, then logs one
error naming the task and its id. Log lines never hold an address, a link or a token.
"""

import logging
from datetime import timedelta
from typing import Any

from django.core.mail import EmailMessage
from django.utils import timezone
from django_tasks import TaskContext
from django_tasks.base import Task

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
FIRST_RETRY = timedelta(minutes=1)  # then 4, 16, 64 minutes


def retry_delay(attempt: int) -> timedelta:
    """Return how long to wait after the given failed attempt."""
    return FIRST_RETRY * 4 ** (attempt - 1)


def deliver(
    *,
    message: EmailMessage,
    task: Task,
    context: TaskContext,
    attempt: int,
    retry_kwargs: dict[str, Any],
) -> bool:
    """Send one message; on failure enqueue `task` again later. Return whether sent."""
    try:
        message.send()
    except Exception as error:  # SMTP refused, timed out, DNS...: all retried
        task_id = context.task_result.id
        backend = task.get_backend()
        if attempt >= MAX_ATTEMPTS or not backend.supports_defer:
            logger.error(
                "Mail task %s (%s) failed %d time(s), giving up: %s",
                task_id,
                task.name,
                attempt,
                type(error).__name__,
            )
            return False
        delay = retry_delay(attempt)
        task.using(run_after=timezone.now() + delay).enqueue(
            **retry_kwargs, attempt=attempt + 1
        )
        logger.warning(
            "Mail task %s (%s) failed (%s); attempt %d of %d in %d s",
            task_id,
            task.name,
            type(error).__name__,
            attempt + 1,
            MAX_ATTEMPTS,
            delay.total_seconds(),
        )
        return False
    return True
