"""Browser sign-in with two factors: the browsable API's and the admin's code pages."""

import pytest
from django.conf import settings
from django.urls import reverse
from rest_framework.test import APIClient

from mfa.models import VerifiedSession
from mfa.tests.factories import enable_totp, totp_code
from sessions_app.models import EventKind, LoginMethod, SecurityEvent, UserSession
from sessions_app.session_store import USER_SESSION_KEY
from sessions_app.tests.helpers import browser_login, live_sessions

pytestmark = pytest.mark.django_db

PAGES = [
    ("rest_framework:login", "rest_framework:login-code", LoginMethod.PASSWORD_BROWSER),
    ("admin:login", "admin-login:code", LoginMethod.ADMIN),
]


@pytest.fixture
def staff_with_totp(make_user):
    user = make_user(is_staff=True)
    user.totp = enable_totp(user)
    return user


def send_code(client: APIClient, url_name: str, code: str):
    return client.post(reverse(url_name), {"code": code}, format="multipart")


@pytest.mark.parametrize(("login", "code_page", "method"), PAGES)
def test_right_password_leads_to_the_code_page_and_starts_no_session(
    staff_with_totp, login, code_page, method
):
    client = APIClient()

    response = browser_login(client, staff_with_totp, login)

    assert response.status_code == 302
    assert response["Location"] == reverse(code_page)
    assert not UserSession.objects.filter(user=staff_with_totp).exists()
    assert USER_SESSION_KEY not in client.session
    page = client.get(reverse(code_page))
    assert page.status_code == 200
    assert b'name="code"' in page.content
    assert client.get(reverse("sessions:me")).status_code in (401, 403)


@pytest.mark.parametrize(("login", "code_page", "method"), PAGES)
def test_right_code_signs_the_browser_in(staff_with_totp, login, code_page, method):
    client = APIClient()
    browser_login(client, staff_with_totp, login, next="/api/v1/users/")

    response = send_code(client, code_page, totp_code(staff_with_totp.totp.secret))

    assert response.status_code == 302
    assert response["Location"] == "/api/v1/users/"
    [session] = live_sessions(staff_with_totp)
    assert session.transport == "cookie" and session.login_method == method
    assert VerifiedSession.objects.filter(session=session).exists()
    assert client.get(reverse("sessions:me")).json()["session"]["id"] == str(session.pk)


def test_admin_code_page_lands_on_the_admin_index(staff_with_totp):
    client = APIClient()
    browser_login(client, staff_with_totp, "admin:login")

    response = send_code(
        client, "admin-login:code", totp_code(staff_with_totp.totp.secret)
    )

    assert response["Location"] == reverse("admin:index")
    assert client.get(reverse("admin:index")).status_code == 200


@pytest.mark.parametrize(("login", "code_page", "method"), PAGES)
def test_wrong_code_stays_on_the_code_page_and_is_recorded(
    staff_with_totp, login, code_page, method
):
    client = APIClient()
    browser_login(client, staff_with_totp, login)

    response = send_code(client, code_page, "000000")

    assert response.status_code == 400
    assert b"not correct" in response.content
    assert not UserSession.objects.filter(user=staff_with_totp).exists()
    assert SecurityEvent.objects.filter(
        user=staff_with_totp, kind=EventKind.MFA_FAILED
    ).exists()
    ok = send_code(client, code_page, totp_code(staff_with_totp.totp.secret))
    assert ok.status_code == 302


def test_a_recovery_code_signs_in_on_the_code_page(staff_with_totp):
    client = APIClient()
    browser_login(client, staff_with_totp)

    response = send_code(
        client, "rest_framework:login-code", staff_with_totp.totp.recovery_codes[3]
    )

    assert response.status_code == 302
    assert len(live_sessions(staff_with_totp)) == 1


def test_the_code_page_without_a_password_step_sends_to_the_login_page():
    response = APIClient().get(reverse("rest_framework:login-code"))

    assert response.status_code == 302
    assert response["Location"] == reverse("rest_framework:login")


def test_the_code_page_after_five_wrong_codes_asks_to_sign_in_again(
    staff_with_totp,
):
    client = APIClient()
    browser_login(client, staff_with_totp)
    for _ in range(5):
        send_code(client, "rest_framework:login-code", "000000")

    response = send_code(
        client, "rest_framework:login-code", totp_code(staff_with_totp.totp.secret)
    )

    assert response.status_code == 400
    assert b'id="start-again"' in response.content
    assert not UserSession.objects.filter(user=staff_with_totp).exists()


def test_the_password_step_gives_a_new_cookie_key(staff_with_totp):
    client = APIClient()
    client.get(reverse("rest_framework:login"))
    client.session.save()
    planted = client.cookies[settings.SESSION_COOKIE_NAME].value

    browser_login(client, staff_with_totp)

    assert client.cookies[settings.SESSION_COOKIE_NAME].value != planted


def test_a_user_without_two_factors_signs_in_with_the_password(make_user):
    client = APIClient()
    user = make_user()

    response = browser_login(client, user, next="/api/v1/users/")

    assert response["Location"] == "/api/v1/users/"
    assert len(live_sessions(user)) == 1
