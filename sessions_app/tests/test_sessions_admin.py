import pytest
from django.urls import reverse

from sessions_app.models import UserSession

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client_logged_in(make_user, client):
    admin = make_user(is_staff=True, is_superuser=True)
    response = client.post(
        reverse("admin:login"),
        {"username": admin.username, "password": admin.raw_password},
    )
    assert response.status_code == 302
    return client


def test_admin_action_ends_selected_sessions_through_the_service(
    make_user, make_session, admin_client_logged_in
):
    member = make_user()
    target = make_session(user=member)

    response = admin_client_logged_in.post(
        reverse("admin:sessions_app_usersession_changelist"),
        {"action": "end_selected_sessions", "_selected_action": [str(target.pk)]},
    )

    assert response.status_code == 302
    target.refresh_from_db()
    assert not target.is_active
    assert target.end_reason == "terminated_by_staff"


@pytest.mark.parametrize(
    "query",
    [
        "q=user",
        "is_active__exact=1",
        "transport__exact=token",
        "end_reason__exact=superseded",
        "location=Localhost",
    ],
)
def test_admin_sessions_search_and_filters_answer(
    make_user, make_session, admin_client_logged_in, query
):
    make_session(user=make_user())

    response = admin_client_logged_in.get(
        f"{reverse('admin:sessions_app_usersession_changelist')}?{query}"
    )

    assert response.status_code == 200


def test_admin_session_page_shows_fingerprint_not_token(
    make_user, make_session, admin_client_logged_in
):
    session = make_session(user=make_user())

    response = admin_client_logged_in.get(
        reverse("admin:sessions_app_usersession_change", args=[session.pk])
    )

    page = response.content.decode()
    assert response.status_code == 200
    assert session.token not in page
    assert session.token_digest not in page
    assert f"sha256:{session.token_digest[:12]}" in page


def test_user_page_lists_sessions_inline(
    make_user, make_session, admin_client_logged_in
):
    member = make_user()
    make_session(user=member, user_agent="curl/8.5.0")

    response = admin_client_logged_in.get(
        reverse("admin:accounts_user_change", args=[member.pk])
    )

    assert response.status_code == 200
    assert "curl" in response.content.decode()


def test_deactivating_a_user_in_the_admin_ends_their_sessions(
    make_user, make_session, admin_client_logged_in
):
    member = make_user()
    session = make_session(user=member)
    change_url = reverse("admin:accounts_user_change", args=[member.pk])
    form = {
        "username": member.username,
        "real_name": member.real_name,
        "mobile": str(member.mobile),
        "email": "",
        "tz": member.tz,
        "last_login_0": "",
        "last_login_1": "",
        "date_joined_0": "2026-01-01",
        "date_joined_1": "00:00:00",
        "user_sessions-TOTAL_FORMS": "1",
        "user_sessions-INITIAL_FORMS": "1",
        "user_sessions-MIN_NUM_FORMS": "0",
        "user_sessions-MAX_NUM_FORMS": "0",
        "user_sessions-0-id": str(session.pk),
        "user_sessions-0-user": str(member.pk),
    }  # is_active left out: the checkbox is unticked

    response = admin_client_logged_in.post(change_url, form)

    assert response.status_code == 302, response.content.decode()[:2000]
    member.refresh_from_db()
    assert not member.is_active
    assert UserSession.objects.get(pk=session.pk).end_reason == "user_deactivated"
