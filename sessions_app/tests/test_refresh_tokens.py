"""Token renewal: a refresh token buys a new access token and refresh token for the same
session; the old pair stops working at once; lifetimes per REFRESH_TTL and
SESSION_MAX_LIFETIME."""

from datetime import timedelta

import pytest
from django.core import signing
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from rest_framework.test import APIClient

from activity.models import ActivityPeriod
from config.app_settings import DEFAULTS
from sessions_app import services
from sessions_app.crypto import REFRESH_SALT, digest, refresh_token_new
from sessions_app.models import EndReason, UserSession
from sessions_app.tests.factories import start_session
from sessions_app.tests.helpers import STRONG_PASSWORD, move_back, set_policy

pytestmark = pytest.mark.django_db

REFRESH_KEYS = {"token", "expires_at", "refresh_token", "refresh_expires_at", "session"}


def refresh(refresh_token: str, client: APIClient | None = None):
    return (client or APIClient()).post(
        reverse("sessions:token-refresh"), {"refresh_token": refresh_token}
    )


def login_body(user) -> dict:
    response = APIClient().post(
        reverse("sessions:login"),
        {"username": user.username, "password": user.raw_password},
    )
    assert response.status_code == 200
    return response.json()


def with_token(token: str) -> APIClient:
    return APIClient(headers={"Authorization": f"Token {token}"})


# The login answer


def test_token_login_answers_a_refresh_token_and_both_deadlines(make_user):
    user = make_user()

    body = login_body(user)

    session = UserSession.objects.get(pk=body["session"]["id"])
    assert session.refresh_digest == digest(body["refresh_token"])
    assert body["refresh_token"] != body["token"]
    assert parse_datetime(body["expires_at"]) == session.token_expires_at
    assert session.token_expires_at == session.created_at + DEFAULTS["TOKEN_TTL"]
    refresh_deadline = session.created_at + DEFAULTS["REFRESH_TTL"]
    assert parse_datetime(body["refresh_expires_at"]) == refresh_deadline
    assert session.expires_at == session.created_at + DEFAULTS["SESSION_MAX_LIFETIME"]


def test_register_answers_a_refresh_token_that_works(api_client):
    response = api_client.post(
        reverse("sessions:register"),
        {
            "username": "meera",
            "mobile": "9012345678",
            "password": STRONG_PASSWORD,
            "real_name": "Meera Nair",
        },
    )
    assert response.status_code == 201

    refreshed = refresh(response.json()["refresh_token"])

    assert refreshed.status_code == 200
    assert refreshed.json()["session"]["id"] == response.json()["session"]["id"]


def test_no_token_or_refresh_token_is_stored_in_clear(make_user):
    body = login_body(make_user())

    row = UserSession.objects.filter(pk=body["session"]["id"]).values().get()

    assert body["token"] not in row.values()
    assert body["refresh_token"] not in row.values()


# Rotation


def test_refresh_rotates_both_tokens_of_the_same_session(make_user):
    user = make_user()
    body = login_body(user)

    response = refresh(body["refresh_token"])

    assert response.status_code == 200
    new = response.json()
    assert set(new) == REFRESH_KEYS
    assert new["session"]["id"] == body["session"]["id"]
    assert new["session"]["is_current"] is True
    assert new["token"] != body["token"]
    assert new["refresh_token"] != body["refresh_token"]
    session = UserSession.objects.get(pk=body["session"]["id"])
    assert session.token_digest == digest(new["token"])
    assert session.refresh_digest == digest(new["refresh_token"])
    assert session.refresh_generation == 1
    assert session.is_active
    assert UserSession.objects.filter(user=user).count() == 1
    assert ActivityPeriod.objects.filter(session=session).count() == 1


def test_new_access_token_works_and_old_one_is_simply_unknown(make_user):
    body = login_body(make_user())
    new = refresh(body["refresh_token"]).json()

    assert with_token(new["token"]).get(reverse("sessions:me")).status_code == 200
    old = with_token(body["token"]).get(reverse("sessions:me"))
    assert old.status_code == 401
    assert old.json()["code"] == "authentication_failed"


def test_new_refresh_token_refreshes_again(make_user):
    body = login_body(make_user())
    second = refresh(body["refresh_token"]).json()

    third = refresh(second["refresh_token"])

    assert third.status_code == 200
    assert third.json()["session"]["id"] == body["session"]["id"]
    assert (
        with_token(third.json()["token"]).get(reverse("sessions:me")).status_code == 200
    )


def test_refresh_moves_the_session_deadline_but_not_past_its_max_lifetime(
    make_user, settings
):
    set_policy(
        settings,
        REFRESH_TTL=timedelta(days=14),
        SESSION_MAX_LIFETIME=timedelta(days=30),
    )
    started = start_session(make_user(), at=timezone.now() - timedelta(days=20))
    UserSession.objects.filter(pk=started.session.pk).update(  # refreshed 10 days in
        last_activity=timezone.now(),
        refresh_expires_at=timezone.now() + timedelta(days=4),
    )

    response = refresh(started.refresh_token)

    assert response.status_code == 200
    session = UserSession.objects.get(pk=started.session.pk)
    assert session.refresh_expires_at == session.expires_at  # 30 days after login
    assert parse_datetime(response.json()["refresh_expires_at"]) == session.expires_at
    assert session.token_expires_at <= session.expires_at


def test_refresh_needs_no_other_credential_and_ignores_a_stale_one(make_user):
    body = login_body(make_user())
    client = with_token("stale-token-left-in-the-headers")

    assert refresh(body["refresh_token"], client).status_code == 200


def test_a_token_request_after_a_refresh_still_costs_one_query(
    make_user, django_assert_num_queries
):
    new = refresh(login_body(make_user())["refresh_token"]).json()
    client = with_token(new["token"])
    client.get(reverse("sessions:session-list"))  # warm up: nothing left to note

    with django_assert_num_queries(1):
        response = client.get(reverse("sessions:me"))

    assert response.status_code == 200


# Access token lifetime: 401 token_expired, the session lives on


def test_access_token_past_its_ttl_answers_token_expired_and_a_refresh_helps(
    make_user, settings
):
    set_policy(settings, TOKEN_TTL=timedelta(minutes=5))
    started = start_session(make_user(), at=timezone.now() - timedelta(minutes=6))
    UserSession.objects.filter(pk=started.session.pk).update(
        last_activity=timezone.now()
    )

    expired = with_token(started.token).get(reverse("sessions:me"))
    refreshed = refresh(started.refresh_token)

    assert expired.status_code == 401
    assert expired.json()["code"] == "token_expired"
    assert refreshed.status_code == 200
    assert (
        with_token(refreshed.json()["token"]).get(reverse("sessions:me")).status_code
        == 200
    )


def test_idle_access_token_answers_token_expired_and_a_refresh_helps(make_user):
    started = start_session(make_user())
    move_back(started.session, last_activity=timedelta(minutes=31))

    expired = with_token(started.token).get(reverse("sessions:me"))
    refreshed = refresh(started.refresh_token)

    assert expired.json()["code"] == "token_expired"
    assert refreshed.status_code == 200
    session = UserSession.objects.get(pk=started.session.pk)
    assert session.is_active
    assert session.last_activity > timezone.now() - timedelta(minutes=1)


# Session lifetime: REFRESH_TTL and SESSION_MAX_LIFETIME end it


def test_session_not_refreshed_within_refresh_ttl_ends_as_expired(make_user):
    started = start_session(make_user(), at=timezone.now() - timedelta(days=15))
    UserSession.objects.filter(pk=started.session.pk).update(
        last_activity=timezone.now()
    )

    response = refresh(started.refresh_token)

    assert response.status_code == 403
    assert response.json()["code"] == "session_expired"
    session = UserSession.objects.get(pk=started.session.pk)
    assert (session.is_active, session.end_reason) == (False, EndReason.EXPIRED)


def test_session_past_its_max_lifetime_cannot_be_refreshed(make_user):
    started = start_session(make_user(), at=timezone.now() - timedelta(days=31))
    UserSession.objects.filter(pk=started.session.pk).update(
        last_activity=timezone.now(),
        refresh_expires_at=timezone.now() + timedelta(days=1),
    )

    response = refresh(started.refresh_token)

    assert response.status_code == 403
    assert response.json()["code"] == "session_expired"


def test_expired_session_is_found_by_end_expired_sessions_at_its_refresh_deadline(
    make_user,
):
    started = start_session(make_user())
    deadline = started.session.refresh_expires_at

    assert services.session_end_expired(at=deadline - timedelta(seconds=1)) == 0
    assert services.session_end_expired(at=deadline) == 1


# Ended sessions cannot be refreshed


@pytest.mark.parametrize(
    ("reason", "code"),
    [
        (EndReason.LOGOUT, "session_logged_out"),
        (EndReason.SUPERSEDED, "session_superseded"),
        (EndReason.TERMINATED_BY_STAFF, "session_terminated"),
    ],
)
def test_ended_session_cannot_be_refreshed(make_user, reason, code):
    started = start_session(make_user())
    services.session_end(session=started.session, reason=reason)

    response = refresh(started.refresh_token)

    assert response.status_code == 403
    assert response.json()["code"] == code


def test_refresh_after_a_password_change_elsewhere_is_refused(make_user):
    user = make_user()
    started = start_session(user)
    user.set_password("another-long-passphrase-42")
    user.save()

    response = refresh(started.refresh_token)

    assert response.status_code == 403
    assert response.json()["code"] == "session_password_changed"


def test_refresh_of_a_deactivated_user_is_refused(make_user):
    user = make_user()
    started = start_session(user)
    type(user).objects.filter(pk=user.pk).update(is_active=False)  # no signal

    response = refresh(started.refresh_token)

    assert response.status_code == 403
    assert response.json()["code"] == "account_disabled"


# Unknown refresh tokens


@pytest.mark.parametrize(
    "token",
    [
        "not-a-refresh-token",
        "",
        "a" * 200,
        "0123456789abcdef0123456789abcdef.0.secret:badsignature",
    ],
)
def test_unknown_refresh_token_is_401(make_user, token):
    login_body(make_user())

    response = refresh(token)

    if token == "":
        assert response.status_code == 400
        assert response.json()["code"] == "invalid"
    else:
        assert response.status_code == 401
        assert response.json()["code"] == "authentication_failed"
        assert response["WWW-Authenticate"] == "Token"


def test_access_token_is_not_a_refresh_token(make_user):
    body = login_body(make_user())

    assert refresh(body["token"]).status_code == 401


def test_refresh_token_with_a_changed_generation_is_unknown(make_user):
    body = login_body(make_user())
    value = signing.Signer(salt=REFRESH_SALT).unsign(body["refresh_token"])
    session_hex, _, secret = value.split(".", 2)
    forged = f"{session_hex}.5.{secret}:" + body["refresh_token"].rsplit(":", 1)[1]

    assert refresh(forged).status_code == 401
    assert UserSession.objects.get(pk=body["session"]["id"]).is_active


def test_refresh_token_of_a_future_generation_is_unknown(make_user):
    started = start_session(make_user())
    ahead = refresh_token_new(session_id=started.session.pk, generation=3)

    response = refresh(ahead)

    assert response.status_code == 401
    assert UserSession.objects.get(pk=started.session.pk).is_active


def test_refresh_token_of_a_deleted_session_is_unknown(make_user):
    started = start_session(make_user())
    UserSession.objects.filter(pk=started.session.pk).delete()

    assert refresh(started.refresh_token).status_code == 401
