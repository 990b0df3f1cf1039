"""Where a login came from: client IP, device from the user agent, place from the IP."""

import functools
import ipaddress
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, NamedTuple

from django.http import HttpRequest
from rest_framework.throttling import BaseThrottle
from user_agents import parse as parse_user_agent

if TYPE_CHECKING:
    from geoip2fast import GeoIP2Fast

USER_AGENT_MAX_LENGTH = 512


@dataclass(frozen=True)
class Device:
    browser: str
    os: str
    device_type: str
    device_name: str


def client_ip(request: HttpRequest) -> str | None:
    """Return the client IP: REMOTE_ADDR, or the address `NUM_PROXIES` proxies saw.

    The same rule as the throttles' (DRF's `get_ident`), so both name one client.
    """
    return _valid_ip(BaseThrottle().get_ident(request))


class RequestOrigin(NamedTuple):
    ip_address: str | None
    user_agent: str


def request_origin(request: HttpRequest | None) -> RequestOrigin:
    """Return where a request came from: client IP and user agent (none without one)."""
    if request is None:
        return RequestOrigin(ip_address=None, user_agent="")
    return RequestOrigin(
        ip_address=client_ip(request),
        user_agent=request.META.get("HTTP_USER_AGENT", ""),
    )


def _valid_ip(value: str | None) -> str | None:
    try:
        return str(ipaddress.ip_address((value or "").strip()))
    except ValueError:
        return None


# Command-line tools and HTTP libraries, by their product token (lower case), with the
# name a person recognises in a device list. ua-parser calls some of them a phone
# (HTTPie) or a spider (Python-urllib); they are people's own clients, so `other`.
HTTP_CLIENTS = {
    "curl": "curl",
    "wget": "Wget",
    "httpie": "HTTPie",
    "python-requests": "Python Requests",
    "python-urllib": "Python urllib",
    "postmanruntime": "Postman",
    "insomnia": "Insomnia",
    "go-http-client": "Go HTTP client",
    "okhttp": "OkHttp",
}


def _product_token(user_agent: str) -> str:
    match = re.match(r"\s*([A-Za-z][\w.\-]{0,40})/", user_agent)
    return match.group(1) if match else ""


@functools.lru_cache(maxsize=1024)
def describe_device(user_agent: str) -> Device:
    """Parse a user agent into browser, OS, device type and "Chrome on Windows"."""
    user_agent = user_agent[:USER_AGENT_MAX_LENGTH]
    client = HTTP_CLIENTS.get(_product_token(user_agent).lower())
    if client is not None:
        return Device(browser=client, os="", device_type="other", device_name=client)
    parsed = parse_user_agent(user_agent)
    browser = parsed.browser.family if parsed.browser.family != "Other" else ""
    browser = browser or _product_token(user_agent) or "Unknown client"
    os_name = parsed.os.family if parsed.os.family != "Other" else ""
    if parsed.is_bot:
        device_type = "bot"
    elif parsed.is_tablet:
        device_type = "tablet"
    elif parsed.is_mobile:
        device_type = "mobile"
    elif parsed.is_pc:
        device_type = "desktop"
    else:
        device_type = "other"
    device_name = f"{browser} on {os_name}" if os_name else browser
    return Device(
        browser=browser[:64],
        os=os_name[:64],
        device_type=device_type,
        device_name=device_name[:140],
    )


@functools.cache
def _geoip() -> "GeoIP2Fast":
    from geoip2fast import GeoIP2Fast

    return GeoIP2Fast(geoip2fast_data_file="geoip2fast-ipv6.dat.gz", verbose=False)


def locate(ip: str | None) -> str:
    """Name where an IP is: "Localhost", "Local network", a country, or "Unknown"."""
    try:
        address = ipaddress.ip_address(ip or "")
    except ValueError:
        return "Unknown"
    if address.is_loopback:
        return "Localhost"
    if address.is_private or address.is_link_local:
        return "Local network"
    if not address.is_global:
        return "Unknown"
    result = _geoip().lookup(str(address))
    if not result.country_code or result.country_code == "--":
        return "Unknown"
    return result.country_name[:64]
