"""Messages between members, and blocks: send, list, block, unblock."""

from typing import Any

from django.core.paginator import EmptyPage, Page, Paginator
from django.db.models import Count, QuerySet, Window
from django.utils.translation import gettext_lazy as _
from drf_yasg import openapi
from drf_yasg.utils import swagger_auto_schema
from rest_framework import mixins, status, viewsets
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.selectors import user_get_by_username
from config.errors import NOT_FOUND_DETAIL
from config.pagination import PageNumberPagination
from config.query_params import query_params
from config.schema import ERROR_DESCRIPTIONS, ErrorSerializer
from messaging import selectors, services
from messaging.models import Block, Message
from messaging.serializers import (
    USERNAME_MAX_LENGTH,
    BlockCreateSerializer,
    BlockSerializer,
    DirectMessageCreateSerializer,
    DirectMessageSerializer,
    MessageListQuerySerializer,
    ReceivedMessageQuerySerializer,
    SentMessageQuerySerializer,
)
from sessions_app.devices import request_origin

BLOCKED_RESPONSE = openapi.Response(
    f"{ERROR_DESCRIPTIONS[403]} Or the receiver has blocked you: `blocked` "
    "(nothing is stored).",
    ErrorSerializer,
)
ALREADY_BLOCKED_RESPONSE = openapi.Response(
    "You have blocked this member already: `already_blocked`.", ErrorSerializer
)


MAX_OFFSET = 2**62  # SQL's OFFSET is a 64-bit integer: no page starts beyond it


class CountedPaginator(Paginator):
    """A page and the total in one query: every row carries COUNT(*) OVER ().

    A page past the end has no row to carry it, and is an error anyway; an empty
    first page counts 0. One round trip instead of two, on the busiest lists.
    """

    def page(self, number: int | str) -> Page:
        number = int(number)
        start = (number - 1) * self.per_page
        counted = self.object_list.annotate(list_total=Window(Count("*")))
        in_range = 1 <= number and start < MAX_OFFSET
        rows = list(counted[start : start + self.per_page]) if in_range else []
        if not rows and number != 1:
            raise EmptyPage(_("That page contains no results"))
        self.__dict__["count"] = rows[0].list_total if rows else 0  # cached_property
        return self._get_page(rows, number, self)


class MessagingPagination(PageNumberPagination):
    """Pages of messages and blocks; a `page` not a whole number from 1 is 400."""

    django_paginator_class = CountedPaginator

    def get_page_number(self, request: Request, paginator: Any) -> int:
        raw = request.query_params.get(self.page_query_param)
        if raw is None:
            return 1
        if not (raw.isascii() and raw.isdigit() and int(raw) >= 1):
            raise ValidationError(
                {self.page_query_param: [_("A page is a whole number from 1.")]}
            )
        return int(raw)


class MessageViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Your messages: send one, list all of them, the ones you sent or received."""

    serializer_class = DirectMessageSerializer
    pagination_class = MessagingPagination
    filters = {
        "list": ("all", MessageListQuerySerializer),
        "sent": ("sent", SentMessageQuerySerializer),
        "received": ("received", ReceivedMessageQuerySerializer),
    }

    def get_queryset(self) -> QuerySet[Message]:
        if getattr(self, "swagger_fake_view", False):
            return Message.objects.none()
        folder, query_serializer = self.filters[self.action]
        return selectors.message_list_for_user(
            user=self.request.user,
            folder=folder,
            **query_params(self.request, query_serializer),
        )

    @swagger_auto_schema(query_serializer=MessageListQuerySerializer)
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """List the messages you sent and received, newest first.

        `with` keeps those exchanged with one member; `date` is a day in your own
        time zone.
        """
        return super().list(request, *args, **kwargs)

    @swagger_auto_schema(query_serializer=SentMessageQuerySerializer)
    def sent(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """List the messages you sent, newest first (filters: `receiver`, `date`)."""
        return super().list(request, *args, **kwargs)

    @swagger_auto_schema(query_serializer=ReceivedMessageQuerySerializer)
    def received(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """List the messages you received, newest first (filters: `sender`, `date`)."""
        return super().list(request, *args, **kwargs)

    @swagger_auto_schema(
        request_body=DirectMessageCreateSerializer,
        responses={201: DirectMessageSerializer, 403: BLOCKED_RESPONSE},
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Send a message to a member, by username (any case).

        A member who has blocked you refuses it: 403 `blocked`, and nothing is stored.
        """
        serializer = DirectMessageCreateSerializer(
            data=request.data, context={"user": request.user}
        )
        serializer.is_valid(raise_exception=True)
        message = services.message_send(
            sender=request.user, **serializer.validated_data
        )
        return Response(
            DirectMessageSerializer(message).data, status=status.HTTP_201_CREATED
        )


class BlockViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """The members you block: their messages to you are refused."""

    serializer_class = BlockSerializer
    pagination_class = MessagingPagination

    def get_queryset(self) -> QuerySet[Block]:
        if getattr(self, "swagger_fake_view", False):
            return Block.objects.none()
        return selectors.block_list_for_user(user_id=self.request.user.pk)

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """List the members you block, newest block first."""
        return super().list(request, *args, **kwargs)

    @swagger_auto_schema(
        request_body=BlockCreateSerializer,
        responses={201: BlockSerializer, 409: ALREADY_BLOCKED_RESPONSE},
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Block a member, by username (any case): their messages are refused."""
        serializer = BlockCreateSerializer(
            data=request.data, context={"user": request.user}
        )
        serializer.is_valid(raise_exception=True)
        block = services.block_create(
            blocker=request.user,
            blocked=serializer.validated_data["blocked"],
            session=request.auth,
            **request_origin(request)._asdict(),
        )
        return Response(BlockSerializer(block).data, status=status.HTTP_201_CREATED)

    @swagger_auto_schema(responses={204: "Unblocked."})
    def destroy(self, request: Request, username: str) -> Response:
        """Unblock a member, by username (any case); 404 if you do not block them."""
        blocked = None
        # A NUL byte would make PostgreSQL refuse the query: no username has one.
        if "\x00" not in username and len(username) <= USERNAME_MAX_LENGTH:
            blocked = user_get_by_username(username)
        removed = blocked is not None and services.block_remove(
            blocker=request.user,
            blocked=blocked,
            session=request.auth,
            **request_origin(request)._asdict(),
        )
        if not removed:
            raise NotFound(NOT_FOUND_DETAIL)
        return Response(status=status.HTTP_204_NO_CONTENT)
