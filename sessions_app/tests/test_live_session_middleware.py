"""LiveSessionMiddleware: the one place deciding whether a cookie session may act."""

import ast
from datetime import timedelta
from pathlib import Path

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from sessions_app.models import EndReason, EventKind, SecurityEvent
from sessions_app.tests.helpers import browser_login, live_sessions, move_back

pytestmark = pytest.mark.django_db

APP = Path(__file__).resolve().parents[1]


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
    return names


def test_session_store_only_persists():
    imports = imported_modules(APP / "session_store.py")

    assert not {name for name in imports if name.startswith("sessions_app.services")}
    assert not {name for name in imports if name.startswith("sessions_app.selectors")}
    assert "sessions_app.crypto.digest" in imports


def test_a_cookie_api_request_costs_one_query(make_user, django_assert_num_queries):
    client = APIClient()
    browser_login(client, make_user())
    client.get(reverse("sessions:me"))  # the first request may write last_activity

    with django_assert_num_queries(1):
        response = client.get(reverse("sessions:me"))

    assert response.status_code == 200


def test_a_request_without_cookie_or_token_costs_no_query(django_assert_num_queries):
    with django_assert_num_queries(0):
        response = APIClient().get(reverse("sessions:me"))

    assert response.status_code == 401


def test_an_idle_browser_session_ends_once_and_the_admin_sees_anonymous(make_user):
    staff = make_user(is_staff=True)
    admin = APIClient()
    browser_login(admin, staff, "admin:login")
    [session] = live_sessions(staff)
    move_back(session, last_activity=timedelta(hours=1))

    response = admin.get(reverse("admin:index"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))
    session.refresh_from_db()
    assert session.end_reason == EndReason.EXPIRED
    assert SecurityEvent.objects.filter(kind=EventKind.SESSION_EXPIRED).count() == 1


def test_the_api_explains_the_ended_browser_session_the_middleware_found(make_user):
    user = make_user()
    client = APIClient()
    browser_login(client, user)
    [session] = live_sessions(user)
    move_back(session, last_activity=timedelta(hours=1))

    response = client.get(reverse("sessions:me"))

    assert response.status_code == 403
    assert response.json()["code"] == "session_expired"
    assert client.get(reverse("sessions:me")).status_code == 401  # cookie cleared


def test_another_users_login_in_the_same_browser_ends_the_first_as_logout(make_user):
    first_user, second_user = make_user(), make_user(is_staff=True)
    client = APIClient()
    browser_login(client, first_user)
    [first] = live_sessions(first_user)

    browser_login(client, second_user, "admin:login")

    first.refresh_from_db()
    assert first.end_reason == EndReason.LOGOUT
    assert [s.user_id for s in live_sessions(second_user)] == [second_user.pk]
