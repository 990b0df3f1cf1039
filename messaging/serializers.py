"""Input validation and output shapes for messages and blocks."""

import re
from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from accounts.models import User
from messaging import selectors
from messaging.models import CONTENT_MAX_LENGTH, Block, Message

USERNAME_MAX_LENGTH = 150
# Plain text: no control characters but tab, line feed and carriage return.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")

_TIME = serializers.DateTimeField()  # DRF's format: ISO 8601, "Z" for UTC
UNKNOWN_USER = _("No member has this username.")
NOT_YOURSELF = _("You cannot send a message to yourself.")
NOT_YOURSELF_BLOCK = _("You cannot block yourself.")


def _member(username: str) -> User:
    user = selectors.recipient_get_by_username(username)
    if user is None:
        raise serializers.ValidationError(UNKNOWN_USER)
    return user


def _plain_text(value: str) -> str:
    if CONTROL_CHARACTERS.search(value):
        raise serializers.ValidationError(
            _("Plain text only: no control characters but tabs and line breaks.")
        )
    return value


class DirectMessageSerializer(serializers.ModelSerializer):
    """A message: who sent it to whom (usernames), what and when."""

    sender = serializers.CharField(source="sender.username", read_only=True)
    receiver = serializers.CharField(source="receiver.username", read_only=True)

    class Meta:
        model = Message
        fields = ["id", "sender", "receiver", "content", "created_at"]
        read_only_fields = fields

    def to_representation(self, message: Message) -> dict[str, Any]:
        # Written out: a page formats up to 200 messages; field by field is slower.
        # Lists carry the usernames as annotations; a message just sent, its users.
        sender = getattr(message, "sender_username", None) or message.sender.username
        receiver = (
            getattr(message, "receiver_username", None) or message.receiver.username
        )
        return {
            "id": message.pk,
            "sender": sender,
            "receiver": receiver,
            "content": message.content,
            "created_at": _TIME.to_representation(message.created_at),
        }


class DirectMessageCreateSerializer(serializers.Serializer):
    """A new message: the receiver's username (any case) and 1-2,000 characters."""

    receiver = serializers.CharField(
        max_length=USERNAME_MAX_LENGTH, help_text="The receiver's username (any case)."
    )
    content = serializers.CharField(
        max_length=CONTENT_MAX_LENGTH,
        validators=[_plain_text],
        help_text="Plain text, 1-2,000 characters after trimming.",
    )

    def validate_receiver(self, username: str) -> User:
        receiver = _member(username)
        if receiver.pk == self.context["user"].pk:
            raise serializers.ValidationError(NOT_YOURSELF)
        return receiver


class BlockSerializer(serializers.ModelSerializer):
    """A block: whom and since when."""

    blocked = serializers.CharField(source="blocked.username", read_only=True)

    class Meta:
        model = Block
        fields = ["blocked", "created_at"]
        read_only_fields = fields


class BlockCreateSerializer(serializers.Serializer):
    """The member to block, by username (any case)."""

    blocked = serializers.CharField(
        max_length=USERNAME_MAX_LENGTH, help_text="The username to block (any case)."
    )

    def validate_blocked(self, username: str) -> User:
        blocked = _member(username)
        if blocked.pk == self.context["user"].pk:
            raise serializers.ValidationError(NOT_YOURSELF_BLOCK)
        return blocked


class MessageDayQuerySerializer(serializers.Serializer):
    """One day of messages, in the requesting member's own time zone."""

    date = serializers.DateField(
        required=False,
        help_text="A day, YYYY-MM-DD, in your own time zone (`tz`).",
    )


def _username_filter(help_text: str) -> serializers.CharField:
    return serializers.CharField(
        required=False, max_length=USERNAME_MAX_LENGTH, help_text=help_text
    )


class MessageListQuerySerializer(MessageDayQuerySerializer):
    """Filters of all your messages: a day, and the other party (`with`)."""

    def get_fields(self) -> dict[str, serializers.Field]:
        fields = super().get_fields()
        # `with` is a Python keyword, so it cannot be a class attribute.
        fields["with"] = _username_filter(
            "Only messages exchanged with this username (any case)."
        )
        return fields

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        return {"day": attrs.get("date"), "other_username": attrs.get("with")}


class SentMessageQuerySerializer(MessageDayQuerySerializer):
    """Filters of the messages you sent: a day, and the receiver."""

    receiver = _username_filter("Only messages to this username (any case).")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        return {"day": attrs.get("date"), "other_username": attrs.get("receiver")}


class ReceivedMessageQuerySerializer(MessageDayQuerySerializer):
    """Filters of the messages you received: a day, and the sender."""

    sender = _username_filter("Only messages from this username (any case).")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        return {"day": attrs.get("date"), "other_username": attrs.get("sender")}
