import uuid

import pytest
from django.urls import reverse

from config.app_settings import DEFAULTS
from sessions_app.models import UserSession
from sessions_app.tests.helpers import make_session_manager

pytestmark = pytest.mark.django_db


def lookup_urls(mobile: str) -> list[str]:
    return [
        reverse("sessions:staff-user-sessions", kwargs={"mobile": mobile}),
        reverse("legacy:staff-user-sessions", kwargs={"mobile": mobile}),
    ]


@pytest.fixture
def member_with_history(make_user, make_session, settings):
    settings.SESSION_POLICY = {**DEFAULTS, "MAX_SESSIONS_PER_USER": 2}
    member = make_user(mobile="+919012345678")
    make_session(user=member)  # superseded by the third
    live = [make_session(user=member), make_session(user=member)]
    return member, live


@pytest.mark.parametrize(
    "spelling", ["9012345678", "+919012345678", "+91 90123 45678", "+91-901-234-5678"]
)
def test_staff_look_up_live_sessions_by_any_mobile_spelling(
    make_user, token_client, member_with_history, spelling
):
    member, live = member_with_history
    staff = token_client(make_user(is_staff=True))

    for url in lookup_urls(spelling):
        response = staff.get(url)

        assert response.status_code == 200
        body = response.json()
        assert body["id"] == str(member.pk)
        assert body["mobile"] == "+919012345678"
        assert {s["id"] for s in body["active_sessions"]} == {str(s.pk) for s in live}
        assert "sessions" not in body


def test_verbose_lookup_lists_ended_sessions_too(
    make_user, token_client, member_with_history
):
    member, live = member_with_history
    staff = token_client(make_user(is_staff=True))
    v1 = reverse("sessions:staff-user-sessions", kwargs={"mobile": "9012345678"})
    legacy_v = reverse(
        "legacy:staff-user-sessions-verbose", kwargs={"mobile": "9012345678"}
    )

    for response in (staff.get(v1, {"verbose": "true"}), staff.get(legacy_v)):
        assert response.status_code == 200
        body = response.json()
        assert len(body["active_sessions"]) == 2
        assert len(body["sessions"]) == 3
        assert [s["end_reason"] for s in body["sessions"]].count("superseded") == 1


@pytest.mark.parametrize("mobile", ["9999999999", "12", "not-a-number"])
def test_lookup_of_unknown_or_invalid_mobile_is_404(make_user, token_client, mobile):
    staff = token_client(make_user(is_staff=True))

    for url in lookup_urls(mobile):
        response = staff.get(url)

        assert response.status_code == 404
        assert response.json()["code"] == "not_found"


def test_members_get_403_permission_denied_on_staff_routes(
    make_user, make_session, token_client
):
    target = make_session(user=make_user(mobile="+919012345678"))
    member = token_client(make_user())

    for url in lookup_urls("9012345678"):
        response = member.get(url)
        assert response.status_code == 403
        assert response.json()["code"] == "permission_denied"
    response = member.delete(
        reverse("sessions:staff-session", kwargs={"pk": target.pk})
    )
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    assert UserSession.objects.get(pk=target.pk).is_active


def test_anonymous_gets_401_on_staff_routes(api_client):
    response = api_client.get(lookup_urls("9012345678")[0])

    assert response.status_code == 401


def test_superseded_staff_credential_gets_403_reason_on_staff_routes(
    make_user, token_client
):
    staff_user = make_user(is_staff=True)
    old = token_client(staff_user)
    token_client(staff_user)

    response = old.get(lookup_urls("9012345678")[0])

    assert response.status_code == 403
    assert response.json()["code"] == "session_superseded"


def test_staff_end_a_session_with_reason_terminated_by_staff(make_user, token_client):
    member = make_user()
    member_client = token_client(member)
    staff = token_client(make_session_manager(make_user(is_staff=True)))

    response = staff.delete(
        reverse("sessions:staff-session", kwargs={"pk": member_client.session_id})
    )

    assert response.status_code == 200
    assert response.json()["ended_session"]["end_reason"] == "terminated_by_staff"
    refused = member_client.get(reverse("sessions:me"))
    assert refused.status_code == 403
    assert refused.json()["code"] == "session_terminated"


def test_staff_end_unknown_session_is_404(make_user, token_client):
    staff = token_client(make_user(is_staff=True))

    response = staff.delete(
        reverse("sessions:staff-session", kwargs={"pk": uuid.uuid4()})
    )

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
