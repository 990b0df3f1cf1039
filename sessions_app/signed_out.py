"""Telling a person in a browser why they were signed out, once, on the login page.

An HTML request (one whose negotiated answer is `text/html`: the browsable API, the
admin, our pages) that carries an ended session's cookie is sent to the matching login
page; a JSON request keeps its 403 and code. The reason travels in a signed cookie that
lives a few minutes and is dropped by the first login page that shows it, so only the
browser whose session ended reads it, and only once.
"""

from typing import NamedTuple
from urllib.parse import urlencode

from django.conf import settings
from django.core import signing
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import NotAcceptable
from rest_framework.request import Request
from rest_framework.settings import api_settings

from sessions_app.models import EndReason, UserSession

NOTICE_COOKIE = "signed_out"
NOTICE_MAX_AGE = 300  # seconds: the redirect is followed at once
NOTICE_SALT = "sessions_app.signed_out"

# end reason -> what the login page says (the API's sentences are for programs' users)
SIGNED_OUT_SENTENCES = {
    EndReason.SUPERSEDED: _(
        "You were signed out because your account signed in on another device."
    ),
    EndReason.TERMINATED: _("You were signed out from another of your devices."),
    EndReason.TERMINATED_BY_STAFF: _(
        "You were signed out because an administrator ended your session."
    ),
    EndReason.EXPIRED: _(
        "You were signed out because your session expired. Please sign in again."
    ),
    EndReason.LOGOUT: _("You have been signed out."),
    EndReason.PASSWORD_CHANGED: _(
        "You were signed out because your password was changed."
    ),
    EndReason.USER_DEACTIVATED: _(
        "You were signed out because your account has been disabled."
    ),
    EndReason.TOKEN_REUSED: _(
        "You were signed out because an old sign-in token was used again."
    ),
}
SUPERSEDED_BY_SENTENCE = _(
    "You were signed out because your account signed in on another device (%(by)s)."
)
SIGNED_OUT_SENTENCE = _("You were signed out. Please sign in again.")


class Notice(NamedTuple):
    reason: str
    by: str = ""  # the device and place of the sign-in that superseded the session

    def sentence(self) -> str:
        if self.reason == EndReason.SUPERSEDED and self.by:
            return str(SUPERSEDED_BY_SENTENCE % {"by": self.by})
        return str(SIGNED_OUT_SENTENCES.get(self.reason, SIGNED_OUT_SENTENCE))


def wants_html(request: HttpRequest) -> bool:
    """Tell whether DRF's content negotiation would answer this request in HTML."""
    negotiation = api_settings.DEFAULT_CONTENT_NEGOTIATION_CLASS()
    renderers = [renderer() for renderer in api_settings.DEFAULT_RENDERER_CLASSES]
    try:
        renderer, _media_type = negotiation.select_renderer(Request(request), renderers)
    except NotAcceptable:
        return False
    return renderer.media_type == "text/html"


def login_url_for(path: str) -> str:
    """Return the login page that matches a path: the admin's under /admin/."""
    if path.startswith(reverse("admin:index")):
        return reverse("admin:login")
    return reverse("rest_framework:login")


def notice_for(session: UserSession) -> Notice:
    """Say why a session ended, naming the sign-in that superseded it if any."""
    if session.end_reason != EndReason.SUPERSEDED or session.ended_at is None:
        return Notice(reason=session.end_reason)
    # session_start ends the older sessions at the very time the new one starts.
    newer = (
        UserSession.objects.filter(user_id=session.user_id, created_at=session.ended_at)
        .exclude(pk=session.pk)
        .values("device_name", "location")
        .first()
    )
    if newer is None:
        return Notice(reason=session.end_reason)
    by = ", ".join(part for part in (newer["device_name"], newer["location"]) if part)
    return Notice(reason=session.end_reason, by=by)


def notice_set(response: HttpResponse, notice: Notice) -> None:
    """Give the browser the notice for its next login page (signed, short-lived)."""
    response.set_cookie(
        NOTICE_COOKIE,
        signing.dumps(list(notice), salt=NOTICE_SALT, compress=True),
        max_age=NOTICE_MAX_AGE,
        httponly=True,
        secure=settings.SESSION_COOKIE_SECURE,
        samesite="Lax",
    )


def notice_read(request: HttpRequest) -> Notice | None:
    """Return the notice this browser carries (or the middleware found), if valid."""
    found = getattr(request, "signed_out_notice", None)
    if found is not None:
        return found
    raw = request.COOKIES.get(NOTICE_COOKIE)
    if not raw:
        return None
    try:
        reason, by = signing.loads(raw, salt=NOTICE_SALT, max_age=NOTICE_MAX_AGE)
    except (signing.BadSignature, TypeError, ValueError):
        return None
    return Notice(reason=str(reason), by=str(by))


def notice_forget(request: HttpRequest, response: HttpResponse) -> None:
    """Drop the notice once a page has shown it."""
    if NOTICE_COOKIE in request.COOKIES:
        response.delete_cookie(NOTICE_COOKIE, samesite="Lax")


def signed_out_redirect(
    request: HttpRequest, session: UserSession
) -> HttpResponse | None:
    """Send an HTML request of an ended session to its login page, with the reason.

    A login page itself is not redirected: it shows the reason at once. None means
    "go on with the request".
    """
    if not wants_html(request):
        return None
    notice = notice_for(session)
    login_url = login_url_for(request.path)
    if request.path.startswith(login_url):
        request.signed_out_notice = notice
        return None
    query = ""
    if request.method in ("GET", "HEAD"):
        query = "?" + urlencode({"next": request.get_full_path()})
    response = HttpResponseRedirect(login_url + query)
    notice_set(response, notice)
    return response
