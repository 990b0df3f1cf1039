"""The abuse console: tripped sign-in limits listed, cleared with the actor named."""

import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse

from config.app_settings import DEFAULT_THROTTLE_RATES
from config.throttling import throttle_registry
from sessions_app.models import EventKind, SecurityEvent
from sessions_app.tests.helpers import make_session_manager

pytestmark = pytest.mark.django_db

WRONG = "not-the-password-at-all"
CONSOLE = "admin:sessions_app_abuse_console"


@pytest.fixture
def tripped(make_user, api_client, settings):
    """An account whose per-(account, IP) limit is tripped."""
    settings.THROTTLE_RATES = {
        **DEFAULT_THROTTLE_RATES,
        "login_failures_account_ip": "2/15min",
    }
    user = make_user(username="victim")
    for _ in range(2):
        api_client.post(
            reverse("sessions:login"), {"username": user.username, "password": WRONG}
        )
    return user


def admin_browser(user) -> Client:
    browser = Client()
    browser.post(
        reverse("admin:login"),
        {"username": user.username, "password": user.raw_password},
    )
    return browser


def test_the_console_lists_who_is_throttled(make_user, tripped):
    browser = admin_browser(make_session_manager(make_user(is_staff=True)))

    page = browser.get(reverse(CONSOLE))

    assert page.status_code == 200
    assert b"victim" in page.content
    assert b"Failed passwords per account and address" in page.content
    assert b'type="submit"' in page.content


def test_clearing_a_limit_lets_the_owner_in_and_names_the_actor(
    make_user, tripped, api_client
):
    manager = make_session_manager(make_user(is_staff=True))
    browser = admin_browser(manager)
    [limit] = throttle_registry.entries()

    response = browser.post(
        reverse(CONSOLE),
        {"scope": limit.scope, "ident": limit.ident, "key": limit.key},
    )
    login = api_client.post(
        reverse("sessions:login"),
        {"username": tripped.username, "password": tripped.raw_password},
    )

    assert response.status_code == 302
    assert throttle_registry.entries() == []
    assert login.status_code == 200
    event = SecurityEvent.objects.get(user=tripped, kind=EventKind.THROTTLE_CLEARED)
    assert event.detail["actor"]["username"] == manager.username
    assert event.detail["scope"] == "login_failures_account_ip"


def test_staff_who_may_only_view_cannot_clear(make_user, tripped):
    viewer = make_user(is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_usersession"))
    browser = admin_browser(viewer)
    [limit] = throttle_registry.entries()

    page = browser.get(reverse(CONSOLE))
    refused = browser.post(
        reverse(CONSOLE),
        {"scope": limit.scope, "ident": limit.ident, "key": limit.key},
    )

    assert page.status_code == 200
    assert b'type="submit" class="button">Clear' not in page.content
    assert refused.status_code == 403
    assert len(throttle_registry.entries()) == 1


def test_staff_without_session_permissions_cannot_open_it(make_user):
    browser = admin_browser(make_user(is_staff=True))

    assert browser.get(reverse(CONSOLE)).status_code == 403


def test_the_sessions_list_links_to_the_console(make_user):
    browser = admin_browser(make_user(is_staff=True, is_superuser=True))

    page = browser.get(reverse("admin:sessions_app_usersession_changelist"))

    assert reverse(CONSOLE).encode() in page.content
