"""The TOTP secret: encrypted at rest, shown once, never in a log, event or admin."""

import json
import logging

import pytest
from cryptography.fernet import Fernet
from django.core import checks, mail
from django.db import connection
from django.urls import reverse
from rest_framework.test import APIClient

from mfa import crypto
from mfa.models import RecoveryCode, TOTPDevice
from mfa.tests.factories import totp_code, two_factor_client
from sessions_app.models import SecurityEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def enrolled(make_user, token_client, caplog, django_capture_on_commit_callbacks):
    """A member who went through setup and confirm over the API, logs captured."""
    user = make_user(email="member@example.com", is_staff=True, is_superuser=True)
    client = token_client(user)
    caplog.set_level(logging.DEBUG)
    with django_capture_on_commit_callbacks(execute=True):
        secret = client.post(reverse("mfa:totp-setup")).json()["secret"]
        codes = client.post(
            reverse("mfa:totp-confirm"), {"code": totp_code(secret)}
        ).json()["recovery_codes"]
    return user, secret, codes


def test_the_secret_is_stored_encrypted(enrolled):
    user, secret, _codes = enrolled
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT encrypted_secret FROM mfa_totpdevice WHERE user_id = %s",
            [user.pk.hex if connection.vendor == "sqlite" else user.pk],
        )
        [(stored,)] = cursor.fetchall()

    assert secret not in stored
    assert crypto.secret_decrypt(stored) == secret


def test_the_secret_never_appears_again(enrolled, caplog):
    user, secret, codes = enrolled
    client = two_factor_client(user, secret, steps=1)
    answers = [
        client.get(reverse("mfa:status")),
        client.get(reverse("sessions:event-list")),
        client.get(reverse("sessions:me")),
        client.get(
            reverse("sessions:staff-user-sessions", kwargs={"mobile": str(user.mobile)})
        ),
    ]
    admin = admin_client_with_recovery_code(user, codes[0])
    pages = [
        admin.get(reverse("admin:accounts_user_changelist")),
        admin.get(reverse("admin:accounts_user_change", args=[user.pk])),
        admin.get(reverse("admin:mfa_totpdevice_changelist")),
        admin.get(
            reverse(
                "admin:mfa_totpdevice_change",
                args=[TOTPDevice.objects.get(user=user).pk],
            )
        ),
        admin.get(reverse("admin:sessions_app_securityevent_changelist")),
    ]
    events = json.dumps(list(SecurityEvent.objects.values_list("detail", flat=True)))
    mails = "\n".join(m.body for m in mail.outbox)

    for answer in [*answers, *pages]:
        assert answer.status_code == 200, answer.request["PATH_INFO"]
        assert secret not in answer.content.decode()
    for text in (events, caplog.text, mails):
        assert secret not in text
        assert not any(code in text for code in codes)


def admin_client_with_recovery_code(user, recovery_code: str) -> APIClient:
    client = APIClient()
    client.post(
        reverse("admin:login"),
        {"username": user.username, "password": user.raw_password, "next": "/admin/"},
        format="multipart",
    )
    client.post(
        reverse("admin-login:code"),
        {"code": recovery_code},
        format="multipart",
    )
    return client


def test_recovery_codes_are_stored_as_keyed_hashes(enrolled):
    user, _secret, codes = enrolled
    stored = set(RecoveryCode.objects.values_list("code_digest", flat=True))

    assert stored == {crypto.recovery_code_digests(code)[0] for code in codes}
    assert not any(
        code.replace("-", "") in digest for code in codes for digest in stored
    )


def test_keys_rotate_without_locking_anyone_out(make_user, settings):
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.MFA_ENCRYPTION_KEY = [old]
    stored = crypto.secret_encrypt("JBSWY3DPEHPK3PXP")

    settings.MFA_ENCRYPTION_KEY = [new, old]

    assert crypto.secret_decrypt(stored) == "JBSWY3DPEHPK3PXP"
    assert Fernet(new.encode()).decrypt(crypto.secret_encrypt("X").encode()) == b"X"
    settings.MFA_ENCRYPTION_KEY = [new]
    with pytest.raises(crypto.SecretUnreadable):
        crypto.secret_decrypt(stored)


def test_recovery_codes_survive_a_secret_key_rotation(settings):
    digest = crypto.recovery_code_digests("abcde-fghjk")[0]
    settings.SECRET_KEY_FALLBACKS = [settings.SECRET_KEY]
    settings.SECRET_KEY = "another-secret-key-" + "x" * 40

    assert digest in crypto.recovery_code_digests("ABCDE FGHJK")


def deploy_check_ids(deploy: bool) -> set[str]:
    messages = checks.run_checks(
        tags=[checks.Tags.security], include_deployment_checks=deploy
    )
    return {message.id for message in messages}


def test_a_missing_key_is_a_deploy_error_only(settings):
    settings.MFA_ENCRYPTION_KEY = []

    assert "mfa.E001" in deploy_check_ids(deploy=True)
    assert "mfa.E001" not in deploy_check_ids(deploy=False)


def test_a_key_that_is_not_a_fernet_key_is_an_error(settings):
    settings.MFA_ENCRYPTION_KEY = [Fernet.generate_key().decode(), "not-a-key"]

    assert "mfa.E002" in deploy_check_ids(deploy=False)
    assert "mfa.E001" not in deploy_check_ids(deploy=True)


def test_a_set_key_passes(settings):
    settings.MFA_ENCRYPTION_KEY = [Fernet.generate_key().decode()]

    assert not {"mfa.E001", "mfa.E002"} & deploy_check_ids(deploy=True)
