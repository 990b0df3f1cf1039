"""Password reset: only to a verified address, mailed from a task, links on SITE_URL."""

import re
from collections.abc import Callable
from contextlib import AbstractContextManager

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from rest_framework.response import Response
from rest_framework.test import APIClient

from accounts.models import User
from config.app_settings import DEFAULTS
from sessions_app.models import EventKind, SecurityEvent, UserSession

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a-brand-new-passphrase"


@pytest.fixture
def request_reset(
    django_capture_on_commit_callbacks: Callable[..., AbstractContextManager],
) -> Callable[..., Response]:
    """POST the reset request and run the task it queues, as the worker would."""

    def post(client: APIClient, email: str, **extra: str) -> Response:
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(
                reverse("sessions:password-reset"), {"email": email}, **extra
            )

    return post


def link_parts(message: mail.EmailMessage) -> dict[str, str]:
    return dict(re.findall(r"(uid|token):\s+(\S+)", message.body))


def page_link(message: mail.EmailMessage) -> str:
    return re.search(r"(\S+/account/password/reset/\S+)", message.body).group(1)


def test_reset_request_answers_the_same_for_known_and_unknown_addresses(
    make_user, api_client, request_reset
):
    make_user(email="known@example.com")

    known = request_reset(api_client, "KNOWN@example.com")
    unknown = request_reset(api_client, "nobody@example.com")

    assert known.status_code == unknown.status_code == 200
    assert known.json() == unknown.json()
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["known@example.com"]


def test_the_request_itself_sends_nothing_and_looks_nothing_up(
    make_user, api_client, django_assert_num_queries
):
    make_user(email="known@example.com")

    with django_assert_num_queries(0):  # the task does the lookup, after the answer
        response = api_client.post(
            reverse("sessions:password-reset"), {"email": "known@example.com"}
        )

    assert response.status_code == 200
    assert mail.outbox == []


def test_reset_goes_only_to_a_verified_address(make_user, api_client, request_reset):
    make_user(pending_email="unverified@example.com")

    request_reset(api_client, "unverified@example.com")

    assert mail.outbox == []


def test_reset_is_not_sent_to_inactive_users(make_user, api_client, request_reset):
    make_user(email="gone@example.com", is_active=False)

    request_reset(api_client, "gone@example.com")

    assert mail.outbox == []


def test_at_most_three_reset_mails_per_address_an_hour(
    make_user, api_client, request_reset
):
    owner = make_user(email="owner@example.com")

    for _ in range(5):
        assert request_reset(api_client, "owner@example.com").status_code == 200

    assert len(mail.outbox) == 3
    events = SecurityEvent.objects.filter(
        user=owner, kind=EventKind.PASSWORD_RESET_REQUESTED
    )
    assert events.count() == 3


def test_links_come_from_site_url_never_from_the_host_header(
    make_user, api_client, request_reset, settings
):
    settings.SITE_URL = "https://auth.example.com"
    settings.ALLOWED_HOSTS = ["*"]
    make_user(email="owner@example.com")

    request_reset(api_client, "owner@example.com", HTTP_HOST="127.0.0.1:6666")

    body = mail.outbox[0].body
    assert "6666" not in body
    assert "https://auth.example.com/account/password/reset/" in body
    assert "https://auth.example.com/api/v1/auth/password/reset/confirm/" in body


def test_reset_confirm_sets_the_password_and_ends_every_session(
    make_user, token_client, api_client, settings, request_reset
):
    settings.SESSION_POLICY = {**DEFAULTS, "MAX_SESSIONS_PER_USER": 2}
    user = make_user(email="owner@example.com")
    phone, laptop = token_client(user), token_client(user)
    request_reset(api_client, "owner@example.com")
    parts = link_parts(mail.outbox[0])

    response = api_client.post(
        reverse("sessions:password-reset-confirm"),
        {**parts, "new_password": NEW_PASSWORD},
    )

    assert response.status_code == 200
    assert response.json() == {"ended_count": 2}
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    assert set(
        UserSession.objects.filter(user=user).values_list("end_reason", flat=True)
    ) == {"password_changed"}
    for client in (phone, laptop):
        refused = client.get(reverse("sessions:me"))
        assert refused.status_code == 403
        assert refused.json()["code"] == "session_password_changed"


def test_a_login_between_request_and_confirm_keeps_the_link_working(
    make_user, api_client, token_client, request_reset
):
    user = make_user(email="owner@example.com")
    request_reset(api_client, "owner@example.com")
    parts = link_parts(mail.outbox[0])
    token_client(user)  # updates last_login

    response = api_client.post(
        reverse("sessions:password-reset-confirm"),
        {**parts, "new_password": NEW_PASSWORD},
    )

    assert response.status_code == 200


def test_reset_link_works_once(make_user, api_client, request_reset):
    make_user(email="owner@example.com")
    request_reset(api_client, "owner@example.com")
    parts = link_parts(mail.outbox[0])
    url = reverse("sessions:password-reset-confirm")

    first = api_client.post(url, {**parts, "new_password": NEW_PASSWORD})
    second = api_client.post(url, {**parts, "new_password": "yet-another-passphrase"})

    assert first.status_code == 200
    assert second.status_code == 400
    assert set(second.json()["fields"]) == {"token"}


def test_a_link_dies_when_the_verified_address_changes(
    make_user, api_client, request_reset
):
    user = make_user(email="owner@example.com")
    request_reset(api_client, "owner@example.com")
    parts = link_parts(mail.outbox[0])
    User.objects.filter(pk=user.pk).update(email="other@example.com")

    response = api_client.post(
        reverse("sessions:password-reset-confirm"),
        {**parts, "new_password": NEW_PASSWORD},
    )

    assert response.status_code == 400


@pytest.mark.parametrize("tamper", ["uid", "token"])
def test_reset_confirm_refuses_a_forged_link(
    make_user, api_client, tamper, request_reset
):
    user = make_user(email="owner@example.com")
    request_reset(api_client, "owner@example.com")
    parts = {**link_parts(mail.outbox[0]), tamper: "Zm9vYmFy"}

    response = api_client.post(
        reverse("sessions:password-reset-confirm"),
        {**parts, "new_password": NEW_PASSWORD},
    )

    assert response.status_code == 400
    user.refresh_from_db()
    assert user.check_password(user.raw_password)


def test_reset_confirm_refuses_a_weak_password(make_user, api_client, request_reset):
    make_user(email="owner@example.com")
    request_reset(api_client, "owner@example.com")

    response = api_client.post(
        reverse("sessions:password-reset-confirm"),
        {**link_parts(mail.outbox[0]), "new_password": "short"},
    )

    assert response.status_code == 400
    assert set(response.json()["fields"]) == {"new_password"}


def test_the_reset_page_sets_the_password_and_ends_every_session(
    make_user, api_client, token_client, request_reset
):
    user = make_user(email="owner@example.com")
    phone = token_client(user)
    request_reset(api_client, "owner@example.com")
    browser = Client()

    opened = browser.get(page_link(mail.outbox[0]))
    form_url = opened["Location"]
    page = browser.get(form_url)
    done = browser.post(
        form_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    )

    assert opened.status_code == 302
    assert link_parts(mail.outbox[0])["token"] not in form_url
    assert page.status_code == 200
    assert b'<label for="id_new_password1">' in page.content
    assert done.status_code == 200
    assert b"every session of your account was signed out" in done.content
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    assert (
        phone.get(reverse("sessions:me")).json()["code"] == "session_password_changed"
    )


def test_the_reset_page_refuses_mismatched_passwords_and_a_bad_link(
    make_user, api_client, request_reset
):
    user = make_user(email="owner@example.com")
    request_reset(api_client, "owner@example.com")
    browser = Client()
    form_url = browser.get(page_link(mail.outbox[0]))["Location"]

    mismatch = browser.post(
        form_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD + "x"}
    )
    forged = Client().get(
        reverse("account:password-reset", args=["Zm9vYmFy", "set-password"])
    )

    assert mismatch.status_code == 400
    assert forged.status_code == 400
    assert b"invalid or was already used" in forged.content
    user.refresh_from_db()
    assert user.check_password(user.raw_password)
