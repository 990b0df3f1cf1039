"""Four gunicorn workers share the guessing limits through Redis: no burst past them.

Each worker reserves a slot (an atomic INCR in Redis) before its password hasher runs,
so 30 simultaneous wrong passwords for one account from one address have at most the
limit (10) evaluated, whichever workers answer; the rest are 429.
"""

import os
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from serving.runner import Gunicorn
from serving.test_multiworker import PASSWORD, call

pytestmark = pytest.mark.serving

WORKERS = 4
GUESSES = 30
LIMIT = 10
REDIS_TEST_URL = os.environ.get("SERVING_REDIS_URL", "redis://127.0.0.1:6379/6")


def test_thirty_parallel_guesses_evaluate_at_most_the_limit(production_env, tmp_path):
    env = {
        **production_env,
        "REDIS_URL": REDIS_TEST_URL,
        "DJANGO_CACHE_PREFIX": f"guessing_{os.getpid()}_{int(time.time())}",
        "THROTTLE_LOGIN_IP": "1000/min",
        "THROTTLE_LOGIN_FAILURES_ACCOUNT_IP": f"{LIMIT}/15min",
    }
    with Gunicorn(
        env=env, workers=WORKERS, log_path=tmp_path / "gunicorn.log"
    ) as server:
        status, body, _ = call(
            server.port,
            "POST",
            "/api/v1/auth/register/",
            body={
                "username": "guessed",
                "mobile": "+919876500002",
                "password": PASSWORD,
                "real_name": "Guessed At",
            },
        )
        assert status == 201, body

        def guess(n: int) -> int:
            return call(
                server.port,
                "POST",
                "/api/v1/auth/login/",
                body={"username": "GUESSED", "password": f"wrong-guess-{n}"},
            )[0]

        with ThreadPoolExecutor(GUESSES) as pool:
            statuses = list(pool.map(guess, range(GUESSES)))
        by_mobile = call(
            server.port,
            "POST",
            "/api/v1/auth/login/",
            body={"mobile": "98765 00002", "password": PASSWORD},
        )[0]

    print(
        f"\n{GUESSES} parallel guesses: {statuses.count(400)} evaluated, "
        f"{statuses.count(429)} refused before the hasher"
    )
    assert sorted(set(statuses)) <= [400, 429]
    assert statuses.count(400) <= LIMIT
    assert statuses.count(429) >= GUESSES - LIMIT
    assert by_mobile == 429  # the same account by its mobile number: the same counter
