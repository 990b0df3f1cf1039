"""Field validators for accounts."""

import functools
import zoneinfo

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


@functools.cache
def _time_zone_names() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def validate_time_zone(value: str) -> None:
    """Accept only IANA time-zone names such as `Asia/Kolkata` or `UTC`."""
    if value not in _time_zone_names():
        raise ValidationError(
            _("%(value)s is not an IANA time zone such as Asia/Kolkata."),
            code="invalid_time_zone",
            params={"value": value},
        )
