"""Changing one's password through the API and the admin: the other sessions end, the
current one keeps working (a cookie under a new key)."""

import pytest
from django.urls import reverse
from rest_framework.response import Response
from rest_framework.test import APIClient

from sessions_app.crypto import digest
from sessions_app.models import EndReason, EventKind, SecurityEvent, UserSession
from sessions_app.tests.helpers import (
    STRONG_PASSWORD,
    browser_login,
    cookie_key,
    ended_reason,
    live_sessions,
    resend_cookie,
    set_policy,
)

pytestmark = pytest.mark.django_db


def change_password(
    client: APIClient, current: str, new: str = STRONG_PASSWORD
) -> Response:
    return client.post(
        reverse("sessions:password-change"),
        {"current_password": current, "new_password": new},
    )


def test_password_change_by_token_ends_the_other_sessions(
    make_user, token_client, cookie_client, api_client, settings
):
    set_policy(settings, MAX_SESSIONS_PER_USER=3)
    user = make_user()
    browser, other_token, current = (
        cookie_client(user),
        token_client(user),
        token_client(user),
    )

    response = change_password(current, user.raw_password)

    assert response.status_code == 200
    assert response.json() == {"ended_count": 2}
    for client in (browser, other_token):
        refused = client.get(reverse("accounts:user-list"))
        assert refused.status_code == 403
        assert refused.json()["code"] == "session_password_changed"
        assert ended_reason(client.session_id) == EndReason.PASSWORD_CHANGED
    assert current.get(reverse("accounts:user-list")).status_code == 200
    assert [str(s.pk) for s in live_sessions(user)] == [current.session_id]
    user.refresh_from_db()
    assert user.check_password(STRONG_PASSWORD)


def test_password_change_by_cookie_keeps_it_working_under_a_new_key(
    make_user, token_client, cookie_client, settings
):
    set_policy(settings, MAX_SESSIONS_PER_USER=2)
    user = make_user()
    postman, browser = token_client(user), cookie_client(user)
    old_key = cookie_key(browser)

    response = change_password(browser, user.raw_password)

    assert response.status_code == 200
    assert response.json() == {"ended_count": 1}
    new_key = cookie_key(browser)
    assert new_key and new_key != old_key
    assert browser.get(reverse("accounts:user-list")).status_code == 200
    session = UserSession.objects.get(pk=browser.session_id)
    assert session.is_active
    assert session.session_key_digest == digest(new_key)
    assert postman.get(reverse("accounts:user-list")).json()["code"] == (
        "session_password_changed"
    )
    stolen = APIClient()
    resend_cookie(stolen, old_key)
    assert stolen.get(reverse("accounts:user-list")).status_code == 401


def test_password_change_alone_ends_nothing(make_user, token_client):
    user = make_user()
    client = token_client(user)

    response = change_password(client, user.raw_password)

    assert response.json() == {"ended_count": 0}
    assert client.get(reverse("accounts:user-list")).status_code == 200


@pytest.mark.parametrize(
    ("current", "new", "field"),
    [
        ("wrong-current-password", STRONG_PASSWORD, "current_password"),
        (None, "short", "new_password"),
        (None, "123456789012", "new_password"),
    ],
)
def test_invalid_password_change_is_400_and_ends_nothing(
    make_user, token_client, settings, current, new, field
):
    set_policy(settings, MAX_SESSIONS_PER_USER=2)
    user = make_user()
    other, client = token_client(user), token_client(user)

    response = change_password(client, current or user.raw_password, new)

    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert set(response.json()["fields"]) == {field}
    user.refresh_from_db()
    assert user.check_password(user.raw_password)
    assert other.get(reverse("accounts:user-list")).status_code == 200


def test_password_change_without_credentials_is_401(api_client):
    response = change_password(api_client, "whatever-password")

    assert response.status_code == 401


def test_password_change_in_the_admin_ends_the_users_other_sessions(
    make_user, token_client, settings
):
    set_policy(settings, MAX_SESSIONS_PER_USER=2)
    staff = make_user(is_staff=True)
    postman = token_client(staff)
    admin = APIClient()
    browser_login(admin, staff, "admin:login")

    response = admin.post(
        reverse("admin:password_change"),
        {
            "old_password": staff.raw_password,
            "new_password1": STRONG_PASSWORD,
            "new_password2": STRONG_PASSWORD,
        },
        format="multipart",
    )

    assert response.status_code == 302
    assert postman.get(reverse("accounts:user-list")).status_code == 403
    assert ended_reason(postman.session_id) == EndReason.PASSWORD_CHANGED


def test_admin_changing_their_own_password_stays_signed_in(
    make_user, token_client, settings
):
    set_policy(settings, MAX_SESSIONS_PER_USER=2)
    staff = make_user(is_staff=True)
    postman = token_client(staff)
    admin = APIClient()
    browser_login(admin, staff, "admin:login")
    [admin_session] = [
        s for s in live_sessions(staff) if str(s.pk) != postman.session_id
    ]

    admin.post(
        reverse("admin:password_change"),
        {
            "old_password": staff.raw_password,
            "new_password1": STRONG_PASSWORD,
            "new_password2": STRONG_PASSWORD,
        },
        format="multipart",
    )

    assert admin.get(reverse("admin:index")).status_code == 200
    admin_session.refresh_from_db()
    assert admin_session.is_active
    assert admin_session.session_key_digest == digest(cookie_key(admin))
    event = SecurityEvent.objects.get(user=staff, kind=EventKind.PASSWORD_CHANGED)
    assert event.session_id == admin_session.pk


def test_admin_setting_a_users_password_ends_their_sessions_naming_the_actor(
    make_user, token_client
):
    staff, member = make_user(is_staff=True, is_superuser=True), make_user()
    member_phone = token_client(member)
    admin = APIClient()
    browser_login(admin, staff, "admin:login")

    response = admin.post(
        reverse("admin:auth_user_password_change", args=[member.pk]),
        {
            "password1": STRONG_PASSWORD,
            "password2": STRONG_PASSWORD,
            "set_usable_password": "true",
        },
        format="multipart",
    )

    assert response.status_code == 302
    assert admin.get(reverse("admin:index")).status_code == 200
    assert ended_reason(member_phone.session_id) == EndReason.PASSWORD_CHANGED
    event = SecurityEvent.objects.get(user=member, kind=EventKind.PASSWORD_CHANGED)
    assert event.detail["actor"] == {"id": str(staff.pk), "username": staff.username}
