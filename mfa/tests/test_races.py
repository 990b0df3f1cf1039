"""Simultaneous second steps: one mfa_token, or one code, signs in exactly once.

The guarantee comes from the database (the token's row lock; the device's
compare-and-set on the last used step; SQLite: IMMEDIATE transactions on a file
database), so it holds across threads and across processes alike.
"""

import multiprocessing
import queue
import threading
from collections.abc import Callable

import pytest
from django.db import connection, connections

from accounts.models import User
from mfa import services
from mfa.exceptions import InvalidCode, MfaTokenInvalid
from mfa.tests.factories import enable_totp, totp_code
from sessions_app.models import Transport, UserSession
from sessions_app.tests.factories import start_session

pytestmark = pytest.mark.slow

CONTENDERS = 8
WAIT_SECONDS = 30


def finish(user_id: object, mfa_token: str, code: str) -> str:
    """Try the second step once; say how it went."""
    try:
        services.mfa_login_finish(
            mfa_token=mfa_token,
            transport=Transport.TOKEN,
            start=lambda user, force: start_session(user, force=force),
            code=code,
        )
    except MfaTokenInvalid:
        return "mfa_token_invalid"
    except InvalidCode:
        return "invalid_code"
    return "ok"


def in_threads(work: Callable[[int], str]) -> list[str]:
    barrier = threading.Barrier(CONTENDERS)
    results: list[str] = []

    def worker(index: int) -> None:
        try:
            barrier.wait(timeout=WAIT_SECONDS)
            results.append(work(index))
        except BaseException as error:  # reported in the results
            results.append(repr(error))
        finally:
            connection.close()  # each thread has its own connection

    threads = [
        threading.Thread(target=worker, args=(index,)) for index in range(CONTENDERS)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=WAIT_SECONDS)
    assert not any(thread.is_alive() for thread in threads)
    return results


def _child(work: Callable[[int], str], index: int, barrier, results) -> None:
    connections.close_all()  # never share the parent's connection after fork
    try:
        User.objects.exists()  # connect before the start line
        barrier.wait(timeout=WAIT_SECONDS)
        results.put(work(index))
    except BaseException as error:  # the parent asserts on what each child reports
        results.put(repr(error))
    finally:
        connections.close_all()


def in_processes(work: Callable[[int], str]) -> list[str]:
    context = multiprocessing.get_context("fork")
    barrier, results = context.Barrier(CONTENDERS), context.Queue()
    connections.close_all()  # children must open their own connections
    children = [
        context.Process(target=_child, args=(work, index, barrier, results))
        for index in range(CONTENDERS)
    ]
    for child in children:
        child.start()
    reports = []
    try:
        for _ in range(CONTENDERS):
            reports.append(results.get(timeout=WAIT_SECONDS))
    except queue.Empty:
        pass
    for child in children:
        child.join(timeout=WAIT_SECONDS)
    assert [child.exitcode for child in children] == [0] * CONTENDERS
    return reports


RUNNERS = pytest.mark.parametrize("run", [in_threads, in_processes])


@pytest.mark.django_db(transaction=True)
@RUNNERS
def test_second_steps_with_one_mfa_token_sign_in_once(make_user, run):
    user = make_user()
    secret = enable_totp(user).secret
    challenge = services.mfa_login_begin(user=user, transport=Transport.TOKEN)
    code = totp_code(secret)

    results = run(lambda index: finish(user.pk, challenge.mfa_token, code))

    assert sorted(results) == ["mfa_token_invalid"] * (CONTENDERS - 1) + ["ok"]
    assert UserSession.objects.filter(user=user).count() == 1


@pytest.mark.django_db(transaction=True)
@RUNNERS
def test_one_code_with_many_mfa_tokens_signs_in_once(make_user, run):
    user = make_user()
    secret = enable_totp(user).secret
    tokens = [
        services.mfa_login_begin(user=user, transport=Transport.TOKEN).mfa_token
        for _ in range(CONTENDERS)
    ]
    code = totp_code(secret)

    results = run(lambda index: finish(user.pk, tokens[index], code))

    assert sorted(results) == ["invalid_code"] * (CONTENDERS - 1) + ["ok"]
    assert UserSession.objects.filter(user=user).count() == 1
