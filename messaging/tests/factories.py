"""Plain factory functions for messages and blocks."""

from datetime import datetime

from django.utils import timezone

from accounts.models import User
from messaging.models import Block, Message


def make_message(
    *,
    sender: User,
    receiver: User,
    content: str = "Hello there",
    at: datetime | None = None,
) -> Message:
    """Store a message sent `at` (default now), with no block check."""
    return Message.objects.create(
        sender=sender,
        receiver=receiver,
        content=content,
        created_at=at or timezone.now(),
    )


def make_block(*, blocker: User, blocked: User) -> Block:
    """Store a block without its security event."""
    return Block.objects.create(blocker=blocker, blocked=blocked)
