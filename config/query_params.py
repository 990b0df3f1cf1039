"""One rule for the query strings of every list (and every view with options)."""

from rest_framework.request import Request
from rest_framework.serializers import Serializer


def query_params(request: Request, serializer_class: type[Serializer]) -> dict:
    """Validate the query string with a serializer: a bad value is 400 with `fields`.

    `page` and `page_size` are the paginator's: a bad page is 404, a page size caps.
    """
    serializer = serializer_class(data=request.query_params)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data
