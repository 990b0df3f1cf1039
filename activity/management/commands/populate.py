"""Create N demo members with realistic names and past activity periods, in bulk."""

import argparse
import time
from collections.abc import Callable
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from tqdm import tqdm

from accounts.demo import DEMO_PASSWORD
from activity import seeding
from messaging.seeding import message_populate


def _whole_number(minimum: int) -> Callable[[str], int]:
    """Return an argparse type that accepts whole numbers of at least `minimum`."""

    def parse(raw: str) -> int:
        try:
            value = int(raw)
        except ValueError:
            value = None
        if value is None or value < minimum:
            raise argparse.ArgumentTypeError(
                f"{raw!r} is not a whole number of at least {minimum}"
            )
        return value

    return parse


class Command(BaseCommand):
    help = (
        "Create N demo members (realistic names, unique +91 7... mobiles, time zones "
        "around the world, password as seed_demo's) with past activity periods, and "
        "with --messages M past messages among all active members. Runs again add "
        "more members."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "count",
            metavar="N",
            type=_whole_number(1),
            help="how many members to create",
        )
        parser.add_argument(
            "--periods",
            type=_whole_number(0),
            default=3,
            help="activity periods per member (default 3)",
        )
        parser.add_argument(
            "--messages",
            type=_whole_number(0),
            default=0,
            metavar="M",
            help="past messages to add among all active members (default 0)",
        )
        parser.add_argument(
            "--seed", type=int, default=None, help="random seed, for repeatable data"
        )
        parser.add_argument(
            "--batch-size",
            type=_whole_number(1),
            default=None,
            help="rows per INSERT (default: 5000 on PostgreSQL, SQLite's own limit)",
        )

    def handle(
        self,
        *args: Any,
        count: int,
        periods: int,
        messages: int,
        seed: int | None,
        batch_size: int | None,
        **options: Any,
    ) -> None:
        began = time.perf_counter()
        with tqdm(
            total=count,
            unit=" members",
            file=self.stdout._out,
            disable=not self.stdout.isatty(),
            leave=False,
        ) as progress:
            result = seeding.member_populate(
                count=count,
                periods_per_member=periods,
                seed=seed,
                batch_size=batch_size,
                on_progress=progress.update,
            )
        members_seconds = time.perf_counter() - began
        if messages:
            with tqdm(
                total=messages,
                unit=" messages",
                file=self.stdout._out,
                disable=not self.stdout.isatty(),
                leave=False,
            ) as progress:
                message_populate(
                    count=messages,
                    seed=seed,
                    batch_size=batch_size,
                    on_progress=progress.update,
                )
        seconds = time.perf_counter() - began
        summary = (
            f"Created {result.users} members ({result.first_username} .. "
            f"{result.last_username}) with {result.periods} activity periods in "
            f"{members_seconds:.1f} s ({result.users / members_seconds:,.0f} members/s)"
        )
        if messages:
            message_seconds = seconds - members_seconds
            summary += (
                f", then {messages:,} messages in {message_seconds:.1f} s "
                f"({messages / message_seconds:,.0f} messages/s)"
            )
        self.stdout.write(f"{summary}; password: {DEMO_PASSWORD}")
