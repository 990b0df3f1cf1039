import uuid

import pytest
from django.urls import reverse

from config.app_settings import DEFAULTS
from sessions_app.models import UserSession

pytestmark = pytest.mark.django_db

SESSION_FIELDS = {
    "id",
    "device_name",
    "device_info",
    "ip_address",
    "user_agent",
    "location",
    "login_method",
    "transport",
    "is_active",
    "is_current",
    "created_at",
    "last_activity",
    "expires_at",
    "ended_at",
    "end_reason",
}


@pytest.fixture
def allow_three(settings):
    settings.SESSION_POLICY = {**DEFAULTS, "MAX_SESSIONS_PER_USER": 3}


def session_detail(session_id) -> str:
    return reverse("sessions:session-detail", kwargs={"pk": session_id})


def test_me_shows_own_data_and_current_session(make_user, token_client):
    user = make_user(email="me@example.com")
    client = token_client(user)

    response = client.get(reverse("sessions:me"))

    assert response.status_code == 200
    body = response.json()
    assert body["username"] == user.username
    assert body["mobile"] == str(user.mobile)
    assert body["session"]["id"] == client.session_id
    assert body["session"]["is_current"] is True
    assert set(body["session"]) == SESSION_FIELDS


def test_me_costs_one_query_with_a_token(
    make_user, token_client, django_assert_num_queries
):
    client = token_client(make_user())

    with django_assert_num_queries(1):
        response = client.get(reverse("sessions:me"))

    assert response.status_code == 200


def test_patch_me_changes_profile_fields_only(make_user, token_client):
    user = make_user()
    client = token_client(user)

    response = client.patch(
        reverse("sessions:me"),
        {
            "real_name": "New Name",
            "tz": "Europe/Paris",
            "email": "n@example.com",
            "is_staff": True,
            "username": "hijack",
        },
    )

    assert response.status_code == 202  # the new email waits for its link
    user.refresh_from_db()
    assert (user.real_name, user.tz, user.email, user.pending_email) == (
        "New Name",
        "Europe/Paris",
        "",
        "n@example.com",
    )
    assert not user.is_staff and user.username != "hijack"


@pytest.mark.parametrize(
    ("field", "value"),
    [("tz", "Mars/Base"), ("email", "nope"), ("real_name", "x" * 151)],
)
def test_patch_me_rejects_bad_values(make_user, token_client, field, value):
    user = make_user(tz="UTC")
    client = token_client(user)

    response = client.patch(reverse("sessions:me"), {field: value})

    assert response.status_code == 400
    assert set(response.json()["fields"]) == {field}
    user.refresh_from_db()
    assert user.tz == "UTC"


def test_sessions_list_defaults_to_live_ones_and_marks_current(
    make_user, token_client, allow_three
):
    user = make_user()
    first = token_client(user)
    second = token_client(user)
    first.post(reverse("sessions:logout"))

    response = second.get(reverse("sessions:session-list"))

    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"count", "next", "previous", "results"}
    assert body["count"] == 1
    assert body["results"][0]["id"] == second.session_id
    assert body["results"][0]["is_current"] is True
    assert set(body["results"][0]) == SESSION_FIELDS


@pytest.mark.parametrize(
    ("status_filter", "expected"), [("active", 2), ("ended", 1), ("all", 3)]
)
def test_sessions_list_filters_by_status(
    make_user, token_client, allow_three, status_filter, expected
):
    user = make_user()
    token_client(user).post(reverse("sessions:logout"))
    token_client(user)
    current = token_client(user)

    response = current.get(reverse("sessions:session-list"), {"status": status_filter})

    assert response.status_code == 200
    assert response.json()["count"] == expected


def test_sessions_list_rejects_unknown_status(make_user, token_client):
    client = token_client(make_user())

    response = client.get(reverse("sessions:session-list"), {"status": "sleeping"})

    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert set(response.json()["fields"]) == {"status"}


def test_sessions_list_paginates_and_page_past_end_is_404(
    make_user, make_session, token_client, allow_three
):
    user = make_user()
    for _ in range(4):
        make_session(user=user)
    client = token_client(user)
    url = reverse("sessions:session-list")

    first = client.get(url, {"status": "all", "page_size": 2})
    third = client.get(url, {"status": "all", "page_size": 2, "page": 3})
    beyond = client.get(url, {"status": "all", "page_size": 2, "page": 4})

    assert first.json()["count"] == 5
    assert len(first.json()["results"]) == 2 and first.json()["next"]
    assert len(third.json()["results"]) == 1 and third.json()["next"] is None
    assert beyond.status_code == 404
    assert beyond.json()["code"] == "not_found"


@pytest.mark.parametrize("page", ["0", "-1", "abc", "99999999999999999999"])
def test_sessions_list_bad_page_numbers_are_404(make_user, token_client, page):
    client = token_client(make_user())

    response = client.get(reverse("sessions:session-list"), {"page": page})

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


@pytest.mark.parametrize("page_size", ["0", "-5", "abc"])
def test_sessions_list_bad_page_size_falls_back_to_default(
    make_user, token_client, page_size
):
    client = token_client(make_user())

    response = client.get(reverse("sessions:session-list"), {"page_size": page_size})

    assert response.status_code == 200
    assert response.json()["count"] == 1


def test_sessions_list_shows_only_own_sessions(make_user, make_session, token_client):
    make_session(user=make_user())
    client = token_client(make_user())

    response = client.get(reverse("sessions:session-list"), {"status": "all"})

    assert response.json()["count"] == 1


def test_session_detail_of_own_session(make_user, token_client):
    client = token_client(make_user())

    response = client.get(session_detail(client.session_id))

    assert response.status_code == 200
    assert response.json()["id"] == client.session_id


def test_another_users_session_is_404_to_read_and_to_end(
    make_user, make_session, token_client
):
    other = make_session(user=make_user())
    client = token_client(make_user())

    read = client.get(session_detail(other.pk))
    end = client.delete(session_detail(other.pk))

    assert read.status_code == 404 and read.json()["code"] == "not_found"
    assert end.status_code == 404 and end.json()["code"] == "not_found"
    assert UserSession.objects.get(pk=other.pk).is_active


@pytest.mark.parametrize("session_id", [str(uuid.uuid4()), "not-a-uuid", "1"])
def test_unknown_or_malformed_session_id_is_404(make_user, token_client, session_id):
    client = token_client(make_user())

    response = client.get(f"{reverse('sessions:session-list')}{session_id}/")

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_ending_another_own_session_terminates_it(make_user, token_client, allow_three):
    user = make_user()
    phone = token_client(user)
    laptop = token_client(user)

    response = laptop.delete(session_detail(phone.session_id))

    assert response.status_code == 200
    ended = response.json()["ended_session"]
    assert ended["id"] == phone.session_id
    assert ended["is_active"] is False and ended["end_reason"] == "terminated"
    refused = phone.get(reverse("sessions:me"))
    assert refused.status_code == 403
    assert refused.json()["code"] == "session_terminated"
    assert laptop.get(reverse("sessions:me")).status_code == 200


def test_ending_the_current_session_is_a_logout(make_user, token_client):
    client = token_client(make_user())

    response = client.delete(session_detail(client.session_id))

    assert response.status_code == 200
    assert response.json()["ended_session"]["end_reason"] == "logout"
    assert client.get(reverse("sessions:me")).json()["code"] == "session_logged_out"


def test_ending_the_current_cookie_session_logs_the_browser_out(
    make_user, cookie_client
):
    client = cookie_client(make_user())

    response = client.delete(session_detail(client.session_id))

    assert response.status_code == 200
    assert response.json()["ended_session"]["end_reason"] == "logout"
    assert client.get(reverse("sessions:me")).status_code == 401  # cookie cleared


def test_end_all_keeps_current_by_default(make_user, token_client, allow_three):
    user = make_user()
    others = [token_client(user), token_client(user)]
    current = token_client(user)

    response = current.delete(reverse("sessions:session-list"))

    assert response.status_code == 200
    assert response.json() == {"ended_count": 2}
    assert current.get(reverse("sessions:me")).status_code == 200
    for other in others:
        assert other.get(reverse("sessions:me")).json()["code"] == "session_terminated"


def test_end_all_with_keep_current_false_logs_out_too(
    make_user, token_client, allow_three
):
    user = make_user()
    other = token_client(user)
    current = token_client(user)

    response = current.delete(f"{reverse('sessions:session-list')}?keep_current=false")

    assert response.json() == {"ended_count": 2}
    assert UserSession.objects.get(pk=current.session_id).end_reason == "logout"
    assert UserSession.objects.get(pk=other.session_id).end_reason == "terminated"
    assert not UserSession.objects.filter(user=user, is_active=True).exists()


def test_end_all_rejects_a_bad_flag(make_user, token_client):
    client = token_client(make_user())

    response = client.delete(f"{reverse('sessions:session-list')}?keep_current=maybe")

    assert response.status_code == 400
    assert set(response.json()["fields"]) == {"keep_current"}
    assert client.get(reverse("sessions:me")).status_code == 200


@pytest.mark.parametrize(
    ("method", "name", "kwargs"),
    [
        ("get", "sessions:me", {}),
        ("patch", "sessions:me", {}),
        ("get", "sessions:session-list", {}),
        ("delete", "sessions:session-list", {}),
        ("get", "sessions:session-detail", {"pk": uuid.uuid4()}),
        ("delete", "sessions:session-detail", {"pk": uuid.uuid4()}),
        ("post", "sessions:logout", {}),
        ("post", "sessions:password-change", {}),
    ],
)
def test_superseded_credential_gets_403_on_each_endpoint(
    make_user, token_client, method, name, kwargs
):
    user = make_user()
    old = token_client(user)
    token_client(user)

    response = getattr(old, method)(reverse(name, kwargs=kwargs), {})

    assert response.status_code == 403
    assert response.json()["code"] == "session_superseded"


@pytest.mark.parametrize("name", ["sessions:me", "sessions:session-list"])
def test_anonymous_gets_401(api_client, name):
    response = api_client.get(reverse(name))

    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"
