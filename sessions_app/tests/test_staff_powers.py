"""Staff powers follow Django's permissions, and every staff action names its actor."""

import importlib
from datetime import timedelta

import pytest
from django.apps import apps as django_apps
from django.contrib.auth.models import Group, Permission
from django.core.management import call_command
from django.http import HttpResponse
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.acting import acting_staff, request_acting
from activity.models import ActivityPeriod
from sessions_app.models import EndReason, EventKind, SecurityEvent, UserSession
from sessions_app.tests.helpers import make_session_manager

pytestmark = pytest.mark.django_db


def admin_browser(user) -> Client:
    browser = Client()
    response = browser.post(
        reverse("admin:login"),
        {"username": user.username, "password": user.raw_password},
    )
    assert response.status_code == 302
    return browser


def staff_end(client, session_id):
    return client.delete(reverse("sessions:staff-session", args=[session_id]))


def test_the_migration_gave_session_managers_their_powers():
    group = Group.objects.get(name="Session managers")

    assert set(group.permissions.values_list("codename", flat=True)) == {
        "end_usersession",
        "clear_throttle",
        "view_usersession",
        "view_securityevent",
    }


def test_staff_without_the_permission_cannot_end_sessions(make_user, token_client):
    victim = token_client(make_user())
    staff = token_client(make_user(is_staff=True))

    response = staff_end(staff, victim.session_id)

    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    assert UserSession.objects.get(pk=victim.session_id).is_active


def test_a_session_manager_ends_a_members_session_and_is_named(make_user, token_client):
    member = make_user()
    victim = token_client(member)
    manager = make_session_manager(make_user(is_staff=True))
    staff = token_client(manager)

    response = staff_end(staff, victim.session_id)

    assert response.status_code == 200
    event = SecurityEvent.objects.get(user=member, kind=EventKind.SESSION_TERMINATED)
    assert event.detail["actor"] == {
        "id": str(manager.pk),
        "username": manager.username,
    }
    assert event.detail["reason"] == EndReason.TERMINATED_BY_STAFF


def test_only_a_superuser_ends_a_superusers_session(make_user, token_client):
    root = make_user(is_staff=True, is_superuser=True)
    root_device = token_client(root)
    manager = token_client(make_session_manager(make_user(is_staff=True)))
    other_root = token_client(make_user(is_staff=True, is_superuser=True))

    refused = staff_end(manager, root_device.session_id)
    ended = staff_end(other_root, root_device.session_id)

    assert refused.status_code == 403
    assert ended.status_code == 200


def test_a_view_only_admin_sees_no_end_action(make_user):
    viewer = make_user(is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_usersession"))

    page = admin_browser(viewer).get(
        reverse("admin:sessions_app_usersession_changelist")
    )

    assert page.status_code == 200
    assert b"end_selected_sessions" not in page.content


def test_the_admin_action_keeps_superusers_sessions_for_others_and_names_the_actor(
    make_user, make_session
):
    manager = make_session_manager(make_user(is_staff=True))
    member_session = make_session(user=make_user())
    root_session = make_session(user=make_user(is_staff=True, is_superuser=True))

    admin_browser(manager).post(
        reverse("admin:sessions_app_usersession_changelist"),
        {
            "action": "end_selected_sessions",
            "_selected_action": [str(member_session.pk), str(root_session.pk)],
        },
    )

    member_session.refresh_from_db()
    root_session.refresh_from_db()
    assert member_session.end_reason == EndReason.TERMINATED_BY_STAFF
    assert root_session.is_active
    event = SecurityEvent.objects.get(
        session=member_session, kind=EventKind.SESSION_TERMINATED
    )
    assert event.detail["actor"]["username"] == manager.username


def test_deactivating_a_user_from_the_admin_names_the_actor(
    make_user, token_client, rf
):
    root = make_user(is_staff=True, is_superuser=True)
    member = make_user()
    token_client(member)
    request = rf.post("/admin/accounts/user/")
    request.user = root

    with request_acting(request):  # as UserAdmin's change views run
        member.is_active = False
        member.save(update_fields=["is_active"])

    event = SecurityEvent.objects.get(user=member, kind=EventKind.SESSION_TERMINATED)
    assert event.detail["reason"] == EndReason.USER_DEACTIVATED
    assert event.detail["actor"]["username"] == root.username


def test_user_admin_views_run_as_the_acting_request(make_user, monkeypatch):
    root = make_user(is_staff=True, is_superuser=True)
    seen = []
    monkeypatch.setattr(
        "django.contrib.auth.admin.UserAdmin.changeform_view",
        lambda self, request, *args, **kwargs: (
            seen.append(acting_staff()) or HttpResponse()
        ),
    )

    admin_browser(root).get(reverse("admin:accounts_user_change", args=[root.pk]))

    assert seen == [root]


def test_activity_periods_are_read_only_in_the_admin(make_user, make_session):
    root = make_user(is_staff=True, is_superuser=True)
    period = ActivityPeriod.objects.get(session=make_session(user=make_user()))
    browser = admin_browser(root)

    delete_page = browser.get(
        reverse("admin:activity_activityperiod_delete", args=[period.pk])
    )

    assert delete_page.status_code == 403
    assert ActivityPeriod.objects.filter(pk=period.pk).exists()


def test_purging_sessions_keeps_their_events(make_user, make_session):
    user = make_user()
    session = make_session(user=user)
    from sessions_app import services

    services.session_end(session=session, reason=EndReason.LOGOUT)
    UserSession.objects.filter(pk=session.pk).update(
        ended_at=timezone.now() - timedelta(days=200)
    )
    events = SecurityEvent.objects.filter(user=user).count()

    call_command("purge_sessions", "--older-than", "90d", stdout=None)

    assert not UserSession.objects.filter(pk=session.pk).exists()
    assert SecurityEvent.objects.filter(user=user).count() == events
    assert not SecurityEvent.objects.filter(user=user, session__isnull=False).exists()


def test_purge_events_deletes_only_old_events(make_user, make_session, capsys):
    user = make_user()
    make_session(user=user)
    SecurityEvent.objects.filter(user=user).update(
        created_at=timezone.now() - timedelta(days=400)
    )
    make_session(user=user)  # a recent login
    recent = SecurityEvent.objects.filter(
        created_at__gt=timezone.now() - timedelta(days=1)
    ).count()

    call_command("purge_events", "--older-than", "365d", "--batch-size", "1")

    assert SecurityEvent.objects.count() == recent > 0
    assert "Deleted" in capsys.readouterr().out


def test_purge_events_refuses_a_bad_age():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="90d"):
        call_command("purge_events", "--older-than", "a year")


def test_the_migration_keeps_existing_staff_powers(make_user):
    migration = importlib.import_module(
        "sessions_app.migrations.0005_staff_permissions_and_lasting_events"
    )
    staff, root, member = (
        make_user(is_staff=True),
        make_user(is_staff=True, is_superuser=True),
        make_user(),
    )

    migration.give_staff_their_power(django_apps, None)

    assert list(Group.objects.get(name="Session managers").user_set.all()) == [staff]
    staff = type(staff).objects.get(pk=staff.pk)
    assert staff.has_perm("sessions_app.end_usersession")
    assert not member.groups.exists() and not root.groups.exists()
