"""The session policy seen through the login endpoints and forms:
MAX_SESSIONS_PER_USER, ON_LIMIT (end_oldest, refuse_new, force) and LIMIT_SCOPE,
across token and cookie logins."""

from datetime import timedelta

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from sessions_app.exceptions import SESSION_LIMIT_DETAIL, SUPERSEDED_DETAIL
from sessions_app.forms import SESSION_LIMIT_FORM_DETAIL
from sessions_app.models import BrowserSession, EndReason, UserSession
from sessions_app.tests.factories import start_session
from sessions_app.tests.helpers import (
    browser_login,
    ended_reason,
    live_sessions,
    move_back,
    set_policy,
)

pytestmark = pytest.mark.django_db


# MAX_SESSIONS_PER_USER and ON_LIMIT=end_oldest


def test_second_token_login_supersedes_the_first(make_user, token_client):
    user = make_user()
    first = token_client(user)
    second = token_client(user)

    old = first.get(reverse("accounts:user-list"))
    new = second.get(reverse("accounts:user-list"))

    assert old.status_code == 403
    assert old.json() == {
        "detail": str(SUPERSEDED_DETAIL),
        "code": "session_superseded",
    }
    assert new.status_code == 200
    assert ended_reason(first.session_id) == EndReason.SUPERSEDED


def test_second_cookie_login_supersedes_the_first_once_then_401(
    make_user, cookie_client
):
    user = make_user()
    first = cookie_client(user)
    second = cookie_client(user)

    old = first.get(reverse("legacy:user-list"))
    again = first.get(reverse("legacy:user-list"))

    assert old.status_code == 403
    assert old.json()["code"] == "session_superseded"
    assert again.status_code == 401
    assert second.get(reverse("legacy:user-list")).status_code == 200
    assert ended_reason(first.session_id) == EndReason.SUPERSEDED


def test_max_two_sessions_through_the_api(make_user, token_client, settings):
    set_policy(settings, MAX_SESSIONS_PER_USER=2)
    user = make_user()
    first, second, third = token_client(user), token_client(user), token_client(user)

    assert (
        first.get(reverse("accounts:user-list")).json()["code"] == "session_superseded"
    )
    assert second.get(reverse("accounts:user-list")).status_code == 200
    assert third.get(reverse("accounts:user-list")).status_code == 200


# ON_LIMIT=refuse_new


def test_refuse_new_api_login_is_409_and_the_first_session_keeps_working(
    make_user, token_client, api_client, settings
):
    set_policy(settings, ON_LIMIT="refuse_new")
    user = make_user()
    first = token_client(user)

    response = api_client.post(
        reverse("sessions:login"),
        {"username": user.username, "password": user.raw_password},
    )

    assert response.status_code == 409
    assert response.json() == {
        "detail": str(SESSION_LIMIT_DETAIL),
        "code": "session_limit_reached",
    }
    assert UserSession.objects.count() == 1
    assert first.get(reverse("accounts:user-list")).status_code == 200


def test_refuse_new_with_force_ends_the_others_and_lists_them(
    make_user, token_client, api_client, settings
):
    set_policy(settings, ON_LIMIT="refuse_new")
    user = make_user()
    first = token_client(user)

    response = api_client.post(
        reverse("sessions:login"),
        {"username": user.username, "password": user.raw_password, "force": True},
    )

    assert response.status_code == 200
    assert [s["id"] for s in response.json()["ended_sessions"]] == [first.session_id]
    assert ended_reason(first.session_id) == EndReason.SUPERSEDED
    assert (
        first.get(reverse("accounts:user-list")).json()["code"] == "session_superseded"
    )


def test_refuse_new_with_force_still_needs_the_password(
    make_user, token_client, api_client, settings
):
    set_policy(settings, ON_LIMIT="refuse_new")
    user = make_user()
    first = token_client(user)

    response = api_client.post(
        reverse("sessions:login"),
        {"username": user.username, "password": "wrong-password", "force": True},
    )

    assert response.status_code == 400
    assert response.json()["code"] == "invalid_credentials"
    assert UserSession.objects.get(pk=first.session_id).is_active


def test_refuse_new_does_not_count_expired_sessions(make_user, token_client, settings):
    set_policy(settings, ON_LIMIT="refuse_new")
    user = make_user()
    first = start_session(user).session
    move_back(first, refresh_expires_at=timedelta(days=15))  # never refreshed

    token_client(user)  # asserts 200

    assert ended_reason(first.pk) == EndReason.EXPIRED


@pytest.mark.parametrize("login_name", ["rest_framework:login", "admin:login"])
def test_refuse_new_login_form_shows_a_form_error_and_starts_nothing(
    make_user, token_client, settings, login_name
):
    set_policy(settings, ON_LIMIT="refuse_new")
    user = make_user(is_staff=True)
    token_client(user)
    client = APIClient()

    response = browser_login(client, user, login_name)

    assert response.status_code == 200
    assert str(SESSION_LIMIT_FORM_DETAIL) in response.content.decode()
    assert UserSession.objects.count() == 1
    assert BrowserSession.objects.count() == 0
    assert client.get(reverse("accounts:user-list")).status_code == 401


def test_refuse_new_lets_the_same_browser_log_in_again(make_user, settings):
    set_policy(settings, ON_LIMIT="refuse_new")
    user = make_user()
    client = APIClient()
    browser_login(client, user)
    [first] = live_sessions(user)

    response = browser_login(client, user)

    assert response.status_code == 302
    assert ended_reason(first.pk) == EndReason.SUPERSEDED
    assert len(live_sessions(user)) == 1


# LIMIT_SCOPE and mixed transports


def test_transport_scope_keeps_one_cookie_and_one_token_session(
    make_user, cookie_client, token_client, settings
):
    set_policy(settings, LIMIT_SCOPE="transport")
    user = make_user()
    browser = cookie_client(user)
    old_postman = token_client(user)

    postman = token_client(user)  # ends the older token session only

    assert browser.get(reverse("accounts:user-list")).status_code == 200
    assert postman.get(reverse("accounts:user-list")).status_code == 200
    assert old_postman.get(reverse("accounts:user-list")).status_code == 403
    assert sorted(s.transport for s in live_sessions(user)) == ["cookie", "token"]


def test_cookie_login_supersedes_a_token_session(
    make_user, cookie_client, token_client
):
    user = make_user()
    postman = token_client(user)

    browser = cookie_client(user)

    assert (
        postman.get(reverse("accounts:user-list")).json()["code"]
        == "session_superseded"
    )
    assert browser.get(reverse("accounts:user-list")).status_code == 200
    assert ended_reason(postman.session_id) == EndReason.SUPERSEDED


def test_token_login_supersedes_a_cookie_session(
    make_user, cookie_client, token_client
):
    user = make_user()
    browser = cookie_client(user)

    postman = token_client(user)

    refused = browser.get(reverse("accounts:user-list"))
    assert refused.status_code == 403
    assert refused.json()["code"] == "session_superseded"
    assert browser.get(reverse("accounts:user-list")).status_code == 401
    assert postman.get(reverse("accounts:user-list")).status_code == 200
    assert ended_reason(browser.session_id) == EndReason.SUPERSEDED
    assert BrowserSession.objects.count() == 0


def test_superseded_staff_cookie_no_longer_opens_the_admin(make_user, token_client):
    staff = make_user(is_staff=True)
    admin = APIClient()
    browser_login(admin, staff, "admin:login")
    assert admin.get(reverse("admin:index")).status_code == 200

    token_client(staff)
    response = admin.get(reverse("admin:index"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))
