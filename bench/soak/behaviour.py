"""One soak user: its devices, what it knows about its sessions, and what it does."""

import random
import threading
import time
from dataclasses import dataclass, field

from bench.soak.client import REQUEST_TIMEOUT, Client, Record

PASSWORD = "soak-password-2026-long"
ENDED_CODES = {
    "session_superseded",
    "session_terminated",
    "session_expired",
    "session_logged_out",
    "session_password_changed",
    "account_disabled",
}
USER_AGENTS = [
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0 Safari/537.36",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
    "PostmanRuntime/7.39.0",
]
MAX_WRONG_PASSWORDS = 3  # per user: stay under the failed-login limit (10 / 15 min)


def mobile_of(n: int) -> str:
    return f"+9192{n:08d}"


@dataclass
class Device:
    user_agent: str
    session_id: str | None = None  # the session this device uses now, if any


@dataclass
class UserState:
    number: int
    devices: list[Device]
    live: dict[str, str] = field(default_factory=dict)  # session id -> token, all live
    dead: dict[str, str] = field(default_factory=dict)  # token -> how we learned it
    wrong_passwords: int = 0


class UserLoop(threading.Thread):
    def __init__(
        self,
        state: UserState,
        client: Client,
        record: Record,
        *,
        start_at: float,
        stop_at: float,
        limit: int,
        seed: int,
    ) -> None:
        super().__init__(daemon=True, name=f"soak-user-{state.number}")
        self.state, self.client, self.record = state, client, record
        self.start_at, self.stop_at, self.limit = start_at, stop_at, limit
        self.random = random.Random(seed)

    # -- bookkeeping

    def mark_dead(self, session_id: str, how: str) -> None:
        token = self.state.live.pop(session_id, None)
        if token is not None:
            self.state.dead[token] = how
        for device in self.state.devices:
            if device.session_id == session_id:
                device.session_id = None

    def token_of(self, device: Device) -> str | None:
        return self.state.live.get(device.session_id) if device.session_id else None

    def refused(self, device: Device, body: dict, what: str) -> None:
        """Our own live token was refused: only an expiry ends a session unannounced."""
        code = body.get("code")
        if code != "session_expired":
            self.record.violation(
                "session ended without the client being told",
                f"user {self.state.number} {what}: 403 {code}",
            )
        self.record.count("sessions found expired")
        self.mark_dead(device.session_id, "expired")

    # -- actions

    def login_request(
        self, device: Device, *, password: str = PASSWORD
    ) -> tuple[int, dict]:
        number = self.state.number
        spelling = self.random.choice(["username", "mobile", "mobile_national"])
        if spelling == "username":
            body = {"username": f"soak{number}"}
        elif spelling == "mobile":
            body = {"mobile": mobile_of(number)}
        else:
            national = mobile_of(number)[3:]
            body = {"mobile": f"{national[:5]} {national[5:]}"}
        return self.client.call(
            "login",
            "POST",
            "/api/v1/auth/login/",
            body={**body, "password": password},
            user_agent=device.user_agent,
        )

    def accept_logins(self, answers: list[tuple[Device, int, dict]]) -> None:
        # All new sessions first: one login of a burst may end another's new session.
        ended = []
        for device, status, body in answers:
            if status != 200:
                self.record.violation(
                    "login refused", f"user {self.state.number}: {status} {body}"
                )
                continue
            self.state.live[body["session"]["id"]] = body["token"]
            device.session_id = body["session"]["id"]
            ended += [s["id"] for s in body["ended_sessions"]]
            self.record.count("logins")
        for session_id in ended:
            self.mark_dead(session_id, "superseded")
            self.record.count("sessions superseded")

    def login(self, device: Device) -> None:
        status, body = self.login_request(device)
        self.accept_logins([(device, status, body)])

    def login_everywhere(self) -> None:
        """All devices log in at the same moment: the limit must hold under the race."""
        answers = []

        def one(device: Device) -> None:
            answers.append((device, *self.login_request(device)))

        threads = [threading.Thread(target=one, args=(d,)) for d in self.state.devices]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(REQUEST_TIMEOUT + 10)
        self.accept_logins(answers)
        self.record.count("simultaneous logins", len(answers))

    def use(self, device: Device) -> None:
        path = self.random.choice(
            ["/api/v1/auth/users/me/", "/api/v1/users/?page_size=5"]
        )
        kind = "me" if "me" in path else "users"
        status, body = self.client.call(
            kind, "GET", path, token=self.token_of(device), user_agent=device.user_agent
        )
        if status == 200:
            if kind == "me" and body["session"]["id"] != device.session_id:
                self.record.violation("wrong session", f"user {self.state.number}")
        elif status == 403:
            self.refused(device, body, kind)
        else:
            self.record.violation(f"{kind} answered {status}", f"{body}")

    def list_sessions(self, device: Device) -> None:
        status, body = self.client.call(
            "list sessions",
            "GET",
            "/api/v1/auth/users/me/sessions/?page_size=50",
            token=self.token_of(device),
            user_agent=device.user_agent,
        )
        if status == 403:
            return self.refused(device, body, "list sessions")
        if status != 200:
            return self.record.violation("list sessions answered", f"{status} {body}")
        listed = {s["id"]: s for s in body["results"]}
        if body["count"] > self.limit:
            self.record.violation(
                "more live sessions than allowed",
                f"user {self.state.number}: {body['count']}",
            )
        current = [s["id"] for s in listed.values() if s["is_current"]]
        if current != [device.session_id]:
            self.record.violation("is_current wrong", f"user {self.state.number}")
        for session_id in listed.keys() - self.state.live.keys():
            self.record.violation(
                "a session the client ended is listed as live",
                f"user {self.state.number}: {session_id}",
            )
        for session_id in self.state.live.keys() - listed.keys():
            self.mark_dead(session_id, "expired")  # ended by a login, as expired
            self.record.count("sessions found expired")

    def end_another(self, device: Device) -> None:
        others = [s for s in self.state.live if s != device.session_id]
        if not others:
            return
        target = self.random.choice(others)
        status, body = self.client.call(
            "end a session",
            "DELETE",
            f"/api/v1/auth/users/me/sessions/{target}/",
            token=self.token_of(device),
            user_agent=device.user_agent,
        )
        if status == 200 and not body["ended_session"]["is_active"]:
            self.mark_dead(target, "terminated")
            self.record.count("sessions terminated")
        elif status == 403:
            self.refused(device, body, "end a session")
        else:
            self.record.violation("end a session answered", f"{status} {body}")

    def log_out(self, device: Device) -> None:
        status, body = self.client.call(
            "logout",
            "POST",
            "/api/v1/auth/logout/",
            token=self.token_of(device),
            user_agent=device.user_agent,
        )
        if status == 204:
            self.mark_dead(device.session_id, "logged out")
            self.record.count("logouts")
        elif status == 403:
            self.refused(device, body, "logout")
        else:
            self.record.violation("logout answered", f"{status} {body}")

    def end_all_others(self, device: Device) -> None:
        status, body = self.client.call(
            "end all others",
            "DELETE",
            "/api/v1/auth/users/me/sessions/?keep_current=true",
            token=self.token_of(device),
            user_agent=device.user_agent,
        )
        if status == 200:
            for session_id in [s for s in self.state.live if s != device.session_id]:
                self.mark_dead(session_id, "terminated")
            self.record.count("sign-outs everywhere else")
        elif status == 403:
            self.refused(device, body, "end all others")
        else:
            self.record.violation("end all others answered", f"{status} {body}")

    def try_dead_token(self) -> None:
        token = self.random.choice(list(self.state.dead))
        status, body = self.client.call(
            "stale credential", "GET", "/api/v1/auth/users/me/", token=token
        )
        self.record.count("stale credentials tried")
        if status == 200:
            self.record.violation(
                "stale credential accepted",
                f"user {self.state.number} ({self.state.dead[token]})",
            )
        elif status != 403 or body.get("code") not in ENDED_CODES:
            self.record.violation("stale credential answered", f"{status} {body}")

    def mistype_password(self) -> None:
        self.state.wrong_passwords += 1
        status, body = self.login_request(
            self.state.devices[0], password="wrong-password"
        )
        if status != 400 or body.get("code") != "invalid_credentials":
            self.record.violation("wrong password answered", f"{status} {body}")

    # -- the loop

    def step(self) -> None:
        devices = self.state.devices
        signed_in = [d for d in devices if self.token_of(d)]
        signed_out = [d for d in devices if not self.token_of(d)]
        if not signed_in:
            return self.login(self.random.choice(devices))
        device = self.random.choice(signed_in)
        choices = [
            (40, lambda: self.use(device)),
            (12, lambda: self.list_sessions(device)),
            (4, lambda: self.end_another(device)),
            (3, lambda: self.log_out(device)),
            (1.5, lambda: self.end_all_others(device)),
            (
                2 if signed_out else 0,
                lambda: self.login(self.random.choice(signed_out)),
            ),
            (0.3, self.login_everywhere),
            (8 if self.state.dead else 0, self.try_dead_token),
            (
                0.5 if self.state.wrong_passwords < MAX_WRONG_PASSWORDS else 0,
                self.mistype_password,
            ),
        ]
        weights, actions = zip(*choices, strict=True)
        self.random.choices(actions, weights)[0]()

    def run(self) -> None:
        time.sleep(max(0.0, self.start_at - time.monotonic()))
        while time.monotonic() < self.stop_at:
            self.step()
            pause = self.random.uniform(2.0, 6.0)
            time.sleep(max(0.0, min(pause, self.stop_at - time.monotonic())))
