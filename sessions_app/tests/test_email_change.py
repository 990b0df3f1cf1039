"""Verified email: a new address waits until the link mailed to it is used."""

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
from sessions_app.models import EventKind, SecurityEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def change_email(
    django_capture_on_commit_callbacks: Callable[..., AbstractContextManager],
) -> Callable[[APIClient, str], Response]:
    def patch(client: APIClient, email: str) -> Response:
        with django_capture_on_commit_callbacks(execute=True):
            return client.patch(reverse("sessions:me"), {"email": email})

    return patch


def mailed_token(to: str) -> str:
    [message] = [m for m in mail.outbox if m.to == [to]]
    return re.search(r"/account/email/verify/([^/\s]+)/", message.body).group(1)


def verify(token: str) -> Response:
    return APIClient().post(reverse("sessions:email-verify"), {"token": token})


def test_a_new_address_waits_until_its_link_is_used(
    make_user, token_client, change_email
):
    user = make_user(email="old@example.com")
    client = token_client(user)

    pending = change_email(client, "new@example.com")
    verified = verify(mailed_token("new@example.com"))

    assert pending.status_code == 202
    assert pending.json()["email"] == "old@example.com"
    assert pending.json()["pending_email"] == "new@example.com"
    assert pending.json()["email_verified"] is True
    assert verified.status_code == 200
    assert verified.json() == {"email": "new@example.com", "email_verified": True}
    user.refresh_from_db()
    assert (user.email, user.pending_email) == ("new@example.com", "")
    kinds = list(
        SecurityEvent.objects.filter(
            user=user,
            kind__in=[EventKind.EMAIL_CHANGE_REQUESTED, EventKind.EMAIL_CHANGED],
        )
        .order_by("created_at", "id")
        .values_list("kind", "detail")
    )
    assert kinds == [
        (EventKind.EMAIL_CHANGE_REQUESTED, {"new_email": "n***@example.com"}),
        (
            EventKind.EMAIL_CHANGED,
            {"old_email": "o***@example.com", "new_email": "n***@example.com"},
        ),
    ]


def test_the_old_address_is_told_with_the_new_one_masked(
    make_user, token_client, change_email
):
    client = token_client(make_user(email="old@example.com"))

    change_email(client, "nina@example.org")

    [notice] = [m for m in mail.outbox if m.to == ["old@example.com"]]
    assert "n***@example.org" in notice.body
    assert "nina@example.org" not in notice.body
    assert "keep_current=false" in notice.body


def test_a_verification_link_works_once(make_user, token_client, change_email):
    client = token_client(make_user(email="old@example.com"))
    change_email(client, "new@example.com")
    token = mailed_token("new@example.com")

    first, second = verify(token), verify(token)

    assert first.status_code == 200
    assert second.status_code == 400
    assert set(second.json()["fields"]) == {"token"}


def test_a_newer_request_voids_the_older_link(make_user, token_client, change_email):
    user = make_user(email="old@example.com")
    client = token_client(user)
    change_email(client, "first@example.com")
    change_email(client, "second@example.com")

    response = verify(mailed_token("first@example.com"))

    assert response.status_code == 400
    user.refresh_from_db()
    assert user.pending_email == "second@example.com"


@pytest.mark.parametrize("token", ["", "x" * 600, "not-a-token", "a:b:c"])
def test_a_forged_or_malformed_token_is_400(token):
    response = verify(token)

    assert response.status_code == 400
    assert response.json()["code"] == "invalid"


def test_an_address_verified_by_another_account_cannot_be_taken(
    make_user, token_client, change_email
):
    make_user(email="taken@example.com")
    user = make_user(email="mine@example.com")
    change_email(token_client(user), "TAKEN@example.com")

    response = verify(mailed_token("TAKEN@example.com"))

    assert response.status_code == 400
    user.refresh_from_db()
    assert user.email == "mine@example.com"


def test_signing_up_with_an_email_holds_it_pending(
    api_client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = api_client.post(
            reverse("sessions:register"),
            {
                "username": "newcomer",
                "mobile": "+919876501234",
                "password": "a-much-better-passphrase",
                "real_name": "New Comer",
                "email": "newcomer@example.com",
            },
        )

    assert response.status_code == 201
    body = response.json()["user"]
    assert (body["email"], body["pending_email"], body["email_verified"]) == (
        "",
        "newcomer@example.com",
        False,
    )
    assert verify(mailed_token("newcomer@example.com")).status_code == 200
    assert User.objects.get(username="newcomer").email == "newcomer@example.com"


def test_removing_the_address_applies_at_once(make_user, token_client, change_email):
    user = make_user(email="old@example.com")

    response = change_email(token_client(user), "")

    assert response.status_code == 200
    user.refresh_from_db()
    assert (user.email, user.pending_email) == ("", "")


def test_the_verification_page_confirms_with_one_button(
    make_user, token_client, change_email
):
    user = make_user(email="old@example.com")
    change_email(token_client(user), "new@example.com")
    url = reverse("account:email-verify", args=[mailed_token("new@example.com")])
    browser = Client(enforce_csrf_checks=True)

    page = browser.get(url)
    csrf = browser.cookies["csrftoken"].value
    done = browser.post(url, {"csrfmiddlewaretoken": csrf})

    assert page.status_code == 200
    assert b"Confirm this address" in page.content
    user.refresh_from_db()
    assert user.email == "new@example.com"
    assert done.status_code == 200
    assert b"is now the address of your account" in done.content
    assert browser.post(url, {"csrfmiddlewaretoken": csrf}).status_code == 400
