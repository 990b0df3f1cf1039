"""gunicorn.conf.py: reloads and upgrades log no errors; real worker deaths still do."""

import importlib.util
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from gunicorn.config import Config
from gunicorn.glogging import Logger

CONF = Path(__file__).resolve().parents[2] / "gunicorn.conf.py"


@pytest.fixture
def logged() -> Iterator[Logger]:
    """gunicorn.conf.py's logger class, its records kept in `.log_records`."""
    spec = importlib.util.spec_from_file_location("gunicorn_conf", CONF)
    conf = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(conf)
    logger = conf.logger_class(Config())
    records: list[logging.LogRecord] = []
    handler = logging.Handler()
    handler.emit = records.append
    logger.error_log.addHandler(handler)
    logger.error_log.setLevel(logging.DEBUG)
    logger.log_records = records
    yield logger
    logger.error_log.removeHandler(handler)


@pytest.mark.parametrize("signal_name", ["SIGTERM", "SIGQUIT"])
def test_workers_stopped_by_a_reload_are_info(logged, signal_name):
    logged.error(f"Worker (pid:123) was sent {signal_name}!")

    assert [r.levelno for r in logged.log_records] == [logging.INFO]


@pytest.mark.parametrize(
    "message",
    [
        "Worker (pid:123) was sent SIGKILL! Perhaps out of memory?",
        "WORKER TIMEOUT (pid:123)",
    ],
)
def test_workers_that_died_are_still_errors(logged, message):
    logged.error(message)

    assert [r.levelno for r in logged.log_records] == [logging.ERROR]
