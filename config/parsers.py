"""What a request body may be: UTF-8 JSON or forms, parsed without ever answering 500.

Bodies are UTF-8 only. A `charset` other than UTF-8 or any `Content-Encoding` but
`identity` is 415 `unsupported_media_type` before a byte is read, and parsing never uses
a codec named by the request: Python's codec registry also holds bz2, zlib and rot13, so
`charset=bz2` once decompressed a 784-byte body to 1 GB inside the JSON parser.

On top of DRF's JSON parser, `BoundedJSONParser` refuses nesting deeper than
`settings.MAX_JSON_DEPTH`, duplicate keys (two parsers could read them differently) and
NaN/Infinity.
"""

import json
from collections.abc import Callable, Iterable
from email.message import Message
from typing import IO, Any

from django.conf import settings
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _
from rest_framework import parsers
from rest_framework.exceptions import ParseError, UnsupportedMediaType

from config.errors import error_response

UTF8_ONLY_DETAIL = _(
    "Request bodies must be UTF-8: send charset=utf-8 or no charset, "
    "and no Content-Encoding."
)

WSGIApplication = Callable[[dict, Callable], Iterable[bytes]]


def body_is_plain_utf8(*, content_type: str, content_encoding: str) -> bool:
    """Say whether a body so labelled is plain UTF-8; look up no codec to decide."""
    if content_encoding.strip().lower() not in {"", "identity"}:
        return False
    header = Message()  # the parameter syntax Django's own parsing uses
    header["Content-Type"] = content_type
    for name, value in header.get_params(failobj=[])[1:]:
        # An RFC 2231 value (`name*=charset''...`) names a codec for itself: Django
        # looks it up while building the request (an unknown one raises there).
        if not isinstance(value, str):
            return False
        if name.lower() == "charset" and value.lower() != "utf-8":
            return False
    return True


def utf8_parser_context(media_type: str | None, parser_context: dict | None) -> dict:
    """Refuse a body that is not plain UTF-8; return a context that decodes as UTF-8.

    DRF puts `request.encoding` in the context, which Django takes from the header's
    charset; the parsers below never see that value.
    """
    context = dict(parser_context or {})
    request = context.get("request")
    content_encoding = (
        request.META.get("HTTP_CONTENT_ENCODING", "") if request is not None else ""
    )
    if not body_is_plain_utf8(
        content_type=media_type or "", content_encoding=content_encoding
    ):
        raise UnsupportedMediaType(media_type, detail=UTF8_ONLY_DETAIL)
    context["encoding"] = "utf-8"
    return context


def utf8_bodies_only(application: WSGIApplication) -> WSGIApplication:
    """Answer 415 to a request labelled anything but UTF-8 before Django builds it.

    Building a request, Django looks the header's charset up and decodes the query
    string with it, before any middleware runs: `?a=1` with `charset=bz2` is a 500
    there that no view or middleware can catch.
    """

    def guarded(environ: dict, start_response: Callable) -> Iterable[bytes]:
        if body_is_plain_utf8(
            content_type=environ.get("CONTENT_TYPE", ""),
            content_encoding=environ.get("HTTP_CONTENT_ENCODING", ""),
        ):
            return application(environ, start_response)
        response = error_response(415, UTF8_ONLY_DETAIL, "unsupported_media_type")
        start_response(f"415 {response.reason_phrase}", list(response.items()))
        return [response.content]

    return guarded


def _nested_deeper_than(value: Any, limit: int) -> bool:
    stack = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        children = node.values() if isinstance(node, dict) else node
        if depth > limit:
            return True
        stack.extend(
            (child, depth + 1) for child in children if isinstance(child, (dict, list))
        )
    return False


def _object_without_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict:
    result = {}
    for key, value in pairs:
        if key in result:
            raise ValueError(f"duplicate key {key[:40]!r}")
        result[key] = value
    return result


def _refuse_constant(name: str) -> None:
    raise ValueError(f"{name} is not valid JSON")


class BoundedJSONParser(parsers.JSONParser):
    """DRF's JSON parser for UTF-8 only, with a nesting limit and no duplicate keys."""

    def parse(
        self,
        stream: IO[bytes],
        media_type: str | None = None,
        parser_context: dict | None = None,
    ) -> Any:
        utf8_parser_context(media_type, parser_context)
        limit = settings.MAX_JSON_DEPTH
        try:
            data = json.loads(
                stream.read().decode("utf-8"),
                object_pairs_hook=_object_without_duplicate_keys,
                parse_constant=_refuse_constant,
            )
        except RecursionError:
            raise ParseError(
                f"JSON parse error - nested deeper than {limit} levels."
            ) from None
        except ValueError as error:  # UnicodeDecodeError too
            raise ParseError(f"JSON parse error - {error}") from None
        if isinstance(data, (dict, list)) and _nested_deeper_than(data, limit):
            raise ParseError(f"JSON parse error - nested deeper than {limit} levels.")
        return data


class Utf8FormParser(parsers.FormParser):
    """DRF's URL-encoded form parser, for UTF-8 bodies only."""

    def parse(
        self,
        stream: IO[bytes],
        media_type: str | None = None,
        parser_context: dict | None = None,
    ) -> QueryDict:
        context = utf8_parser_context(media_type, parser_context)
        return super().parse(stream, media_type, context)


class Utf8MultiPartParser(parsers.MultiPartParser):
    """DRF's multipart parser, for UTF-8 bodies only."""

    def parse(
        self,
        stream: IO[bytes],
        media_type: str | None = None,
        parser_context: dict | None = None,
    ) -> parsers.DataAndFiles:
        context = utf8_parser_context(media_type, parser_context)
        return super().parse(stream, media_type, context)
