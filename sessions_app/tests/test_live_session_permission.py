"""Fail closed, then explain: what an ended, missing or bad credential gets; the hot
path's query cost; no secret in logs or in the admin."""

import logging
from collections.abc import Callable
from datetime import timedelta

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.models import User
from sessions_app import services
from sessions_app.crypto import digest
from sessions_app.exceptions import (
    ACCOUNT_DISABLED_DETAIL,
    EXPIRED_DETAIL,
    LOGGED_OUT_DETAIL,
    PASSWORD_CHANGED_DETAIL,
    SUPERSEDED_DETAIL,
    TERMINATED_BY_STAFF_DETAIL,
    TERMINATED_DETAIL,
)
from sessions_app.models import EndReason, UserSession
from sessions_app.tests.helpers import (
    browser_login,
    cookie_key,
    move_back,
    resend_cookie,
)

pytestmark = [pytest.mark.django_db, pytest.mark.urls("sessions_app.tests.urls")]

# DESIGN.md section 4: end reason -> (403 code, sentence)
ENDED = {
    EndReason.SUPERSEDED: ("session_superseded", SUPERSEDED_DETAIL),
    EndReason.TERMINATED: ("session_terminated", TERMINATED_DETAIL),
    EndReason.TERMINATED_BY_STAFF: ("session_terminated", TERMINATED_BY_STAFF_DETAIL),
    EndReason.EXPIRED: ("session_expired", EXPIRED_DETAIL),
    EndReason.LOGOUT: ("session_logged_out", LOGGED_OUT_DETAIL),
    EndReason.PASSWORD_CHANGED: ("session_password_changed", PASSWORD_CHANGED_DETAIL),
    EndReason.USER_DEACTIVATED: ("account_disabled", ACCOUNT_DISABLED_DETAIL),
}

# Measured: a cookie request costs one query, the store's SELECT of its row joined to
# the UserSession and the user; a second one (UPDATE last_activity) once per interval.
COOKIE_REQUEST_QUERIES = 1


def end(client: APIClient, reason: str) -> None:
    services.session_end(
        session=UserSession.objects.get(pk=client.session_id), reason=reason
    )


def test_superseded_token_gets_the_seed_sentence_verbatim(make_user, token_client):
    user = make_user()
    first = token_client(user)
    token_client(user)

    response = first.get(reverse("test-whoami"))

    assert response.status_code == 403
    assert response.json() == {
        "detail": str(SUPERSEDED_DETAIL),
        "code": "session_superseded",
    }
    assert str(SUPERSEDED_DETAIL) == (  # the seed sentence, word for word
        "There is already another session up and running, "
        "please logout and login again."
    )


@pytest.mark.parametrize("reason", ENDED)
def test_ended_token_is_refused_with_its_reason_every_time(
    make_user, token_client, reason
):
    client = token_client(make_user())
    end(client, reason)
    code, detail = ENDED[reason]

    for _ in range(3):
        response = client.get(reverse("test-whoami"))
        assert response.status_code == 403
        assert response.json() == {"detail": str(detail), "code": code}


@pytest.mark.parametrize("reason", ENDED)
def test_ended_cookie_is_refused_with_its_reason_once_then_anonymous(
    make_user, cookie_client, reason
):
    client = cookie_client(make_user())
    end(client, reason)
    code, detail = ENDED[reason]

    refused = client.get(reverse("test-whoami"))
    after = client.get(reverse("test-whoami"))

    assert refused.status_code == 403
    assert refused.json() == {"detail": str(detail), "code": code}
    assert cookie_key(client) == ""  # Django cleared the cookie
    assert after.status_code == 401
    assert after.json()["code"] == "not_authenticated"


@pytest.mark.parametrize("reason", ENDED)
def test_ended_cookie_sent_again_is_refused_again(make_user, cookie_client, reason):
    client = cookie_client(make_user())
    key = cookie_key(client)
    end(client, reason)
    client.get(reverse("test-whoami"))
    resend_cookie(client, key)

    response = client.get(reverse("test-whoami"))

    assert response.status_code == 403
    assert response.json()["code"] == ENDED[reason][0]


@pytest.mark.parametrize("transport", ["token", "cookie"])
def test_view_with_its_own_permissions_answers_401_to_an_ended_session(
    make_user, token_client, cookie_client, transport
):
    client = (token_client if transport == "token" else cookie_client)(make_user())
    assert client.get(reverse("test-own-permissions")).status_code == 200
    end(client, EndReason.SUPERSEDED)

    response = client.get(reverse("test-own-permissions"))

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"


def test_missing_credentials_are_401_not_authenticated(api_client):
    response = api_client.get(reverse("test-whoami"))

    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"
    assert response["WWW-Authenticate"] == "Token"


@pytest.mark.parametrize("keyword", ["Token", "Bearer", "token"])
def test_unknown_token_is_401_authentication_failed(api_client, keyword):
    api_client.credentials(HTTP_AUTHORIZATION=f"{keyword} this-token-was-never-issued")

    response = api_client.get(reverse("test-whoami"))

    assert response.status_code == 401
    assert response.json()["code"] == "authentication_failed"
    assert response["WWW-Authenticate"] == "Token"


@pytest.mark.parametrize(
    "header", ["Token a b", "Token", "Bearer a b", f"Token {'x' * 200}"]
)
def test_malformed_token_header_is_401(api_client, header):
    api_client.credentials(HTTP_AUTHORIZATION=header)

    response = api_client.get(reverse("test-whoami"))

    assert response.status_code == 401
    assert response.json()["code"] == "authentication_failed"
    assert response["WWW-Authenticate"] == "Token"


@pytest.mark.parametrize(
    "header", ["Basic dXNlcjpwYXNz", "JWT abc.def", "a-token-without-a-scheme"]
)
def test_unknown_or_missing_scheme_says_how_to_send_a_token(
    make_user, token_client, header
):
    client = token_client(make_user())
    client.credentials(HTTP_AUTHORIZATION=header.replace("a-token", client.token))

    response = client.get(reverse("test-whoami"))

    assert response.status_code == 401
    assert response.json()["code"] == "authentication_failed"
    assert "Use: Authorization: Token <token>" in response.json()["detail"]
    assert response["WWW-Authenticate"] == "Token"


def test_token_digest_is_no_token(make_user, token_client):
    client = token_client(make_user())
    digest = UserSession.objects.get(pk=client.session_id).token_digest

    response = APIClient(headers={"Authorization": f"Token {digest}"}).get(
        reverse("test-whoami")
    )

    assert response.status_code == 401


# Hot path


def test_token_request_costs_one_query_within_the_activity_interval(
    make_user, token_client, django_assert_num_queries
):
    user = make_user()
    client = token_client(user)

    with django_assert_num_queries(1):
        response = client.get(reverse("test-whoami"))

    assert response.json() == {"username": user.username}


def test_token_request_costs_two_queries_after_the_activity_interval(
    make_user, token_client, django_assert_num_queries
):
    user = make_user()
    client = token_client(user)
    session = UserSession.objects.get(pk=client.session_id)
    move_back(session, last_activity=timedelta(minutes=2))

    with django_assert_num_queries(2):
        response = client.get(reverse("test-whoami"))

    assert response.json() == {"username": user.username}
    session.refresh_from_db()
    assert session.last_activity > session.created_at


def test_cookie_request_costs_one_query_within_the_activity_interval(
    make_user, cookie_client, django_assert_num_queries
):
    user = make_user()
    client = cookie_client(user)

    with django_assert_num_queries(COOKIE_REQUEST_QUERIES):
        response = client.get(reverse("test-whoami"))

    assert response.json() == {"username": user.username}


def test_cookie_request_costs_one_more_query_after_the_activity_interval(
    make_user, cookie_client, django_assert_num_queries
):
    user = make_user()
    client = cookie_client(user)
    move_back(
        UserSession.objects.get(pk=client.session_id),
        last_activity=timedelta(minutes=2),
    )

    with django_assert_num_queries(COOKIE_REQUEST_QUERIES + 1):
        response = client.get(reverse("test-whoami"))

    assert response.json() == {"username": user.username}


def test_ended_token_request_costs_one_query(
    make_user, token_client, django_assert_num_queries
):
    client = token_client(make_user())
    end(client, EndReason.LOGOUT)

    with django_assert_num_queries(1):
        response = client.get(reverse("test-whoami"))

    assert response.status_code == 403


# No secret in logs or in the admin


def sign_in_use_and_sign_out(
    make_user: Callable[..., User],
    token_client: Callable[[User], APIClient],
    cookie_client: Callable[[User], APIClient],
) -> list[str]:
    """Walk both transports through login, requests and logout; return their secrets."""
    user, other = make_user(), make_user()
    api = token_client(user)
    api.get(reverse("test-whoami"))
    api.post(reverse("sessions:logout"))
    api.get(reverse("test-whoami"))  # 403 for the ended token
    api.post(
        reverse("sessions:login"), {"username": user.username, "password": "wrong"}
    )
    browser = cookie_client(other)
    key = cookie_key(browser)
    browser.get(reverse("test-whoami"))
    browser.post(reverse("sessions:logout"))
    resend_cookie(browser, key)
    browser.get(reverse("test-whoami"))  # 403 for the ended cookie
    browser.get(reverse("test-whoami"))  # 401
    return [api.token, key]


def assert_no_secret_logged(
    records: list[logging.LogRecord], secrets: list[str]
) -> None:
    assert records  # the refusals at least were logged
    for record in records:
        text = f"{record.getMessage()} {record.args!r} {vars(record)!r}"
        for secret in secrets:
            assert secret not in text, record.name


def test_no_token_or_cookie_key_appears_in_any_log_record(
    make_user, token_client, cookie_client, caplog
):
    # Django's own loggers stop at INFO unless told otherwise: open them to DEBUG too.
    with (
        caplog.at_level(logging.DEBUG),
        caplog.at_level(logging.DEBUG, logger="django"),
    ):
        secrets = sign_in_use_and_sign_out(make_user, token_client, cookie_client)

    assert_no_secret_logged(caplog.records, secrets)


def test_no_cookie_key_appears_in_the_sql_log_of_a_debug_server(
    make_user, token_client, cookie_client, caplog, settings
):
    settings.DEBUG = True
    with (
        caplog.at_level(logging.DEBUG),
        caplog.at_level(logging.DEBUG, logger="django"),
    ):
        secrets = sign_in_use_and_sign_out(make_user, token_client, cookie_client)

    assert_no_secret_logged(caplog.records, secrets)


def test_admin_session_pages_show_no_token_or_cookie_key(make_user, token_client):
    superuser = make_user(is_staff=True, is_superuser=True)
    admin = APIClient()
    browser_login(admin, superuser, "admin:login")
    admin_key = cookie_key(admin)
    member = token_client(make_user())
    secrets = [admin_key, digest(admin_key), member.token, digest(member.token)]
    pages = [reverse("admin:sessions_app_usersession_changelist")]
    pages += [
        reverse("admin:sessions_app_usersession_change", args=[session.pk])
        for session in UserSession.objects.all()
    ]

    for page in pages:
        response = admin.get(page)
        assert response.status_code == 200, page
        content = response.content.decode()
        for secret in secrets:
            assert secret not in content, page
