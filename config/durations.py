"""Ages written on a command line: "90d", "12h", "30m"."""

import re
from datetime import timedelta

AGE = re.compile(r"^(\d+)([dhm])$")
UNITS = {"d": "days", "h": "hours", "m": "minutes"}


def parse_age(raw: str) -> timedelta:
    """Turn "90d", "12h" or "30m" into a timedelta; ValueError for anything else."""
    match = AGE.match(raw.strip())
    if not match:
        raise ValueError(f"an age such as 90d, 12h or 30m, not {raw!r}")
    return timedelta(**{UNITS[match.group(2)]: int(match.group(1))})
