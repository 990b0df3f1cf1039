"""The URLs nginx sends to the sign-in pool: every view that hashes or checks a secret.

A password (Argon2, about 0.2 s of CPU each) or a two-factor code. Those views run on
a gunicorn pool of their own at a lower CPU priority, so a login storm waits in its own
queue instead of starving the API. SIGNIN_URL_NAMES is the one list; the nginx
`location` blocks are generated from it (`nginx_locations`), and
config/tests/test_signin_routes.py walks every URL pattern to check that no view that
checks a password or a code is missing from it.
"""

import re
from collections.abc import Iterator
from typing import Any, NamedTuple

SIGNIN_URL_NAMES = (
    # The API: token and SPA logins, their second step, sign-up, password changes.
    "sessions:login",
    "sessions:register",
    "sessions:token-refresh",
    "sessions:browser-login",
    "sessions:password-change",
    "sessions:password-reset-confirm",
    "sessions:reauthenticate",
    "accounts:signup",
    "mfa:login",
    "mfa:browser-login",
    "mfa:totp-confirm",
    # The original projects' routes (/api/auth/*, /users/signup/).
    "legacy:login",
    "legacy:register",
    "legacy:signup",
    # Pages: the browsable API's and the admin's login forms and code pages, sign-up,
    # step-up, password change and reset, the two-factor setup page.
    "rest_framework:login",
    "rest_framework:login-code",
    "admin-login:login",
    "admin-login:code",
    "admin:password_change",
    "admin:auth_user_password_change",
    "account:confirm-password",
    "account:password-change",
    "account:password-reset",
    "account:sign-up",
    "account:two-factor",
)


class Route(NamedTuple):
    name: str | None  # namespaced, "sessions:login"; None for an unnamed pattern
    regex: str  # the whole path, "^/api/v1/auth/login/$"
    callback: Any


def _regex_part(pattern: Any) -> str:
    return pattern.regex.pattern.removeprefix("^")


def route_walk(resolver: Any = None, prefix: str = "", namespace: str = "") -> Iterator:
    """Yield every URL pattern of the project as a Route (Django must be set up)."""
    from django.urls import URLResolver, get_resolver

    resolver = resolver or get_resolver()
    for pattern in resolver.url_patterns:
        part = prefix + _regex_part(pattern.pattern)
        if isinstance(pattern, URLResolver):
            inner = ":".join(filter(None, (namespace, pattern.namespace)))
            yield from route_walk(pattern, part, inner)
            continue
        name = pattern.name
        if name and namespace:
            name = f"{namespace}:{name}"
        body = re.sub(r"(\\Z|\$)$", "", part)
        yield Route(name=name, regex=f"^/{body}$", callback=pattern.callback)


def signin_routes() -> list[Route]:
    """Return the routes of SIGNIN_URL_NAMES; raise if a name matches no pattern."""
    wanted = set(SIGNIN_URL_NAMES)
    routes = [route for route in route_walk() if route.name in wanted]
    missing = wanted - {route.name for route in routes}
    if missing:
        raise LookupError(f"no URL pattern is called {sorted(missing)}")
    return routes


def nginx_location(regex: str) -> str:
    """The nginx location that matches what `regex` matches (an exact one if it can)."""
    body = regex.removeprefix("^").removesuffix("$")
    literal = re.sub(r"\\(.)", r"\1", body)
    if re.escape(literal) == body:
        return f"location = {literal}"
    # Named groups would become nginx variables ($token, $pk): plain groups do.
    pcre = re.sub(r"\(\?P<\w+>", "(?:", regex)
    return f'location ~ "{pcre}"'


def nginx_locations() -> list[str]:
    """Return the sign-in pool's nginx locations, one per distinct path, in order."""
    seen: dict[str, None] = {}
    for route in signin_routes():
        seen.setdefault(nginx_location(route.regex))
    return list(seen)


def routes_to_signin(regex: str) -> bool:
    """Tell whether the generated locations send the paths of `regex` to sign-in."""
    return nginx_location(regex) in nginx_locations()
