"""`/account/two-factor/` in a browser: enrol with the QR code and a code, see the
recovery codes once, make new ones, turn it off; each behind a recent step-up."""

from datetime import timedelta
from urllib.parse import urlencode

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import User
from mfa import selectors
from mfa.exceptions import INVALID_CODE_DETAIL
from mfa.tests.factories import enable_totp, totp_code
from sessions_app.models import EventKind, SecurityEvent, UserSession
from sessions_app.tests.helpers import move_back

pytestmark = pytest.mark.django_db

PAGE = "/account/two-factor/"


def signed_in_browser(user: User) -> Client:
    client = Client(enforce_csrf_checks=True)
    login_page = client.get(reverse("rest_framework:login"))
    response = client.post(
        reverse("rest_framework:login"),
        {
            "username": user.username,
            "password": user.raw_password,
            "csrfmiddlewaretoken": login_page.cookies["csrftoken"].value,
        },
    )
    assert response.status_code == 302, response.content
    return client


def signed_in_browser_with_code(user: User, secret: str) -> Client:
    """Sign a user with two factors in: the password page, then the code page."""
    client = Client(enforce_csrf_checks=True)
    login_page = client.get(reverse("rest_framework:login"))
    csrf = login_page.cookies["csrftoken"].value
    first = client.post(
        reverse("rest_framework:login"),
        {
            "username": user.username,
            "password": user.raw_password,
            "csrfmiddlewaretoken": csrf,
        },
    )
    assert first["Location"] == reverse("rest_framework:login-code")
    second = client.post(
        reverse("rest_framework:login-code"),
        {
            "code": totp_code(secret),
            "csrfmiddlewaretoken": client.cookies["csrftoken"].value,
        },
    )
    assert second.status_code == 302, second.content
    return client


def act(client: Client, action: str, **data: str):
    token = client.cookies["csrftoken"].value
    return client.post(
        reverse("account:two-factor"),
        {"action": action, "csrfmiddlewaretoken": token, **data},
    )


def test_the_page_asks_for_the_password_when_the_step_up_is_old(make_user):
    client = signed_in_browser(make_user())
    session = UserSession.objects.get(pk=client.session["_user_session_id"])
    move_back(session, reauthenticated_at=timedelta(hours=1))

    response = client.get(reverse("account:two-factor"))

    assert response.status_code == 302
    assert response["Location"] == (
        f"{reverse('account:confirm-password')}?{urlencode({'next': PAGE})}"
    )


def test_a_visitor_goes_to_the_login_page():
    response = Client().get(reverse("account:two-factor"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("rest_framework:login"))


def test_enrol_with_the_qr_code_and_a_code_shows_the_recovery_codes_once(make_user):
    user = make_user()
    client = signed_in_browser(user)

    off = client.get(reverse("account:two-factor"))
    setup = act(client, "enrol")
    secret = setup.context["setup"].secret
    wrong = act(client, "confirm", code="000000")
    confirmed = act(client, "confirm", code=totp_code(secret))
    later = client.get(reverse("account:two-factor"))

    assert 'id="mfa-off"' in off.content.decode()
    assert "<svg" in setup.content.decode() and secret in setup.content.decode()
    assert wrong.status_code == 400
    assert str(INVALID_CODE_DETAIL) in wrong.content.decode()
    assert confirmed.status_code == 200
    codes = confirmed.context["recovery_codes"]
    assert len(codes) == 10
    assert all(code in confirmed.content.decode() for code in codes)
    assert selectors.mfa_is_enabled(user_id=user.pk)
    assert codes[0] not in later.content.decode()  # shown once
    assert "10 recovery codes left" in later.content.decode()


def test_new_recovery_codes_replace_the_old(make_user):
    user = make_user()
    enabled = enable_totp(user)
    old = enabled.recovery_codes
    client = signed_in_browser_with_code(user, enabled.secret)

    response = act(client, "regenerate")

    new = response.context["recovery_codes"]
    assert len(new) == 10 and not set(new) & set(old)
    assert SecurityEvent.objects.filter(
        user=user, kind=EventKind.RECOVERY_CODES_REGENERATED
    ).exists()


def test_turning_it_off_goes_back_to_the_devices_page(make_user):
    user = make_user()
    secret = enable_totp(user).secret
    client = signed_in_browser_with_code(user, secret)

    response = act(client, "disable")

    assert response.status_code == 302
    assert response["Location"] == reverse("account:devices")
    assert not selectors.mfa_is_enabled(user_id=user.pk)
    assert "Off" in client.get(reverse("account:devices")).content.decode()


def test_the_forms_need_csrf(make_user):
    user = make_user()
    client = signed_in_browser(user)

    response = client.post(reverse("account:two-factor"), {"action": "enrol"})

    assert response.status_code == 403
    assert not selectors.mfa_is_enabled(user_id=user.pk)
