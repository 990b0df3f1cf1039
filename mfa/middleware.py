"""The staff policy of two factors in the admin, where no DRF permission runs."""

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from config.app_settings import policy
from mfa import selectors

# Until the browser pages have an enrolment page of their own, Swagger UI is where a
# signed-in browser can set an authenticator app up (auth/mfa/totp/setup/, confirm/).
ENROLMENT_URL_NAME = "schema-swagger-ui"


class StaffSecondFactorMiddleware:
    """With `MFA_REQUIRED_FOR_STAFF`, send a staff browser whose session passed no
    second factor from the admin to enrolment (API staff routes answer 403)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view: Callable, args: Any, kwargs: Any
    ) -> HttpResponse | None:
        if not policy.MFA_REQUIRED_FOR_STAFF:
            return None
        match = request.resolver_match
        if match is None or "admin" not in match.namespaces:
            return None
        if match.url_name in {"login", "logout", "jsi18n"}:
            return None
        user = request.user
        if not (user.is_authenticated and user.is_staff):
            return None
        session = getattr(request, "user_session", None)
        if selectors.session_passed_second_factor(session):
            return None
        return redirect(ENROLMENT_URL_NAME)
