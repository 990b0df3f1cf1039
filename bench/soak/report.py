"""What the soak prints: requests, latencies, events, database figures, violations."""

import statistics

from bench.soak.client import Record


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def report(record: Record, figures: dict, seconds: float) -> None:
    total = sum(len(v) for v in record.latencies.values())
    print(f"\n{total} requests in {seconds:.0f} s ({total / seconds:.0f}/s)")
    print(f"{'request':<18} {'count':>7} {'p50 ms':>9} {'p99 ms':>9}  statuses")
    for kind, values in sorted(record.latencies.items()):
        statuses = {s: n for (k, s), n in record.statuses.items() if k == kind}
        print(
            f"{kind:<18} {len(values):>7} {statistics.median(values):>9.1f} "
            f"{percentile(values, 0.99):>9.1f}  {dict(sorted(statuses.items()))}"
        )
    others = [
        v
        for k, vs in record.latencies.items()
        if k not in ("login", "final sweep")
        for v in vs
    ]
    if others:
        print(
            f"{'all but logins':<18} {len(others):>7} "
            f"{statistics.median(others):>9.1f} {percentile(others, 0.99):>9.1f}"
        )
    print(
        "\nevents: " + ", ".join(f"{k} {v}" for k, v in sorted(record.events.items()))
    )
    print("database: " + "; ".join(f"{k}: {v}" for k, v in figures.items()))
    if record.violations:
        print("\nVIOLATIONS")
        for kind, examples in record.violations.items():
            print(f"  {kind}: {len(examples)}, e.g. {examples[:3]}")
    else:
        print(
            "\nno violations: limit held, periods match sessions, every stale "
            "credential refused, no 5xx"
        )
