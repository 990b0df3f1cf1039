"""A JSON parser that answers every malformed body with 400 `parse_error`, never a 500.

On top of DRF's parser it refuses nesting deeper than `settings.MAX_JSON_DEPTH`,
duplicate keys (two parsers could read them differently) and NaN/Infinity.
"""

import codecs
import json
from typing import IO, Any

from django.conf import settings
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser


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


class BoundedJSONParser(JSONParser):
    """DRF's JSON parser with a nesting limit and no duplicate keys."""

    def parse(
        self,
        stream: IO[bytes],
        media_type: str | None = None,
        parser_context: dict | None = None,
    ) -> Any:
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        limit = settings.MAX_JSON_DEPTH
        try:
            text = codecs.getreader(encoding)(stream).read()
            data = json.loads(
                text,
                object_pairs_hook=_object_without_duplicate_keys,
                parse_constant=_refuse_constant,
            )
        except RecursionError:
            raise ParseError(
                f"JSON parse error - nested deeper than {limit} levels."
            ) from None
        except ValueError as error:
            raise ParseError(f"JSON parse error - {error}") from None
        if isinstance(data, (dict, list)) and _nested_deeper_than(data, limit):
            raise ParseError(f"JSON parse error - nested deeper than {limit} levels.")
        return data
