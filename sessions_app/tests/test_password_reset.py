import re

import pytest
from django.core import mail
from django.urls import reverse

from config.app_settings import DEFAULTS
from sessions_app.models import UserSession

pytestmark = pytest.mark.django_db


def request_reset(client, email: str):
    return client.post(reverse("sessions:password-reset"), {"email": email})


def link_parts(message) -> dict[str, str]:
    return dict(re.findall(r"(uid|token):\s+(\S+)", message.body))


def test_reset_request_answers_the_same_for_known_and_unknown_addresses(
    make_user, api_client
):
    make_user(email="known@example.com")

    known = request_reset(api_client, "KNOWN@example.com")
    unknown = request_reset(api_client, "nobody@example.com")

    assert known.status_code == unknown.status_code == 200
    assert known.json() == unknown.json()
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["known@example.com"]


def test_reset_is_not_sent_to_inactive_users(make_user, api_client):
    make_user(email="gone@example.com", is_active=False)

    request_reset(api_client, "gone@example.com")

    assert mail.outbox == []


def test_reset_request_rejects_a_malformed_address(api_client):
    response = request_reset(api_client, "not-an-address")

    assert response.status_code == 400
    assert set(response.json()["fields"]) == {"email"}


def test_reset_confirm_sets_the_password_and_ends_every_session(
    make_user, token_client, api_client, settings
):
    settings.SESSION_POLICY = {**DEFAULTS, "MAX_SESSIONS_PER_USER": 2}
    user = make_user(email="owner@example.com")
    phone, laptop = token_client(user), token_client(user)
    request_reset(api_client, "owner@example.com")
    parts = link_parts(mail.outbox[0])

    response = api_client.post(
        reverse("sessions:password-reset-confirm"),
        {**parts, "new_password": "a-brand-new-passphrase"},
    )

    assert response.status_code == 200
    assert response.json() == {"ended_count": 2}
    user.refresh_from_db()
    assert user.check_password("a-brand-new-passphrase")
    assert set(
        UserSession.objects.filter(user=user).values_list("end_reason", flat=True)
    ) == {"password_changed"}
    for client in (phone, laptop):
        refused = client.get(reverse("sessions:me"))
        assert refused.status_code == 403
        assert refused.json()["code"] == "session_password_changed"


def test_reset_link_works_once(make_user, api_client):
    make_user(email="owner@example.com")
    request_reset(api_client, "owner@example.com")
    parts = link_parts(mail.outbox[0])
    url = reverse("sessions:password-reset-confirm")

    first = api_client.post(url, {**parts, "new_password": "a-brand-new-passphrase"})
    second = api_client.post(url, {**parts, "new_password": "yet-another-passphrase"})

    assert first.status_code == 200
    assert second.status_code == 400
    assert set(second.json()["fields"]) == {"token"}


@pytest.mark.parametrize("tamper", ["uid", "token"])
def test_reset_confirm_refuses_a_forged_link(make_user, api_client, tamper):
    user = make_user(email="owner@example.com")
    request_reset(api_client, "owner@example.com")
    parts = {**link_parts(mail.outbox[0]), tamper: "Zm9vYmFy"}

    response = api_client.post(
        reverse("sessions:password-reset-confirm"),
        {**parts, "new_password": "a-brand-new-passphrase"},
    )

    assert response.status_code == 400
    user.refresh_from_db()
    assert user.check_password(user.raw_password)


def test_reset_confirm_refuses_a_weak_password(make_user, api_client):
    make_user(email="owner@example.com")
    request_reset(api_client, "owner@example.com")

    response = api_client.post(
        reverse("sessions:password-reset-confirm"),
        {**link_parts(mail.outbox[0]), "new_password": "short"},
    )

    assert response.status_code == 400
    assert set(response.json()["fields"]) == {"new_password"}
