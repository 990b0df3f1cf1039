"""Faults under load: what clients see, how fast it recovers, what the database keeps.

Figures are printed (`make chaos` runs pytest with -s); the assertions are the
contract of the README's "Failure behaviour" section.
"""

import os
import random
import signal
import time
from collections import Counter
from statistics import median

import pytest

from chaos.conftest import PASSWORD, USERS, WORKERS, Stack, log_in, username
from chaos.load import Answer, Load, call, statuses_by_kind, summary

# The server's defaults (config/settings.py); the chaos stack runs with them.
CONNECT_TIMEOUT = 3.0
STATEMENT_TIMEOUT = 5.0
CLIENT_SLACK = 1.0
RECOVERY_SECONDS = 2.0


def reserve_me_users(stack: Stack) -> None:
    """Give the first half of the users fresh tokens for /me/; logins use the rest."""
    stack.tokens = {}
    for index in range(USERS // 2):
        status, body = log_in(stack.port, username(index))
        assert status == 200, body
        stack.tokens[username(index)] = body["token"]


def login_users_only(stack: Stack) -> list:
    chooser = random.Random(11)

    def me() -> tuple[str, int, dict]:
        name = chooser.choice(list(stack.tokens))
        status, body = call(
            stack.port, "GET", "/api/v1/auth/users/me/", token=stack.tokens[name]
        )
        return "me", status, body

    def login() -> tuple[str, int, dict]:
        index = chooser.randrange(USERS // 2, USERS)
        status, body = log_in(stack.port, username(index))
        return "login", status, body

    return [me, login]


def worker_pids(stack: Stack) -> set[int]:
    return stack.server.worker_pids()


def print_figures(title: str, lines: list[str]) -> None:
    print(f"\n== {title}")
    for line in lines:
        print(f"   {line}")


def recovery_seconds(answers: list[Answer], back_at: float) -> float:
    """Time from `back_at` until the last request that did not get its 200 ended."""
    after = sorted((a for a in answers if a.ended >= back_at), key=lambda a: a.started)
    failing = [a for a in after if a.status != 200]
    if not failing:
        return 0.0
    return max(a.ended for a in failing) - back_at


def test_database_stopped_is_503_only_and_recovers_without_restart(stack):
    reserve_me_users(stack)
    pids = worker_pids(stack)
    with Load(threads=WORKERS, requests=login_users_only(stack)) as load:
        time.sleep(2)
        stack.postgres.stop()  # fast shutdown: returns once PostgreSQL has exited
        down_at = time.monotonic()
        time.sleep(5)
        restart_at = time.monotonic()
        stack.postgres.start()
        back_at = time.monotonic()
        time.sleep(5)
    answers = load.answers
    outage = load.between(down_at, restart_at)
    recovered = recovery_seconds(answers, back_at)
    first_ok = min(
        (a.ended for a in answers if a.started >= back_at and a.status == 200),
        default=float("nan"),
    )
    print_figures(
        "PostgreSQL stopped for 5 s under load",
        [
            f"during: {summary(outage)}",
            f"codes during: {dict(Counter(a.code for a in outage))}",
            f"whole run: {summary(answers)}; by kind {statuses_by_kind(answers)}",
            f"recovered {recovered:.2f} s after PostgreSQL accepted connections again"
            f" (first 200 answered {first_ok - back_at:.2f} s after)",
        ],
    )
    assert {a.status for a in answers} <= {200, 503}, "only 200 or 503, never a 500"
    assert outage and {a.status for a in outage} == {503}
    assert {a.code for a in outage} == {"service_unavailable"}
    assert recovered <= RECOVERY_SECONDS
    assert worker_pids(stack) == pids, "no worker restarted"
    stack.wait_healthy()


def test_database_frozen_answers_503_within_the_timeouts_and_kills_no_worker(stack):
    reserve_me_users(stack)
    pids = worker_pids(stack)
    log_before = len(stack.log_text())
    with Load(threads=WORKERS, requests=login_users_only(stack)) as load:
        time.sleep(2)
        frozen_at = time.monotonic()
        stack.postgres.freeze()
        time.sleep(15)
        stack.postgres.thaw()
        back_at = time.monotonic()
        time.sleep(6)
    answers = load.answers
    during = load.between(frozen_at, back_at)
    # A request waits at most one query deadline, plus one connect deadline when the
    # failed connection is replaced within the same request.
    bound = STATEMENT_TIMEOUT + CLIENT_SLACK + CONNECT_TIMEOUT + 1.0
    slowest = max(a.seconds for a in during)
    # Those that ended while it was frozen; one still waiting at SIGCONT may get a 200.
    ended_frozen = [a for a in during if a.ended < back_at and a.started > frozen_at]
    new_log = stack.log_text()[log_before:]
    recovered = recovery_seconds(answers, back_at)
    print_figures(
        "PostgreSQL frozen (SIGSTOP) for 15 s under load",
        [
            f"started during: {summary(during)}",
            f"answered during: {summary(ended_frozen)}",
            f"slowest answer {slowest:.2f} s (bound {bound:.1f} s; gunicorn's "
            f"timeout 30 s)",
            f"whole run: {summary(answers)}",
            f"recovered {recovered:.2f} s after SIGCONT",
        ],
    )
    assert {a.status for a in answers} <= {200, 503}
    assert ended_frozen and {a.status for a in ended_frozen} == {503}
    assert slowest <= bound
    assert worker_pids(stack) == pids, "no worker was killed"
    assert "WORKER TIMEOUT" not in new_log
    assert "Traceback" not in new_log
    stack.wait_healthy()


@pytest.mark.parametrize("fault", ["frozen", "stopped"])
def test_sign_in_survives_redis_and_keeps_limiting(stack, fault):
    reserve_me_users(stack)
    with Load(threads=WORKERS, requests=login_users_only(stack)) as load:
        time.sleep(3)
        started = time.monotonic()
        if fault == "frozen":
            stack.redis.freeze()
        else:
            stack.redis.stop()
        time.sleep(6)
        ended = time.monotonic()
    during = load.between(started, ended)
    before = load.between(0, started)
    kinds = statuses_by_kind(during)
    slowest_login = max(a.seconds for a in during if a.kind == "login")
    typical = {
        name: median([a.seconds for a in answers if a.kind == "login"] or [0.0])
        for name, answers in (("before", before), ("during", during))
    }
    _, health = call(stack.port, "GET", "/api/v1/health/")
    # Wrong passwords on one account (no load user's: its counters stay in the
    # workers' memory): refused after at most the limit per worker.
    attempts = 0
    status = 0
    while attempts < WORKERS * 10 + 5 and status != 429:
        attempts += 1
        status, _ = call(
            stack.port,
            "POST",
            "/api/v1/auth/login/",
            body={"username": f"probe-{fault}", "password": "not-" + PASSWORD},
        )
    if fault == "frozen":
        stack.redis.thaw()
    else:
        stack.redis.start()
    print_figures(
        f"Redis {fault} for 6 s under load",
        [
            f"during: {summary(during)}; by kind {dict(kinds)}",
            f"sign-in median {typical['before']:.2f} s before, "
            f"{typical['during']:.2f} s during (slowest {slowest_login:.2f} s; "
            f"each worker waits for Redis {0.3} s at most once per 30 s)",
            f"health: {health}",
            f"wrong passwords on one account: 429 after {attempts} attempts "
            f"(limit 10 per worker while Redis is out, {WORKERS} workers)",
        ],
    )
    assert set(kinds["login"]) <= {200, 400, 401, 403, 409, 429}, "sign-in: 200/4xx"
    assert set(kinds["me"]) == {200}, "/me/ is unaffected"
    assert health.get("status") == "degraded" and health.get("cache") == "unavailable"
    assert status == 429, "failed logins are still limited"


def test_worker_killed_during_parallel_logins_keeps_every_invariant(stack):
    reserve_me_users(stack)
    kills = 0
    with Load(threads=8, requests=login_users_only(stack)) as load:
        for _ in range(3):
            time.sleep(1.5)
            victim = random.choice(sorted(worker_pids(stack)))
            os.kill(victim, signal.SIGKILL)
            kills += 1
        time.sleep(2)
    stack.wait_healthy()
    answers = load.answers
    broken = check_invariants(stack)
    print_figures(
        f"kill -9 of {kills} workers during parallel logins",
        [f"{summary(answers)}", f"invariant violations: {broken or 'none'}"],
    )
    no_answer = [a for a in answers if a.status == 0]
    assert len(no_answer) <= kills, "only the request in the killed worker is lost"
    assert {a.status for a in answers} <= {0, 200}
    assert broken == {}


def check_invariants(stack: Stack) -> dict[str, int]:
    """Count rows that break a session invariant; {} when none does."""
    checks = {
        "users with more live sessions than allowed": """
            SELECT count(*) FROM (SELECT user_id FROM sessions_app_usersession
            WHERE is_active GROUP BY user_id HAVING count(*) > 1) t""",
        "ended sessions without end time or reason": """
            SELECT count(*) FROM sessions_app_usersession
            WHERE NOT is_active AND (ended_at IS NULL OR end_reason = '')""",
        "sessions without exactly one activity period": """
            SELECT count(*) FROM sessions_app_usersession s
            WHERE (SELECT count(*) FROM activity_activityperiod p
                   WHERE p.session_id = s.id) <> 1""",
        "live sessions with a closed period": """
            SELECT count(*) FROM sessions_app_usersession s
            JOIN activity_activityperiod p ON p.session_id = s.id
            WHERE s.is_active AND p.end_time IS NOT NULL""",
        "ended sessions with an open period": """
            SELECT count(*) FROM sessions_app_usersession s
            JOIN activity_activityperiod p ON p.session_id = s.id
            WHERE NOT s.is_active AND p.end_time IS NULL""",
        "ended sessions without their end event": """
            SELECT count(*) FROM sessions_app_usersession s
            WHERE NOT s.is_active AND NOT EXISTS (
                SELECT 1 FROM sessions_app_securityevent e
                WHERE e.session_id = s.id AND e.kind <> 'login')""",
        "sessions without their login event": """
            SELECT count(*) FROM sessions_app_usersession s
            WHERE NOT EXISTS (SELECT 1 FROM sessions_app_securityevent e
                              WHERE e.session_id = s.id AND e.kind = 'login')""",
        "cookie rows of ended sessions": """
            SELECT count(*) FROM sessions_app_browsersession b
            JOIN sessions_app_usersession s ON s.id = b.user_session_id
            WHERE NOT s.is_active""",
    }
    found = {name: stack.sql(query)[0][0] for name, query in checks.items()}
    return {name: count for name, count in found.items() if count}
