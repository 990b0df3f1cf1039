"""Who is acting, for changes made through the admin.

Django builds the admin's forms and sends its model signals without the request, but
the events of a staff action must name the staff member (`detail.actor`), and a staff
member changing their own password keeps the session they do it from. The admin
views of `accounts` run inside `request_acting(request)`; receivers ask
`acting_staff()`.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.http import HttpRequest

from accounts.models import User

acting_request: ContextVar[HttpRequest | None] = ContextVar(
    "acting_request", default=None
)


@contextmanager
def request_acting(request: HttpRequest) -> Iterator[None]:
    """Make `request` the acting one for the code run inside."""
    token = acting_request.set(request)
    try:
        yield
    finally:
        acting_request.reset(token)


def acting_staff() -> User | None:
    """Return the staff member behind the change being made, if it is one."""
    user = getattr(acting_request.get(), "user", None)
    if user is not None and user.is_authenticated and user.is_staff:
        return user
    return None
