"""A JSON parser that refuses deeply nested documents with a 400, never a 500."""
from typing import Any

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
        stack.extend((child, depth + 1) for child in children if isinstance(child, (dict, list)))
    return False


class BoundedJSONParser(JSONParser):
    """DRF's JSON parser, plus a nesting limit of `settings.MAX_JSON_DEPTH`."""

    def parse(self, stream, media_type=None, parser_context=None) -> Any:
        limit = settings.MAX_JSON_DEPTH
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError(f"JSON parse error - nested deeper than {limit} levels.") from None
        if isinstance(data, (dict, list)) and _nested_deeper_than(data, limit):
            raise ParseError(f"JSON parse error - nested deeper than {limit} levels.")
        return data
