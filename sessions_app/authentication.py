"""Authentication classes for the API."""
from rest_framework.authentication import SessionAuthentication
from rest_framework.request import Request


class CookieSessionAuthentication(SessionAuthentication):
    """Django's cookie session, answering 401 with `WWW-Authenticate: Token`."""

    def authenticate_header(self, request: Request) -> str:
        return "Token"
