"""Hostile input on the step-up and email endpoints: a clean 4xx, nothing changed."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from sessions_app.models import UserSession

pytestmark = pytest.mark.django_db

HUGE = "x" * 60_000


@pytest.mark.parametrize(
    "body",
    [{}, {"password": HUGE}, {"password": "nul\x00byte"}, {"password": ["a", "b"]}],
    ids=["missing", "huge", "nul", "list"],
)
def test_reauthenticate_refuses_bad_bodies_and_stamps_nothing(
    make_user, token_client, body
):
    client = token_client(make_user())
    before = UserSession.objects.get(pk=client.session_id).reauthenticated_at

    response = client.post(reverse("sessions:reauthenticate"), body, format="json")

    assert response.status_code == 400
    assert response.json()["code"] in {"invalid", "invalid_credentials"}
    assert UserSession.objects.get(pk=client.session_id).reauthenticated_at == before


@pytest.mark.parametrize(
    "token", [HUGE, "nul\x00byte", "../../etc/passwd", "a" * 513, 12345, None]
)
def test_email_verify_refuses_bad_tokens(api_client, token):
    response = api_client.post(
        reverse("sessions:email-verify"), {"token": token}, format="json"
    )

    assert response.status_code == 400
    assert response.json()["code"] == "invalid"


@pytest.mark.parametrize("email", [HUGE, "nul\x00@example.com", "not-an-address", 7])
def test_an_email_change_refuses_bad_addresses_and_changes_nothing(
    make_user, token_client, email
):
    user = make_user(email="kept@example.com")

    response = token_client(user).patch(
        reverse("sessions:me"), {"email": email}, format="json"
    )

    assert response.status_code == 400
    user.refresh_from_db()
    assert (user.email, user.pending_email) == ("kept@example.com", "")


@pytest.mark.parametrize(
    "path",
    [
        "/account/email/verify/%00/",
        "/account/email/verify/" + "a" * 2000 + "/",
        "/account/password/reset/%FF%FE/x/",
        "/account/password/reset/Zm9v/" + "b" * 2000 + "/",
    ],
)
def test_the_link_pages_answer_bad_links_with_400_pages(client, path):
    response = client.get(path, follow=True)

    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")


def test_a_stale_step_up_is_not_renewed_by_reading(make_user, token_client):
    client = token_client(make_user())
    old = timezone.now() - timedelta(hours=1)
    UserSession.objects.filter(pk=client.session_id).update(reauthenticated_at=old)

    client.get(reverse("sessions:me"))

    assert UserSession.objects.get(pk=client.session_id).reauthenticated_at == old
