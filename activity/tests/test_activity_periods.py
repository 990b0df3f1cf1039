from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from activity import services
from activity.models import ActivityPeriod
from config.app_settings import DEFAULTS
from sessions_app import services as session_services
from sessions_app.exceptions import SessionEnded, SessionLimitReached
from sessions_app.models import EndReason, Transport, UserSession

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a-much-better-passphrase-77"


def assert_one_period_per_session() -> None:
    """Every ended session has exactly one closed period, every live one an open one."""
    for session in UserSession.objects.all():
        periods = list(ActivityPeriod.objects.filter(session=session))
        assert len(periods) == 1, session
        period = periods[0]
        assert period.user_id == session.user_id
        assert period.start_time == session.created_at
        if session.is_active:
            assert period.end_time is None, session
        else:
            assert period.end_time is not None, session
            assert session.created_at <= period.end_time <= session.ended_at


def period_of(session_id) -> ActivityPeriod:
    return ActivityPeriod.objects.get(session_id=session_id)


def test_token_login_opens_one_period_at_the_session_start(make_user, token_client):
    user = make_user()

    client = token_client(user)

    session = UserSession.objects.get(pk=client.session_id)
    period = period_of(session.pk)
    assert period.user == user
    assert period.start_time == session.created_at
    assert period.end_time is None
    assert_one_period_per_session()


def test_cookie_login_opens_one_period(make_user, cookie_client):
    user = make_user()

    client = cookie_client(user)

    assert period_of(client.session_id).end_time is None
    assert_one_period_per_session()


def test_superseded_session_has_its_period_closed_and_new_one_open(
    make_user, token_client
):
    user = make_user()
    first = token_client(user)

    second = token_client(user)

    old = UserSession.objects.get(pk=first.session_id)
    assert old.end_reason == EndReason.SUPERSEDED
    assert period_of(old.pk).end_time == old.ended_at
    assert period_of(second.session_id).end_time is None
    assert_one_period_per_session()


def test_token_logout_closes_the_period(make_user, token_client):
    client = token_client(make_user())

    response = client.post(reverse("sessions:logout"))

    assert response.status_code == 204
    session = UserSession.objects.get(pk=client.session_id)
    assert session.end_reason == EndReason.LOGOUT
    assert period_of(session.pk).end_time == session.ended_at
    assert_one_period_per_session()


def test_browser_logout_closes_the_period(make_user, cookie_client):
    client = cookie_client(make_user())

    response = client.post(reverse("rest_framework:logout"))

    assert response.status_code in (200, 302)
    session = UserSession.objects.get(pk=client.session_id)
    assert session.end_reason == EndReason.LOGOUT
    assert period_of(session.pk).end_time == session.ended_at
    assert_one_period_per_session()


def test_session_ended_from_another_session_closes_its_period(
    make_user, make_session, settings
):
    settings.SESSION_POLICY = {**DEFAULTS, "MAX_SESSIONS_PER_USER": 2}
    user = make_user()
    kept = make_session(user=user)
    other = make_session(user=user)

    session_services.session_end_others(
        user_id=user.pk, keep_session_id=kept.pk, reason=EndReason.TERMINATED
    )

    other.refresh_from_db()
    assert other.end_reason == EndReason.TERMINATED
    assert period_of(other.pk).end_time == other.ended_at
    assert period_of(kept.pk).end_time is None
    assert_one_period_per_session()


def test_session_ended_by_staff_closes_its_period(make_user, make_session):
    session = make_session(user=make_user())

    session_services.session_end(session=session, reason=EndReason.TERMINATED_BY_STAFF)

    session.refresh_from_db()
    assert period_of(session.pk).end_time == session.ended_at
    assert_one_period_per_session()


def test_expired_sessions_close_their_periods_at_the_moment_they_expired(
    make_user, make_session
):
    session = make_session(user=make_user())
    much_later = session.expires_at + timedelta(days=2)

    ended = session_services.session_end_expired(at=much_later)

    assert ended == 1
    session.refresh_from_db()
    assert session.end_reason == EndReason.EXPIRED
    assert session.ended_at == much_later
    # Never refreshed: the token session ended REFRESH_TTL after the login.
    refresh_end = session.created_at + DEFAULTS["REFRESH_TTL"]
    assert period_of(session.pk).end_time == refresh_end
    assert_one_period_per_session()


def test_request_with_an_expired_token_closes_its_period(make_user, token_client):
    client = token_client(make_user())
    # Let 31 days pass: move the session and its period back in time together.
    logged_in_at = timezone.now() - timedelta(days=31)
    expired_at = logged_in_at + DEFAULTS["SESSION_MAX_LIFETIME"]
    UserSession.objects.filter(pk=client.session_id).update(
        created_at=logged_in_at,
        last_activity=expired_at - timedelta(minutes=1),
        expires_at=expired_at,  # refreshed until the end: the max lifetime ends it
    )
    ActivityPeriod.objects.filter(session_id=client.session_id).update(
        start_time=logged_in_at
    )

    response = client.get(reverse("activity:my-activity"))

    assert response.status_code == 403
    assert response.json()["code"] == "session_expired"
    assert period_of(client.session_id).end_time == expired_at
    assert_one_period_per_session()


def test_password_change_closes_the_other_sessions_periods_only(
    make_user, token_client, settings
):
    settings.SESSION_POLICY = {**DEFAULTS, "MAX_SESSIONS_PER_USER": 2}
    user = make_user()
    other = token_client(user)
    current = token_client(user)

    response = current.post(
        reverse("sessions:password-change"),
        {"current_password": user.raw_password, "new_password": NEW_PASSWORD},
    )

    assert response.status_code == 200
    ended = UserSession.objects.get(pk=other.session_id)
    assert ended.end_reason == EndReason.PASSWORD_CHANGED
    assert period_of(ended.pk).end_time == ended.ended_at
    assert period_of(current.session_id).end_time is None
    assert_one_period_per_session()


def test_deactivating_a_user_closes_all_their_periods(
    make_user, token_client, settings
):
    settings.SESSION_POLICY = {**DEFAULTS, "MAX_SESSIONS_PER_USER": 2}
    user = make_user()
    token_client(user)
    token_client(user)

    user.is_active = False
    user.save(update_fields=["is_active"])

    assert not ActivityPeriod.objects.filter(user=user, end_time__isnull=True).exists()
    assert set(UserSession.objects.values_list("end_reason", flat=True)) == {
        EndReason.USER_DEACTIVATED
    }
    assert_one_period_per_session()


def test_every_end_reason_leaves_one_closed_period_per_session(
    make_user, make_session, token_client, cookie_client, settings
):
    settings.SESSION_POLICY = {**DEFAULTS, "MAX_SESSIONS_PER_USER": 2}
    now = timezone.now()
    # superseded: a third login ends the oldest of two
    crowded = make_user()
    token_client(crowded)
    token_client(crowded)
    token_client(crowded)
    # terminated, terminated_by_staff
    owner = make_user()
    kept = make_session(user=owner)
    make_session(user=owner)
    session_services.session_end_others(
        user_id=owner.pk, keep_session_id=kept.pk, reason=EndReason.TERMINATED
    )
    session_services.session_end(session=kept, reason=EndReason.TERMINATED_BY_STAFF)
    # expired: an old session found by the bulk expiry
    make_session(user=make_user(), at=now - timedelta(days=31))
    session_services.session_end_expired(at=now)
    # token_reused: a refresh token replayed after its rotation
    replayed = make_session(user=make_user())
    session_services.session_refresh(refresh_token=replayed.refresh_token)
    with pytest.raises(SessionEnded):
        session_services.session_refresh(
            refresh_token=replayed.refresh_token, at=now + timedelta(minutes=1)
        )
    # logout, by token and by cookie
    token_client(make_user()).post(reverse("sessions:logout"))
    cookie_client(make_user()).post(reverse("rest_framework:logout"))
    # password_changed
    changer = make_user()
    token_client(changer)
    token_client(changer).post(
        reverse("sessions:password-change"),
        {"current_password": changer.raw_password, "new_password": NEW_PASSWORD},
    )
    # user_deactivated
    leaver = make_user()
    make_session(user=leaver, transport=Transport.COOKIE, session_key="k" * 32)
    leaver.is_active = False
    leaver.save(update_fields=["is_active"])

    reasons = set(
        UserSession.objects.filter(is_active=False).values_list("end_reason", flat=True)
    )
    assert reasons == set(EndReason.values)
    assert UserSession.objects.filter(is_active=True).exists()
    assert_one_period_per_session()
    assert ActivityPeriod.objects.count() == UserSession.objects.count()


def test_refused_login_leaves_no_period(make_user, make_session, settings):
    settings.SESSION_POLICY = {**DEFAULTS, "ON_LIMIT": "refuse_new"}
    user = make_user()
    make_session(user=user)

    with pytest.raises(SessionLimitReached):
        make_session(user=user)

    assert ActivityPeriod.objects.filter(user=user).count() == 1
    assert_one_period_per_session()


def test_purging_ended_sessions_keeps_their_periods(make_user, make_session):
    session = make_session(user=make_user())
    session_services.session_end(session=session, reason=EndReason.LOGOUT)
    period = period_of(session.pk)

    purged = session_services.session_purge_ended(before=timezone.now() + timedelta(1))

    assert purged == 1
    period.refresh_from_db()
    assert period.session_id is None
    assert period.end_time is not None


def test_session_without_a_period_gets_a_closed_one_when_it_ends(
    make_user, make_session
):
    session = make_session(user=make_user())
    ActivityPeriod.objects.filter(session=session).delete()  # started before activity

    session_services.session_end(session=session, reason=EndReason.LOGOUT)

    session.refresh_from_db()
    period = period_of(session.pk)
    assert period.start_time == session.created_at
    assert period.end_time == session.ended_at


def test_closing_a_period_twice_keeps_the_first_end(make_user, make_session):
    session = make_session(user=make_user())
    first_end = session.created_at + timedelta(minutes=5)
    services.activity_period_close(
        session=session, reason=EndReason.LOGOUT, at=first_end
    )

    services.activity_period_close(
        session=session, reason=EndReason.LOGOUT, at=first_end + timedelta(hours=1)
    )

    assert ActivityPeriod.objects.filter(session=session).count() == 1
    assert period_of(session.pk).end_time == first_end


def test_admin_lists_periods_filtered_by_status_and_searched_by_mobile(
    make_user, cookie_client
):
    admin_user = make_user(is_staff=True, is_superuser=True)
    client = cookie_client(admin_user)  # an open period of its own
    member = make_user(mobile="+919876500001")
    ActivityPeriod.objects.create(
        user=member,
        start_time=timezone.now() - timedelta(hours=2),
        end_time=timezone.now() - timedelta(hours=1),
    )
    changelist = reverse("admin:activity_activityperiod_changelist")

    closed = client.get(changelist, {"status": "closed", "q": "9876500001"})
    open_only = client.get(changelist, {"status": "open"})
    by_day = client.get(changelist, {"start_time__year": timezone.now().year})

    assert closed.status_code == 200
    assert [p.user_id for p in closed.context["cl"].result_list] == [member.pk]
    assert [p.user_id for p in open_only.context["cl"].result_list] == [admin_user.pk]
    assert by_day.status_code == 200
