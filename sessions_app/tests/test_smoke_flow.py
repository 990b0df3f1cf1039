import pytest
from django.urls import reverse

from sessions_app.exceptions import SUPERSEDED_DETAIL
from sessions_app.models import UserSession

pytestmark = pytest.mark.django_db


def test_second_token_login_supersedes_first(make_user, token_client):
    user = make_user()
    first = token_client(user)
    second = token_client(user)

    old = first.get(reverse("accounts:user-list"))
    new = second.get(reverse("accounts:user-list"))

    assert old.status_code == 403
    assert old.json() == {"detail": str(SUPERSEDED_DETAIL), "code": "session_superseded"}
    assert new.status_code == 200
    assert UserSession.objects.get(pk=first.session_id).end_reason == "superseded"


def test_second_cookie_login_supersedes_first_once_then_401(make_user, cookie_client):
    user = make_user()
    first = cookie_client(user)
    second = cookie_client(user)

    old = first.get(reverse("legacy:user-list"))
    again = first.get(reverse("legacy:user-list"))

    assert old.status_code == 403
    assert old.json()["code"] == "session_superseded"
    assert again.status_code == 401
    assert second.get(reverse("legacy:user-list")).status_code == 200
