"""Every change to two-factor sign-in: enrol, confirm, sign in, step up, turn off.

A sign-in of a user with a confirmed TOTP device happens in two steps: the right
password gives a short-lived token (`mfa_login_begin`) and starts no session; a right
code with that token starts it (`mfa_login_finish`), through the same session service
and policy as any sign-in.
"""

from collections.abc import Callable
from datetime import datetime
from functools import partial
from typing import NamedTuple

import pyotp
import segno
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.crypto import constant_time_compare

from accounts.models import User
from mfa import selectors
from mfa.crypto import (
    login_token_digest,
    login_token_new,
    recovery_code_digests,
    recovery_code_new,
    secret_decrypt,
    secret_encrypt,
)
from mfa.emails import Notice
from mfa.exceptions import (
    InvalidCode,
    MfaAlreadyEnabled,
    MfaNotEnabled,
    MfaTokenInvalid,
)
from mfa.models import (
    LOGIN_TOKEN_MAX_ATTEMPTS,
    LOGIN_TOKEN_TTL,
    MfaLoginToken,
    RecoveryCode,
    TOTPDevice,
    VerifiedSession,
)
from mfa.tasks import mfa_notice_mail
from sessions_app.models import EventKind, UserSession
from sessions_app.services import (
    SessionStart,
    actor_detail,
    security_event_record,
    session_reauthenticate,
)

ISSUER = "Session Auth"  # the account's label in authenticator apps
TOTP_DRIFT_STEPS = 1  # codes of the previous and next 30-second step are accepted too
RECOVERY_CODE_COUNT = 10
METHODS = ["totp", "recovery_code"]


class TotpSetup(NamedTuple):
    secret: str  # shown this once, to type into an app that cannot scan
    otpauth_url: str
    qr_svg: str


class MfaChallenge(NamedTuple):
    mfa_token: str  # shown once to the client; only its digest is stored
    mfa_expires_at: datetime
    methods: list[str]


def _notify(user: User, notice: Notice, **extra: int) -> None:
    """Mail a notice to the user's verified address once the change is committed."""
    if user.email:
        transaction.on_commit(
            partial(
                mfa_notice_mail.enqueue, user_id=str(user.pk), notice=notice, **extra
            )
        )


def _qr_svg(url: str) -> str:
    """Return the otpauth URL as an inline SVG QR code (no image library)."""
    return segno.make(url, error="m").svg_inline(scale=4, border=2)


@transaction.atomic
def totp_setup(*, user: User, at: datetime | None = None) -> TotpSetup:
    """Give the user a new pending TOTP secret; refuse while a confirmed one exists."""
    now = at or timezone.now()
    device = TOTPDevice.objects.select_for_update().filter(user=user).first()
    if device is not None and device.is_confirmed:
        raise MfaAlreadyEnabled()
    secret = pyotp.random_base32()  # 160 bits, as RFC 4226 recommends
    TOTPDevice.objects.update_or_create(
        user=user,
        defaults={
            "encrypted_secret": secret_encrypt(secret),
            "created_at": now,
            "confirmed_at": None,
            "last_used_step": None,
        },
    )
    url = pyotp.TOTP(secret).provisioning_uri(name=user.username, issuer_name=ISSUER)
    return TotpSetup(secret=secret, otpauth_url=url, qr_svg=_qr_svg(url))


def _totp_matching_step(device: TOTPDevice, code: str, now: datetime) -> int | None:
    """Return the time step (now, or one step either side) the code is right for."""
    totp = pyotp.TOTP(secret_decrypt(device.encrypted_secret))
    current = totp.timecode(now)
    for step in range(current - TOTP_DRIFT_STEPS, current + TOTP_DRIFT_STEPS + 1):
        if constant_time_compare(totp.generate_otp(step), code):
            return step
    return None


def _totp_accept(device: TOTPDevice, code: str, now: datetime) -> bool:
    """Accept a right code once: its step must be newer than any accepted before."""
    step = _totp_matching_step(device, code, now)
    if step is None:
        return False
    # Compare-and-set in one UPDATE: of two requests with one code, only one passes.
    newer = Q(last_used_step__isnull=True) | Q(last_used_step__lt=step)
    return bool(
        TOTPDevice.objects.filter(newer, pk=device.pk).update(last_used_step=step)
    )


def _recovery_code_use(user: User, code: str, now: datetime) -> bool:
    """Spend one unused recovery code of the user; False if none matches."""
    row = RecoveryCode.objects.filter(
        user=user, used_at__isnull=True, code_digest__in=recovery_code_digests(code)
    ).first()
    if row is None:
        return False
    return bool(
        RecoveryCode.objects.filter(pk=row.pk, used_at__isnull=True).update(used_at=now)
    )


def _recovery_codes_replace(user: User, now: datetime) -> list[str]:
    """Void the user's recovery codes and return ten new ones (stored hashed)."""
    RecoveryCode.objects.filter(user=user).delete()
    codes = [recovery_code_new() for _ in range(RECOVERY_CODE_COUNT)]
    RecoveryCode.objects.bulk_create(
        RecoveryCode(
            user=user, code_digest=recovery_code_digests(code)[0], created_at=now
        )
        for code in codes
    )
    return codes


def _session_verified(session: UserSession | None, now: datetime) -> None:
    """Remember that the session passed a second factor."""
    if session is not None:
        VerifiedSession.objects.update_or_create(
            session=session, defaults={"verified_at": now}
        )


def _confirmed_device(user: User) -> TOTPDevice:
    """Return the user's confirmed device; `MfaNotEnabled` without one."""
    device = TOTPDevice.objects.filter(user=user, confirmed_at__isnull=False).first()
    if device is None:
        raise MfaNotEnabled()
    return device


def totp_confirm(
    *,
    user: User,
    code: str,
    session: UserSession | None = None,
    at: datetime | None = None,
) -> list[str]:
    """Turn two-factor sign-in on with a first right code; return the recovery codes.

    Raises `InvalidCode` for a wrong code (nothing changes), `MfaAlreadyEnabled` once
    confirmed, `MfaNotEnabled` without a pending setup.
    """
    now = at or timezone.now()
    with transaction.atomic():
        device = TOTPDevice.objects.select_for_update().filter(user=user).first()
        if device is None:
            raise MfaNotEnabled()
        if device.is_confirmed:
            raise MfaAlreadyEnabled()
        if _totp_accept(device, code, now):
            TOTPDevice.objects.filter(pk=device.pk).update(confirmed_at=now)
            codes = _recovery_codes_replace(user, now)
            _session_verified(session, now)
            security_event_record(
                kind=EventKind.MFA_ENABLED,
                user=user,
                session=session,
                detail={"method": "totp"},
                at=now,
            )
            _notify(user, Notice.ENABLED)
            return codes
    raise InvalidCode()


@transaction.atomic
def recovery_codes_regenerate(
    *, user: User, session: UserSession | None = None, at: datetime | None = None
) -> list[str]:
    """Void the user's recovery codes and return ten new ones (two factors on only)."""
    now = at or timezone.now()
    _confirmed_device(user)
    codes = _recovery_codes_replace(user, now)
    security_event_record(
        kind=EventKind.RECOVERY_CODES_REGENERATED, user=user, session=session, at=now
    )
    return codes


@transaction.atomic
def totp_disable(
    *,
    user: User,
    session: UserSession | None = None,
    actor: User | None = None,
    at: datetime | None = None,
) -> None:
    """Turn two-factor sign-in off: device, recovery codes and pending sign-ins go.

    With `actor` (staff, for a user who lost the device) the event is `mfa_reset`
    naming the actor; else `mfa_disabled`. Raises `MfaNotEnabled` if it was off.
    """
    now = at or timezone.now()
    _confirmed_device(user)
    TOTPDevice.objects.filter(user=user).delete()
    RecoveryCode.objects.filter(user=user).delete()
    MfaLoginToken.objects.filter(user=user).delete()
    if actor is not None:
        kind, detail, notice = (
            EventKind.MFA_RESET,
            {"actor": actor_detail(actor)},
            Notice.RESET,
        )
    else:
        kind, detail, notice = EventKind.MFA_DISABLED, {}, Notice.DISABLED
    security_event_record(kind=kind, user=user, session=session, detail=detail, at=now)
    _notify(user, notice)


def mfa_login_begin(
    *, user: User, transport: str, force: bool = False, at: datetime | None = None
) -> MfaChallenge | None:
    """Hold back the session of a user with two factors: return the second step's
    challenge, or None when the password is the only factor."""
    if not selectors.mfa_is_enabled(user_id=user.pk):
        return None
    now = at or timezone.now()
    # The user's finished and expired sign-ins go as a new one comes: no purge job.
    MfaLoginToken.objects.filter(
        Q(expires_at__lte=now) | Q(used_at__isnull=False), user=user
    ).delete()
    token = login_token_new()
    pending = MfaLoginToken.objects.create(
        user=user,
        token_digest=login_token_digest(token),
        transport=transport,
        force=force,
        created_at=now,
        expires_at=now + LOGIN_TOKEN_TTL,
    )
    return MfaChallenge(
        mfa_token=token, mfa_expires_at=pending.expires_at, methods=METHODS
    )


def mfa_login_finish(
    *,
    mfa_token: str,
    transport: str,
    start: Callable[[User, bool], SessionStart],
    code: str | None = None,
    recovery_code: str | None = None,
    force: bool = False,
    ip_address: str | None = None,
    user_agent: str = "",
    at: datetime | None = None,
) -> SessionStart:
    """Finish a sign-in with a TOTP code or a recovery code; return its session.

    `start(user, force)` opens the session (the token login's or Django's `login()`)
    inside this transaction: if the policy refuses it (409), the token, the code and
    the recovery code all stay unused. A wrong code counts against the token (dead
    after `LOGIN_TOKEN_MAX_ATTEMPTS`), records `mfa_failed` and raises `InvalidCode`;
    an unknown, used, expired or dead token raises `MfaTokenInvalid`.
    """
    now = at or timezone.now()
    method = "totp" if code is not None else "recovery_code"
    with transaction.atomic():
        # Row lock: of two second steps with one token, the later sees it used.
        pending = (
            MfaLoginToken.objects.select_for_update()
            .filter(token_digest=login_token_digest(mfa_token), transport=transport)
            .first()
        )
        if (
            pending is None
            or pending.used_at is not None
            or pending.expires_at <= now
            or pending.attempts >= LOGIN_TOKEN_MAX_ATTEMPTS
        ):
            raise MfaTokenInvalid()
        user = User.objects.get(pk=pending.user_id)
        device = TOTPDevice.objects.filter(
            user=user, confirmed_at__isnull=False
        ).first()
        if device is None or not user.is_active:  # turned off or disabled meanwhile
            raise MfaTokenInvalid()
        if code is not None:
            passed = _totp_accept(device, code, now)
        else:
            passed = _recovery_code_use(user, recovery_code or "", now)
        if passed:
            MfaLoginToken.objects.filter(pk=pending.pk).update(used_at=now)
            started = start(user, pending.force or force)
            _session_verified(started.session, now)
            if method == "recovery_code":
                left = selectors.recovery_codes_left(user_id=user.pk)
                security_event_record(
                    kind=EventKind.RECOVERY_CODE_USED,
                    session=started.session,
                    detail={"recovery_codes_left": left},
                    at=now,
                )
                _notify(user, Notice.RECOVERY_CODE_USED, recovery_codes_left=left)
            return started
        MfaLoginToken.objects.filter(pk=pending.pk).update(
            attempts=pending.attempts + 1
        )
        security_event_record(
            kind=EventKind.MFA_FAILED,
            user=user,
            ip_address=ip_address,
            user_agent=user_agent,
            detail={"method": method, "purpose": "login"},
            at=now,
        )
    raise InvalidCode()


def mfa_step_up(
    *,
    session: UserSession,
    code: str,
    ip_address: str | None = None,
    user_agent: str = "",
    at: datetime | None = None,
) -> UserSession:
    """Stamp a step-up on the session after a right TOTP code of its user.

    A wrong code records `mfa_failed` and raises `InvalidCode`; a user without two
    factors raises `MfaNotEnabled`.
    """
    now = at or timezone.now()
    with transaction.atomic():
        device = _confirmed_device(session.user)
        if _totp_accept(device, code, now):
            _session_verified(session, now)
            return session_reauthenticate(session=session, at=now)
        security_event_record(
            kind=EventKind.MFA_FAILED,
            session=session,
            ip_address=ip_address,
            user_agent=user_agent,
            detail={"method": "totp", "purpose": "reauthenticate"},
            at=now,
        )
    raise InvalidCode()
