"""Staff and two factors: who has it, resetting it, and the staff policy."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from mfa.models import RecoveryCode, TOTPDevice
from mfa.tests.factories import enable_totp, totp_code, two_factor_client
from sessions_app.models import EventKind, SecurityEvent, UserSession
from sessions_app.tests.helpers import browser_login, set_policy

pytestmark = pytest.mark.django_db


def reset_url(user) -> str:
    return reverse("mfa:staff-reset", kwargs={"mobile": user.mobile.as_e164})


def may_reset(user):
    user.user_permissions.add(Permission.objects.get(codename="reset_totpdevice"))
    for cache in ("_perm_cache", "_user_perm_cache"):
        user.__dict__.pop(cache, None)
    return user


@pytest.fixture
def member(make_user):
    user = make_user(email="member@example.com")
    user.totp = enable_totp(user)
    return user


def test_staff_lookup_says_whether_two_factors_are_on(member, make_user, token_client):
    staff = token_client(make_user(is_staff=True))
    plain = make_user()

    with_mfa = staff.get(
        reverse("sessions:staff-user-sessions", kwargs={"mobile": str(member.mobile)})
    )
    without = staff.get(
        reverse("sessions:staff-user-sessions", kwargs={"mobile": str(plain.mobile)})
    )

    assert with_mfa.json()["mfa_enabled"] is True
    assert without.json()["mfa_enabled"] is False


def test_staff_with_the_permission_reset_it_and_the_event_names_them(
    member, make_user, token_client, django_capture_on_commit_callbacks
):
    actor = may_reset(make_user(is_staff=True))
    staff = token_client(actor)
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        response = staff.delete(reset_url(member))

    assert response.status_code == 204
    assert not TOTPDevice.objects.filter(user=member).exists()
    assert not RecoveryCode.objects.filter(user=member).exists()
    event = SecurityEvent.objects.get(user=member, kind=EventKind.MFA_RESET)
    assert event.detail == {"actor": {"id": str(actor.pk), "username": actor.username}}
    [notice] = [m for m in mail.outbox if m.to == ["member@example.com"]]
    assert "administrator" in notice.body
    assert token_client(member).token  # the password alone signs in again


def test_staff_without_the_permission_cannot_reset(member, make_user, token_client):
    staff = token_client(make_user(is_staff=True))

    response = staff.delete(reset_url(member))

    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    assert TOTPDevice.objects.filter(user=member).exists()


def test_members_cannot_reset(member, make_user, token_client):
    response = token_client(make_user()).delete(reset_url(member))

    assert response.status_code == 403
    assert TOTPDevice.objects.filter(user=member).exists()


def test_reset_needs_a_recent_step_up(member, make_user, token_client):
    staff = token_client(may_reset(make_user(is_staff=True)))
    UserSession.objects.filter(pk=staff.session_id).update(
        reauthenticated_at=timezone.now() - timedelta(hours=1)
    )

    response = staff.delete(reset_url(member))

    assert response.status_code == 403
    assert response.json()["code"] == "reauthentication_required"
    assert TOTPDevice.objects.filter(user=member).exists()


def test_only_a_superuser_resets_a_superusers(make_user, token_client):
    boss = make_user(is_staff=True, is_superuser=True)
    enable_totp(boss)
    staff = token_client(may_reset(make_user(is_staff=True)))

    response = staff.delete(reset_url(boss))

    assert response.status_code == 403
    assert TOTPDevice.objects.filter(user=boss).exists()


def test_reset_of_a_user_without_two_factors_is_mfa_not_enabled(
    make_user, token_client
):
    staff = token_client(may_reset(make_user(is_staff=True)))

    response = staff.delete(reset_url(make_user()))

    assert response.status_code == 409
    assert response.json()["code"] == "mfa_not_enabled"


def test_reset_of_an_unknown_mobile_is_404(make_user, token_client):
    staff = token_client(may_reset(make_user(is_staff=True)))

    response = staff.delete(
        reverse("mfa:staff-reset", kwargs={"mobile": "+919999999999"})
    )

    assert response.status_code == 404


def test_admin_user_list_has_a_2fa_column(member, make_user, cookie_client):
    admin = cookie_client(make_user(is_staff=True, is_superuser=True))
    plain = make_user()

    page = admin.get(reverse("admin:accounts_user_changelist")).content.decode()

    assert "2FA" in page
    row = page[page.index(f">{member.username}<") :].split("</tr>")[0]
    assert 'alt="True"' in row
    row = page[page.index(f">{plain.username}<") :].split("</tr>")[0]
    assert 'alt="False"' in row


# The staff policy: MFA_REQUIRED_FOR_STAFF


def test_policy_off_lets_staff_without_a_second_factor_in(make_user, token_client):
    staff = token_client(make_user(is_staff=True))

    response = staff.get(
        reverse("sessions:staff-user-sessions", kwargs={"mobile": "1"})
    )

    assert response.status_code == 404  # past the permissions


def test_policy_on_refuses_staff_sessions_without_a_second_factor(
    make_user, token_client, settings
):
    set_policy(settings, MFA_REQUIRED_FOR_STAFF=True)
    staff = token_client(make_user(is_staff=True))

    response = staff.get(
        reverse("sessions:staff-user-sessions", kwargs={"mobile": "1"})
    )

    assert response.status_code == 403
    assert response.json()["code"] == "mfa_required"
    assert staff.get(reverse("mfa:status")).status_code == 200  # enrolment is open


def test_policy_on_lets_staff_in_after_a_second_factor(make_user, settings):
    set_policy(settings, MFA_REQUIRED_FOR_STAFF=True)
    user = make_user(is_staff=True)
    staff = two_factor_client(user, enable_totp(user).secret)

    response = staff.get(
        reverse("sessions:staff-user-sessions", kwargs={"mobile": "1"})
    )

    assert response.status_code == 404


def test_policy_on_counts_enrolment_in_this_session_as_a_second_factor(
    make_user, token_client, settings
):
    set_policy(settings, MFA_REQUIRED_FOR_STAFF=True)
    staff = token_client(make_user(is_staff=True))
    secret = staff.post(reverse("mfa:totp-setup")).json()["secret"]
    staff.post(reverse("mfa:totp-confirm"), {"code": totp_code(secret)})

    response = staff.get(
        reverse("sessions:staff-user-sessions", kwargs={"mobile": "1"})
    )

    assert response.status_code == 404


def test_policy_on_sends_staff_without_a_second_factor_from_the_admin_to_enrol(
    make_user, settings
):
    set_policy(settings, MFA_REQUIRED_FOR_STAFF=True)
    client = APIClient()
    browser_login(client, make_user(is_staff=True), "admin:login")

    response = client.get(reverse("admin:index"))

    assert response.status_code == 302
    assert response["Location"] == reverse("schema-swagger-ui")


def test_policy_on_lets_staff_past_two_factors_into_the_admin(make_user, settings):
    set_policy(settings, MFA_REQUIRED_FOR_STAFF=True)
    user = make_user(is_staff=True)
    secret = enable_totp(user).secret
    client = APIClient()
    browser_login(client, user, "admin:login")
    client.post(
        reverse("admin-login:code"), {"code": totp_code(secret)}, format="multipart"
    )

    assert client.get(reverse("admin:index")).status_code == 200
