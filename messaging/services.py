"""Sending messages, blocking and unblocking members."""

import logging
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from messaging import selectors
from messaging.exceptions import AlreadyBlocked, MessageBlocked
from messaging.models import Block, Message
from sessions_app.models import EventKind, UserSession
from sessions_app.services import security_event_record

# Ids and usernames only: a message's content never reaches a log line.
logger = logging.getLogger("messaging")


def message_send(
    *, sender: User, receiver: User, content: str, at: datetime | None = None
) -> Message:
    """Store a message unless the receiver blocks the sender; then store nothing."""
    if sender.pk == receiver.pk:
        raise ValueError("a member cannot message themselves")
    if selectors.block_exists(blocker_id=receiver.pk, blocked_id=sender.pk):
        logger.info(
            "message refused, receiver blocks sender: sender=%s (%s) receiver=%s (%s)",
            sender.pk,
            sender.username,
            receiver.pk,
            receiver.username,
        )
        raise MessageBlocked()
    message = Message.objects.create(
        sender=sender,
        receiver=receiver,
        content=content,
        created_at=at or timezone.now(),
    )
    logger.info(
        "message sent: id=%s sender=%s (%s) receiver=%s (%s)",
        message.pk,
        sender.pk,
        sender.username,
        receiver.pk,
        receiver.username,
    )
    return message


def _announce_block_change(
    *,
    kind: EventKind,
    blocker: User,
    blocked: User,
    session: UserSession | None,
    ip_address: str | None,
    user_agent: str,
    at: datetime | None,
) -> None:
    """Record a block or unblock for the blocker, and log it (ids and names only)."""
    security_event_record(
        kind=kind,
        user=blocker,
        session=session,
        ip_address=ip_address,
        user_agent=user_agent,
        detail={"blocked": blocked.username, "blocked_id": str(blocked.pk)},
        at=at,
    )
    action = "blocked" if kind == EventKind.USER_BLOCKED else "unblocked"
    logger.info(
        "user %s: blocker=%s (%s) blocked=%s (%s)",
        action,
        blocker.pk,
        blocker.username,
        blocked.pk,
        blocked.username,
    )


@transaction.atomic
def block_create(
    *,
    blocker: User,
    blocked: User,
    session: UserSession | None = None,
    ip_address: str | None = None,
    user_agent: str = "",
    at: datetime | None = None,
) -> Block:
    """Block a member once (409 the second time) and record it for the blocker."""
    if blocker.pk == blocked.pk:
        raise ValueError("a member cannot block themselves")
    at = at or timezone.now()
    block, created = Block.objects.get_or_create(
        blocker=blocker, blocked=blocked, defaults={"created_at": at}
    )
    if not created:
        raise AlreadyBlocked()
    _announce_block_change(
        kind=EventKind.USER_BLOCKED,
        blocker=blocker,
        blocked=blocked,
        session=session,
        ip_address=ip_address,
        user_agent=user_agent,
        at=at,
    )
    return block


@transaction.atomic
def block_remove(
    *,
    blocker: User,
    blocked: User,
    session: UserSession | None = None,
    ip_address: str | None = None,
    user_agent: str = "",
    at: datetime | None = None,
) -> bool:
    """Unblock a member and record it; False if there was no such block."""
    deleted, _ = Block.objects.filter(blocker=blocker, blocked=blocked).delete()
    if not deleted:
        return False
    _announce_block_change(
        kind=EventKind.USER_UNBLOCKED,
        blocker=blocker,
        blocked=blocked,
        session=session,
        ip_address=ip_address,
        user_agent=user_agent,
        at=at,
    )
    return True
