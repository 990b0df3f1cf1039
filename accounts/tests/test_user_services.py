import uuid

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from accounts import services
from accounts.models import User
from accounts.signals import password_changed

pytestmark = pytest.mark.django_db


def test_user_signup_turns_a_lost_race_into_a_validation_error(make_user):
    make_user(username="ravi", mobile="+919811111111")

    # The serializer's checks passed for both; the database constraint decides.
    with pytest.raises(ValidationError) as error:
        services.user_signup(
            username="RAVI",
            mobile="+919822222222",
            password="whatever-pass-1",
            real_name="Other Ravi",
        )

    assert set(error.value.message_dict) == {"username"}
    assert User.objects.count() == 1


def test_user_signup_refuses_a_duplicate_mobile_from_the_database(make_user):
    make_user(mobile="+919811111111")

    with pytest.raises(ValidationError) as error:
        services.user_signup(
            username="fresh",
            mobile="+919811111111",
            password="whatever-pass-1",
            real_name="Fresh",
        )

    assert set(error.value.message_dict) == {"mobile"}


def test_user_change_password_sets_it_and_announces_it(make_user):
    user = make_user()
    keep = uuid.uuid4()
    received = []

    def receiver(sender, **kwargs):
        received.append(kwargs)

    password_changed.connect(receiver)
    try:
        services.user_change_password(
            user=user, new_password="brand-new-pass-9", keep_session_id=keep
        )
    finally:
        password_changed.disconnect(receiver)

    user.refresh_from_db()
    assert user.check_password("brand-new-pass-9")
    assert received == [
        {
            "signal": password_changed,
            "user": user,
            "keep_session_id": keep,
            "actor": None,
        }
    ]


def test_user_update_profile_changes_only_profile_fields(make_user):
    user = make_user(real_name="Old", tz="UTC")

    services.user_update_profile(user=user, real_name="New", tz="Europe/Paris")

    user.refresh_from_db()
    assert (user.real_name, user.tz) == ("New", "Europe/Paris")
    with pytest.raises(ValueError):
        services.user_update_profile(user=user, is_staff=True)
    with pytest.raises(ValueError):  # an address changes only through verification
        services.user_update_profile(user=user, email="new@example.com")


def test_user_update_profile_rejects_unknown_time_zone(make_user):
    user = make_user(tz="UTC")

    with pytest.raises(ValidationError):
        services.user_update_profile(user=user, tz="Nowhere/Land")

    user.refresh_from_db()
    assert user.tz == "UTC"


def test_login_by_username_ignores_case(make_user, client):
    user = make_user(username="Priya")

    assert client.login(username="priya", password=user.raw_password)


def test_user_ensure_refuses_a_username_held_with_another_mobile(make_user):
    other = make_user(username="ravi", mobile="+919811111111")

    with pytest.raises(ValidationError) as error:
        services.user_ensure(
            username="Ravi",
            mobile="+919822222222",
            password="demo-pass-word-1",
            real_name="Ravi",
        )

    assert set(error.value.message_dict) == {"username"}
    other.refresh_from_db()
    assert other.check_password(other.raw_password)


def test_user_ensure_refuses_a_mobile_another_account_holds(make_user):
    make_user(username="ravi", mobile="+919811111111")

    with pytest.raises(ValidationError) as error:
        services.user_ensure(
            username="fresh",
            mobile="+91 98111 11111",
            password="demo-pass-word-1",
            real_name="Fresh",
        )

    assert set(error.value.message_dict) == {"mobile"}
    assert not User.objects.filter(username="fresh").exists()


def test_user_ensure_resets_its_own_user(make_user):
    user = make_user(username="ravi", mobile="+919811111111", is_active=False)

    services.user_ensure(
        username="RAVI",
        mobile="+919811111111",
        password="demo-pass-word-1",
        real_name="Ravi",
        is_staff=True,
    )

    user.refresh_from_db()
    assert user.check_password("demo-pass-word-1")
    assert user.is_active and user.is_staff and user.is_superuser


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="query plans are PostgreSQL's"
)
def test_username_lookup_uses_the_case_insensitive_unique_index(make_user):
    make_user(username="ptix")

    plan = User.objects.with_username_key("ptix").explain()

    assert "accounts_user_username_ci_unique" in plan
