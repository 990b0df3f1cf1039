import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from accounts.demo import DEMO_PASSWORD, DEMO_USERS
from accounts.models import User

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]


def seed_demo() -> str:
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def user_rows() -> list[tuple]:
    return list(
        User.objects.order_by("username").values_list(
            "id",
            "username",
            "mobile",
            "password",
            "is_staff",
            "is_superuser",
            "is_active",
        )
    )


def test_seed_demo_creates_the_demo_logins():
    output = seed_demo()

    assert User.objects.count() == len(DEMO_USERS)
    for demo in DEMO_USERS:
        user = User.objects.get(username=demo.username)
        assert str(user.mobile) == demo.mobile
        assert user.check_password(DEMO_PASSWORD)
        assert (user.is_staff, user.is_superuser) == (demo.is_staff, demo.is_staff)
        assert (user.email, user.email_verified) == (demo.email, True)
        assert demo.username in output
    assert DEMO_PASSWORD in output


def test_seed_demo_again_resets_the_demo_passwords_and_roles():
    seed_demo()
    alice = User.objects.get(username="alice")
    alice.set_password("changed-by-alice-1")
    alice.is_staff = alice.is_active = False
    alice.save()

    seed_demo()

    alice.refresh_from_db()
    assert alice.check_password(DEMO_PASSWORD)
    assert alice.is_active and not alice.is_staff
    assert User.objects.count() == len(DEMO_USERS)


def test_seed_demo_refuses_a_demo_username_another_account_holds(make_user):
    # The demo admin exists already: it must not be reset when a later login fails.
    make_user(username="admin", mobile="+919000000001", password="own-admin-pass-1")
    make_user(username="Bob", mobile="+919811112222")
    before = user_rows()

    with pytest.raises(CommandError) as error:
        seed_demo()

    assert error.value.returncode == 1
    assert "Bob" in str(error.value) and "\n" not in str(error.value)
    assert user_rows() == before
    assert User.objects.get(username="admin").check_password("own-admin-pass-1")


def test_seed_demo_refuses_a_demo_mobile_another_account_holds(make_user):
    make_user(username="someone", mobile="+919000000002")
    before = user_rows()

    with pytest.raises(CommandError) as error:
        seed_demo()

    assert error.value.returncode == 1
    assert "+919000000002" in str(error.value)
    assert user_rows() == before


@pytest.mark.slow
def test_seed_demo_conflict_in_a_real_process_exits_1_without_traceback(tmp_path):
    clean = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env = {
        **clean,
        "DATABASE_URL": f"sqlite:///{tmp_path}/demo.sqlite3",
        "DJANGO_SECRET_KEY": "test-only-key-so-settings-print-no-warning",
    }

    def manage(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )

    assert manage("migrate", "--noinput").returncode == 0
    taken = manage(
        "shell",
        "-c",
        (
            "from accounts.models import User; "
            "User.objects.create_user(username='x', mobile='+919000000003', "
            "password='p')"
        ),
    )
    assert taken.returncode == 0, taken.stderr

    result = manage("seed_demo")

    assert result.returncode == 1
    assert result.stderr.startswith("CommandError: ")
    assert result.stderr.count("\n") == 1 and "+919000000003" in result.stderr
    assert result.stdout == ""
    users = manage(
        "shell",
        "-c",
        (
            "from accounts.models import User; "
            "print(list(User.objects.values_list('username', flat=True)))"
        ),
    )
    assert users.stdout.strip().splitlines()[-1] == "['x']"
