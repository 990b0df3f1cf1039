"""Two refreshes of one refresh token at the same moment: exactly one rotates it, the
other answers 409 `refresh_conflict`, and the session stays live.

Separate processes, each with its own database connection, as two gunicorn workers
would be: only the session's row lock (`select_for_update`; on SQLite, IMMEDIATE
transactions on a file database) can serialise them.
"""

import multiprocessing
import queue
from multiprocessing.queues import Queue as ProcessQueue
from multiprocessing.synchronize import Barrier as ProcessBarrier

import pytest
from django.db import connections

from sessions_app import services
from sessions_app.crypto import digest
from sessions_app.exceptions import RefreshConflict
from sessions_app.models import UserSession
from sessions_app.tests.factories import start_session

pytestmark = pytest.mark.slow

ROUNDS = 5
WAIT_SECONDS = 30


def refresh_from_a_child_process(
    refresh_token: str, barrier: ProcessBarrier, results: ProcessQueue
) -> None:
    connections.close_all()  # never share the parent's connection after fork
    try:
        UserSession.objects.exists()  # connect before the start line
        barrier.wait(timeout=WAIT_SECONDS)
        refreshed = services.session_refresh(refresh_token=refresh_token)
        results.put(("ok", refreshed.refresh_token))
    except RefreshConflict:
        results.put(("conflict", None))
    except BaseException as error:  # the parent asserts on what each child reports
        results.put((repr(error), None))
    finally:
        connections.close_all()


@pytest.mark.django_db(transaction=True)
def test_two_parallel_refreshes_give_one_rotation_and_one_conflict(make_user):
    context = multiprocessing.get_context("fork")
    for _ in range(ROUNDS):
        started = start_session(make_user())
        barrier = context.Barrier(2)
        results = context.Queue()
        connections.close_all()  # children must open their own connections
        children = [
            context.Process(
                target=refresh_from_a_child_process,
                args=(started.refresh_token, barrier, results),
            )
            for _ in range(2)
        ]
        for child in children:
            child.start()
        reports = []
        try:
            for _ in children:
                reports.append(results.get(timeout=WAIT_SECONDS))
        except queue.Empty:
            pass
        for child in children:
            child.join(timeout=WAIT_SECONDS)

        assert sorted(outcome for outcome, _ in reports) == ["conflict", "ok"]
        assert [child.exitcode for child in children] == [0, 0]
        winner = next(token for outcome, token in reports if outcome == "ok")
        session = UserSession.objects.get(pk=started.session.pk)
        assert session.is_active
        assert session.refresh_generation == 1
        assert session.refresh_digest == digest(winner)
