"""CI's last line adds up every pytest run (`.ci/summary`), also when a step fails."""

import os
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SUMMARY = ROOT / ".ci" / "summary"
RUN = ROOT / ".ci" / "run"


def summarize(tmp_path: Path, *logs: str) -> str:
    paths = []
    for number, text in enumerate(logs):
        path = tmp_path / f"{number}.log"
        path.write_text(text)
        paths.append(str(path))
    result = subprocess.run(
        [str(SUMMARY), *paths], capture_output=True, text=True, check=True, timeout=30
    )
    return result.stdout


@pytest.mark.parametrize(
    ("log", "expected"),
    [
        ("581 passed, 3 skipped in 20.43s\n", "CI: 581 passed, 0 failed"),
        ("1 passed, 25 subtests passed in 49.27s\n", "CI: 1 passed, 0 failed"),
        ("2 failed, 10 passed in 3.01s\n", "CI: 10 passed, 2 failed"),
        ("==== 4 passed, 1 error in 75.12s (0:01:15) ====\n", "CI: 4 passed, 1 failed"),
        (
            "1 xfailed, 2 xpassed, 3 deselected, 4 passed in 1s\n",
            "CI: 4 passed, 0 failed",
        ),
        ("\x1b[32m7 passed, 2 warnings in 0.50s\x1b[0m\n", "CI: 7 passed, 0 failed"),
        ("no tests ran in 0.01s\n", "CI: 0 passed, 0 failed"),
        (
            "All checks passed!\n97 files would be reformatted\n",
            "CI: 0 passed, 0 failed",
        ),
    ],
    ids=[
        "skipped",
        "subtests",
        "failed",
        "error",
        "x-outcomes",
        "colour",
        "none",
        "lint",
    ],
)
def test_summary_counts_pytest_passed_and_failed_only(tmp_path, log, expected):
    assert summarize(tmp_path, log) == expected + "\n"


@pytest.mark.parametrize(
    ("log", "expected"),
    [
        ("postman: 31 passed, 0 failed\n", "CI: 31 passed, 0 failed"),
        ("postman: 29 passed, 2 failed\n", "CI: 29 passed, 2 failed"),
        (
            "newman\n\x1b[0mpostman: 3 passed, 1 failed, 2 skipped\n",
            "CI: 3 passed, 1 failed",
        ),
        (
            "postman: 1 passed, 0 failed\npostman: 5 passed, 0 failed\n",
            "CI: 5 passed, 0 failed",
        ),
        ("CI: 9 passed, 9 failed\n", "CI: 0 passed, 0 failed"),
        ("12 passed, 1 failed\n", "CI: 0 passed, 0 failed"),
    ],
    ids=["newman", "newman-failed", "skipped", "last-line", "not-ci", "no-name"],
)
def test_summary_counts_a_plain_line_from_another_runner(tmp_path, log, expected):
    assert summarize(tmp_path, log) == expected + "\n"


def test_a_pytest_summary_line_wins_over_a_plain_line_in_the_same_log(tmp_path):
    log = "postman: 100 passed, 0 failed\n4 passed in 1.00s\n"

    assert summarize(tmp_path, log, "postman: 31 passed, 1 failed\n") == (
        "CI: 35 passed, 1 failed\n"
    )


def test_summary_adds_up_every_log_using_its_last_summary_line(tmp_path):
    sqlite = "....\n581 passed, 3 skipped in 20.43s\n"
    # A failing test may print sample summary lines; pytest's own comes last.
    postgres = "5 passed in 1.00s\n...F\n2 failed, 579 passed, 3 skipped in 40.00s\n"
    serving = "1 passed, 25 subtests passed in 49.27s\n"

    assert (
        summarize(tmp_path, sqlite, postgres, serving) == "CI: 1161 passed, 2 failed\n"
    )


@pytest.mark.slow
@pytest.mark.parametrize(
    ("failing", "last_line"),
    [("lint", "CI: 0 passed, 0 failed"), ("test", "CI: 10 passed, 2 failed")],
)
def test_ci_run_stopping_at_a_failed_step_still_ends_with_the_summary(
    tmp_path, failing, last_line
):
    fake_make = tmp_path / "make"
    fake_make.write_text(
        "#!/usr/bin/env bash\n"
        'case "$1" in\n'
        "  lint) echo 'All checks passed!' ;;\n"
        "  test) echo '..F'; echo '2 failed, 10 passed in 1.00s' ;;\n"
        "esac\n"
        f'[[ "$1" != {failing} ]]\n'
    )
    fake_make.chmod(0o755)
    env = {**os.environ, "PATH": f"{tmp_path}{os.pathsep}{os.environ['PATH']}"}

    result = subprocess.run(
        ["bash", str(RUN)], capture_output=True, text=True, env=env, timeout=60
    )

    assert result.returncode == 1
    assert result.stdout.splitlines()[-1] == last_line
    assert (
        f"stopped at step {'sqlite' if failing == 'test' else 'lint'}" in result.stderr
    )
