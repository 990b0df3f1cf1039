"""Deactivating a user ends all their sessions; their credentials get 403
account_disabled."""

import pytest
from django.urls import reverse

from sessions_app.models import EndReason, UserSession
from sessions_app.tests.helpers import ended_reason, live_sessions, set_policy

pytestmark = pytest.mark.django_db


def test_deactivating_a_user_ends_all_their_sessions(
    make_user, token_client, cookie_client, settings
):
    set_policy(settings, MAX_SESSIONS_PER_USER=2)
    user = make_user()
    browser, postman = cookie_client(user), token_client(user)

    user.is_active = False
    user.save()

    assert live_sessions(user) == []
    assert {s.end_reason for s in UserSession.objects.filter(user=user)} == {
        EndReason.USER_DEACTIVATED
    }
    for _ in range(2):
        refused = postman.get(reverse("accounts:user-list"))
        assert refused.status_code == 403
        assert refused.json()["code"] == "account_disabled"
    assert (
        browser.get(reverse("accounts:user-list")).json()["code"] == "account_disabled"
    )
    assert browser.get(reverse("accounts:user-list")).status_code == 401


def test_saving_an_active_user_ends_nothing(make_user, token_client):
    user = make_user()
    client = token_client(user)

    user.real_name = "Renamed"
    user.save()

    assert client.get(reverse("accounts:user-list")).status_code == 200


def test_user_deactivated_without_signals_is_refused_on_next_request(
    make_user, token_client
):
    user = make_user()
    client = token_client(user)
    type(user).objects.filter(pk=user.pk).update(is_active=False)  # no post_save

    response = client.get(reverse("accounts:user-list"))

    assert response.status_code == 403
    assert response.json()["code"] == "account_disabled"
    assert ended_reason(client.session_id) == EndReason.USER_DEACTIVATED
