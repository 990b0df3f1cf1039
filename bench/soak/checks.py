"""After the run: every token tried once more, gunicorn's log, then the database."""

import os
import re
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from bench.soak.behaviour import ENDED_CODES, UserState
from bench.soak.client import Client, Record
from serving.runner import manage


def sweep(client: Client, states: list[UserState], record: Record) -> dict[str, int]:
    """Try every token issued once more; return token -> status."""
    tokens = [(t, True) for s in states for t in s.live.values()]
    tokens += [(t, False) for s in states for t in s.dead]

    def one(item: tuple[str, bool]) -> tuple[str, int]:
        token, believed_live = item
        status, body = client.call(
            "final sweep", "GET", "/api/v1/auth/users/me/", token=token
        )
        if not believed_live and status != 403:
            record.violation(
                (
                    "stale credential accepted"
                    if status == 200
                    else "stale credential answered"
                ),
                f"final sweep: {status}",
            )
        if believed_live and status == 403 and body.get("code") != "session_expired":
            record.violation(
                "session ended without the client being told",
                f"final sweep: {body.get('code')}",
            )
        if status == 403 and body.get("code") not in ENDED_CODES:
            record.violation("stale credential answered", f"final sweep: {body}")
        return token, status

    with ThreadPoolExecutor(8) as pool:
        return dict(pool.map(one, tokens))


def database_checks(answers: dict[str, int], limit: int, record: Record) -> dict:
    from django.db.models import Count

    from activity.models import ActivityPeriod
    from sessions_app.crypto import digest
    from sessions_app.models import UserSession

    # Every answer of the sweep agrees with the row (nothing ran in between).
    live_digests = set(
        UserSession.objects.filter(is_active=True).values_list(
            "token_digest", flat=True
        )
    )
    for token, status in answers.items():
        is_live = digest(token) in live_digests
        if (status == 200) != is_live:
            record.violation(
                "answer and row disagree", f"HTTP {status}, live={is_live}"
            )
    ended_now = manage("end_expired_sessions", env=os.environ, quiet=True).strip()
    over = list(
        UserSession.objects.filter(is_active=True)
        .values("user_id")
        .annotate(n=Count("id"))
        .filter(n__gt=limit)
    )
    figures = {
        "sessions": UserSession.objects.count(),
        "live sessions": UserSession.objects.filter(is_active=True).count(),
        "ended sessions": UserSession.objects.filter(is_active=False).count(),
        "end reasons": dict(
            Counter(
                UserSession.objects.filter(is_active=False).values_list(
                    "end_reason", flat=True
                )
            )
        ),
        "users above the limit": len(over),
        "sessions without an activity period": UserSession.objects.filter(
            activity_period__isnull=True
        ).count(),
        "ended sessions with an open period": ActivityPeriod.objects.filter(
            session__is_active=False, end_time__isnull=True
        ).count(),
        "live sessions with a closed period": ActivityPeriod.objects.filter(
            session__is_active=True, end_time__isnull=False
        ).count(),
        "end_expired_sessions": ended_now,
    }
    for key in (
        "users above the limit",
        "sessions without an activity period",
        "ended sessions with an open period",
        "live sessions with a closed period",
    ):
        if figures[key]:
            record.violation(key, str(figures[key]))
    return figures


def scan_server_log(log: Path, record: Record) -> None:
    text = log.read_text(errors="replace")
    for marker in ("Traceback", "WORKER TIMEOUT", "[ERROR]", "[CRITICAL]", " ERROR "):
        if marker in text:
            record.violation("gunicorn log", f"{marker!r} in {log}")
    statuses = Counter(re.findall(r'" (\d{3}) ', text))
    if any(code.startswith("5") for code in statuses):
        record.violation("5xx in the access log", str(statuses))
