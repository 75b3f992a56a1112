"""``casework projections run``, the production worker, as a process: it brings every view
to the head of the log, keeps following it, and stops cleanly on SIGTERM."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from adapters.bootstrap import Container
from application.context import acting_as
from tests.application.test_case_concurrency import OFFICER, _log, _open_case
from tests.support.process_env import REPO, process_env

WORKER = "from adapters.cli.main import app; app()"


def _wait_for(condition: Callable[[], bool], what: str, log_file: Path,
              timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}:\n{log_file.read_text()}")
        time.sleep(0.05)


def test_the_worker_follows_the_log_and_stops_on_sigterm(
        container: Container, tmp_path: Path) -> None:
    cases = container.services["cases"]
    with acting_as(OFFICER):
        case_ids = [_open_case(cases) for _ in range(3)]
    host = container.projections
    assert host is not None  # built, not running: only the worker moves the views
    log_file = tmp_path / "worker.log"
    with log_file.open("ab") as log:
        worker = subprocess.Popen(
            [sys.executable, "-c", WORKER, "projections", "run", "--batch-size", "2"],
            env=process_env(container, tmp_path), cwd=REPO, stdout=log, stderr=log)
    try:
        def at_head() -> bool:
            lag = host.lag()
            return bool(lag["views"]) and all(
                view["events_behind"] == 0 for view in lag["views"].values())

        _wait_for(at_head, "the views to reach the head of the log", log_file)
        with acting_as(OFFICER):
            _log(cases, case_ids[0], 1, 1, None)  # a write after the worker caught up
        _wait_for(at_head, "the views to follow a new write", log_file)
        worker.send_signal(signal.SIGTERM)
        assert worker.wait(20) == 0, log_file.read_text()
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait(10)
    assert "projections_stopping" in log_file.read_text()
