"""Messages between members, and the blocks that refuse them."""

from django.conf import settings
from django.db import models
from django.utils import timezone

CONTENT_MAX_LENGTH = 2000


class Message(models.Model):
    """A plain-text message from one member to another."""

    # The (sender, created_at) and (receiver, created_at) indexes serve every lookup by
    # either party, so no separate foreign-key indexes; `id` breaks ties in the order.
    sender = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="messages_sent",
        db_index=False,
    )
    receiver = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="messages_received",
        db_index=False,
    )
    content = models.TextField(max_length=CONTENT_MAX_LENGTH)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [
            models.Index(
                fields=["sender", "created_at", "id"], name="message_sender_created"
            ),
            models.Index(
                fields=["receiver", "created_at", "id"],
                name="message_receiver_created",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(sender=models.F("receiver")),
                name="message_not_to_self",
            ),
        ]

    def __str__(self) -> str:
        return f"message {self.pk} {self.sender_id} -> {self.receiver_id}"


class Block(models.Model):
    """The blocker refuses every message from the blocked member."""

    # The unique (blocker, blocked) index serves "did the receiver block the sender?".
    blocker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="blocks_made",
        db_index=False,
    )
    blocked = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="blocks_received",
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["blocker", "blocked"], name="block_once"),
            models.CheckConstraint(
                condition=~models.Q(blocker=models.F("blocked")),
                name="block_not_self",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.blocker_id} blocks {self.blocked_id}"
