"""Simultaneous logins of one user never leave more live sessions than allowed.

The guarantee comes from the database (`select_for_update` on the user's row; on SQLite,
IMMEDIATE transactions on a file database), not from process memory. A process-local
lock (`threading.Lock` around `session_start`) could pass the thread test below, but it
could never pass the process test: each forked worker would hold its own lock, exactly
as separate gunicorn workers or hosts would.
"""

import multiprocessing
import queue
import threading
from multiprocessing.queues import Queue as ProcessQueue
from multiprocessing.synchronize import Barrier as ProcessBarrier

import pytest
from django.db import connection, connections

from accounts.models import User
from sessions_app.models import EndReason, UserSession
from sessions_app.tests.factories import start_session
from sessions_app.tests.helpers import set_policy

pytestmark = pytest.mark.slow

LOGINS = 20
WAIT_SECONDS = 30


def assert_exactly_allowed_sessions_live(user: User, allowed: int) -> None:
    sessions = UserSession.objects.filter(user=user)
    assert sessions.count() == LOGINS
    assert sessions.filter(is_active=True).count() == allowed
    assert sessions.filter(
        is_active=False, end_reason=EndReason.SUPERSEDED
    ).count() == (LOGINS - allowed)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("allowed", [1, 3])
def test_simultaneous_logins_in_threads_leave_exactly_the_allowed_sessions(
    make_user, settings, allowed
):
    set_policy(settings, MAX_SESSIONS_PER_USER=allowed)
    user = make_user()
    barrier = threading.Barrier(LOGINS)
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            barrier.wait(timeout=WAIT_SECONDS)
            start_session(user)
        except BaseException as error:  # reported below, with the others
            errors.append(error)
        finally:
            connection.close()  # each thread has its own connection

    threads = [threading.Thread(target=worker) for _ in range(LOGINS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=WAIT_SECONDS)

    assert not any(thread.is_alive() for thread in threads)
    assert errors == []
    assert_exactly_allowed_sessions_live(user, allowed)


def log_in_from_a_child_process(
    user_id: object, barrier: ProcessBarrier, results: ProcessQueue
) -> None:
    connections.close_all()  # never share the parent's connection after fork
    try:
        user = User.objects.get(pk=user_id)  # connect before the start line
        barrier.wait(timeout=WAIT_SECONDS)
        start_session(user)
        results.put("ok")
    except BaseException as error:  # the parent asserts on what each child reports
        results.put(repr(error))
    finally:
        connections.close_all()


# A process-local lock (threading.Lock) around session_start could not pass this test:
# every forked child holds its own copy of the lock, so nothing would serialise them.
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("allowed", [1, 3])
def test_simultaneous_logins_in_processes_leave_exactly_the_allowed_sessions(
    make_user, settings, allowed
):
    set_policy(settings, MAX_SESSIONS_PER_USER=allowed)
    user = make_user()
    context = multiprocessing.get_context("fork")
    barrier = context.Barrier(LOGINS)
    results = context.Queue()
    connections.close_all()  # children must open their own connections
    children = [
        context.Process(
            target=log_in_from_a_child_process, args=(user.pk, barrier, results)
        )
        for _ in range(LOGINS)
    ]
    for child in children:
        child.start()
    reports = []
    try:
        for _ in range(LOGINS):
            reports.append(results.get(timeout=WAIT_SECONDS))
    except queue.Empty:
        pass
    for child in children:
        child.join(timeout=WAIT_SECONDS)

    assert reports == ["ok"] * LOGINS
    assert [child.exitcode for child in children] == [0] * LOGINS
    assert_exactly_allowed_sessions_live(user, allowed)
