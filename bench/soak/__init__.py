"""`make soak`: many users on several devices against the production stack, then checks.

    python -m bench.soak                 # what `make soak` runs: 200 users, 5 minutes
    python -m bench.soak --seconds 30    # `make soak-short` (CI); SOAK_SECONDS=30 too

Creates a fresh PostgreSQL database (postgres@127.0.0.1, dropped afterwards), 200 users
(Argon2, the production hasher) with 3 devices each, and starts gunicorn with
gunicorn.conf.py (WEB_CONCURRENCY workers, default 2 x cores + 1; DEBUG off; Redis for
throttles; on 127.0.0.1). Policy for the run: 2 live sessions per user, and a refresh
lifetime (`REFRESH_TTL`) short enough that some sessions expire (the soak's clients
never refresh); the login throttle is raised (every
request comes from 127.0.0.1). One thread per user, for the given time: log in (by
username or mobile, sometimes all devices at once), use the session, list sessions,
end another device's session, log out, sign out everywhere else, retry a credential
known to be dead, mistype the password. The client knows what every answer must be:
a login lists the sessions it ended, so any other ended session must be an expiry.

After the run: every token issued is tried once more and its answer compared with its
row; `end_expired_sessions` runs; then SQL (through the ORM) checks that no user holds
more live sessions than allowed, that every ended session has one closed activity
period and every live one an open one. It prints the counts and p50/p99 latencies and
exits 1 on any violation (also any 5xx, transport error or traceback in gunicorn's log).

Modules: `client` (HTTP client, what it saw), `behaviour` (what a user does and knows),
`checks` (the final sweep, gunicorn's log, the database), `report` (printing), `main`
(arguments, set-up, the run).
"""
