"""Crash test: the worker process is killed (SIGKILL) in the middle of a batch, restarted,
and the views end up exactly equal to a from-scratch computation: nothing skipped, nothing
applied twice (``note_counts`` adds increments, so a batch applied twice would double-count;
``note_list`` inserts, so it would hit its primary key and fail).
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from adapters.bootstrap import Container
from projections.framework import ProjectionHost
from projections.testing import expected_rows, view_rows
from tests.projections.conftest import HostFactory, write_notes
from tests.support.process_env import process_env
from tests.support.sample_views import NoteCounts, NoteList

REPO = Path(__file__).resolve().parents[2]
WORKER = "from tests.support.sample_views import run_sample_worker; run_sample_worker()"
DELAY = 0.25
BATCH = 25


def _worker_env(container: Container, tmp_path: Path, **extra: str) -> dict[str, str]:
    return process_env(container, tmp_path, CASEWORK_TEST_BATCH_SIZE=str(BATCH), **extra)


@contextmanager
def _worker(env: dict[str, str], log_file: Path) -> Iterator[subprocess.Popen[bytes]]:
    with log_file.open("ab") as log:
        process = subprocess.Popen([sys.executable, "-c", WORKER], env=env, cwd=REPO,
                                   stdout=log, stderr=log)
    try:
        yield process
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(10)


def _wait(condition: object, timeout: float, what: str, log_file: Path) -> None:
    deadline = time.monotonic() + timeout
    while not condition():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}:\n{log_file.read_text()}")
        time.sleep(0.01)


def _positions(host: ProjectionHost) -> dict[str, int]:
    states = host.read_states()
    return {name: states[name].position if name in states else 0 for name in host.views}


def test_worker_killed_mid_batch_resumes_exactly_once(
    container: Container, make_host: HostFactory, tmp_path: Path
) -> None:
    write_notes(container, [f"Ward {i % 7}" for i in range(240)], edits=60)
    observer = make_host()  # reads positions and rows; never runs the views
    head = observer.log.head()
    assert head == 300
    marker = tmp_path / "marker"
    log_file = tmp_path / "worker.log"

    slow = _worker_env(container, tmp_path, CASEWORK_TEST_VIEW_DELAY=str(DELAY),
                       CASEWORK_TEST_VIEW_MARKER=str(marker))
    with _worker(slow, log_file) as process:
        _wait(lambda: _positions(observer)["note_counts"] >= 2 * BATCH, 30,
              "two committed batches", log_file)

        def in_the_middle_of_a_batch() -> bool:
            text = marker.read_text() if marker.exists() else ""
            return text.startswith("applying") and (
                time.time() - float(text.split()[1]) < DELAY / 3
            )

        _wait(in_the_middle_of_a_batch, 10, "a batch in progress", log_file)
        process.send_signal(signal.SIGKILL)
        assert process.wait(10) == -signal.SIGKILL
    killed_at = _positions(observer)["note_counts"]
    assert 2 * BATCH <= killed_at < head
    # The killed batch's rows were written but not committed: the view matches its position.

    with _worker(_worker_env(container, tmp_path), log_file) as process:
        _wait(lambda: set(_positions(observer).values()) == {head}, 30,
              "the restarted worker to catch up", log_file)
        process.send_signal(signal.SIGTERM)
        assert process.wait(10) == 0
    assert view_rows(observer, "note_counts") == expected_rows(NoteCounts(), observer.log)
    assert view_rows(observer, "note_list") == expected_rows(NoteList(), observer.log)
    assert "view_failed" not in log_file.read_text()
