"""Following the log in the background, read-your-writes, /metrics and /readyz."""

from __future__ import annotations

import time
from typing import Any

import pytest
from fastapi import Depends, FastAPI, Request
from fastapi.testclient import TestClient

from adapters.bootstrap import Container, bootstrap
from adapters.config.settings import Settings
from adapters.http.routes import health, metrics
from adapters.http.routes.metrics import views_at_least
from adapters.persistence.views import PostgresNotifier
from projections.framework import Freshness
from tests.projections.conftest import HostFactory, write_notes
from tests.support.sample_views import EXPLODING_WARD, FailingView, NoteCounts, NoteList


def _position_of(container: Container) -> int:
    return int(container.store.recorder.max_notification_id() or 0)


def test_read_your_writes_waits_for_the_background_runner(
    container: Container, make_host: HostFactory
) -> None:
    host = make_host(poll_seconds=30.0)  # only a wake-up can make this quick
    host.start()
    note = write_notes(container, ["Baldock Town"])[0]
    position = _position_of(container)
    began = time.monotonic()
    freshness = host.wait_for(position, timeout=10.0)
    assert freshness == Freshness(True, position)
    assert time.monotonic() - began < 3.0
    with host.reading() as cur:
        assert cur.scalar("SELECT ward FROM {rm_notes} WHERE note_id = ?",
                          (note.id,)) == "Baldock Town"
    host.stop()
    assert not host.running


@pytest.mark.parametrize("store_kind", ["postgres"], indirect=True)
def test_postgres_runner_wakes_on_notify(
    container: Container, make_host: HostFactory, store_kind: str
) -> None:
    host = make_host(poll_seconds=30.0)
    host.start()
    assert isinstance(host.notifier, PostgresNotifier)
    assert host.notifier.listening.wait(5.0)
    host.catch_up()  # no-op rounds; make sure the runner has gone to sleep on its poll
    time.sleep(0.3)
    write_notes(container, ["Hitchin Oughton"])
    position = _position_of(container)
    deadline = time.monotonic() + 3.0
    while host.live_positions()["note_counts"] < position:  # does not wake the runner
        assert time.monotonic() < deadline, "NOTIFY did not wake the runner"
        time.sleep(0.02)


@pytest.mark.parametrize("store_kind", ["sqlite"], indirect=True)
def test_sqlite_runner_polls(
    container: Container, make_host: HostFactory, store_kind: str
) -> None:
    host = make_host(poll_seconds=0.05)
    host.start()
    write_notes(container, ["Hitchin Oughton"])
    position = _position_of(container)
    deadline = time.monotonic() + 3.0
    while host.live_positions()["note_counts"] < position:
        assert time.monotonic() < deadline, "the runner did not poll"
        time.sleep(0.02)


def test_wait_for_times_out_when_the_views_are_behind(
    container: Container, make_host: HostFactory
) -> None:
    host = make_host()
    write_notes(container, ["Baldock Town"])
    host.catch_up()
    write_notes(container, ["Baldock Town"])  # nobody runs the views now
    behind = host.wait_for(_position_of(container), timeout=0.2)
    assert behind == Freshness(False, _position_of(container) - 1)
    assert host.wait_for(_position_of(container) - 1, timeout=0.2).caught_up
    assert host.wait_for(10**9, timeout=0.1, views=[]).caught_up  # no views to wait for
    with pytest.raises(KeyError):
        host.wait_for(1, timeout=0.1, views=["nonexistent"])


def _app(container: Container) -> FastAPI:
    app = FastAPI()
    app.state.container = container
    app.include_router(health.router)
    app.include_router(metrics.router)

    @app.get("/notes-by-ward")
    def notes_by_ward(
        request: Request, fresh: Freshness = Depends(views_at_least("note_counts", timeout=0.5))
    ) -> dict[str, Any]:
        with request.app.state.container.projections.reading() as cur:
            rows = cur.rows("rm_note_counts", order_by="ward")
        return {"caught_up": fresh.caught_up, "wards": {r[0]: r[1] for r in rows}}

    return app


def test_a_list_route_can_wait_for_the_clients_write(
    container: Container, make_host: HostFactory
) -> None:
    container.projections = make_host(poll_seconds=30.0)
    client = TestClient(_app(container))
    assert client.get("/notes-by-ward").headers.get("X-Casework-Stale") is None

    write_notes(container, ["Baldock Town"])
    position = _position_of(container)
    stale = client.get("/notes-by-ward", headers={"X-Casework-Min-Position": str(position)})
    assert stale.status_code == 200
    assert stale.headers["X-Casework-Stale"] == "true"
    assert stale.headers["X-Casework-View-Position"] == "0"
    assert stale.json() == {"caught_up": False, "wards": {}}

    container.projections.start()
    fresh = client.get(f"/notes-by-ward?min_position={position}")
    assert fresh.status_code == 200
    assert "X-Casework-Stale" not in fresh.headers
    assert int(fresh.headers["X-Casework-View-Position"]) >= position
    assert fresh.json() == {"caught_up": True, "wards": {"Baldock Town": 1}}
    assert client.get("/notes-by-ward?min_position=-1").status_code == 422


def test_metrics_and_readyz_report_lag_and_failures(
    container: Container, make_host: HostFactory
) -> None:
    container.projections = make_host([NoteCounts(), NoteList(), FailingView()])
    client = TestClient(_app(container))
    write_notes(container, ["Baldock Town", EXPLODING_WARD])
    container.projections.catch_up()
    write_notes(container, ["Baldock Town"] * 3)
    head = _position_of(container)

    text = client.get("/metrics")
    assert text.status_code == 200
    assert text.headers["content-type"].startswith("text/plain")
    body = text.text
    assert f"casework_event_log_head {head}" in body
    assert f'casework_projection_position{{view="note_counts"}} {head - 3}' in body
    assert 'casework_projection_events_behind{view="note_counts"} 3' in body
    assert 'casework_projection_events_behind{view="failing"} 4' in body
    assert 'casework_projection_failed{view="failing"} 1' in body
    assert 'casework_projection_failed{view="note_list"} 0' in body
    seconds = [line for line in body.splitlines()
               if line.startswith('casework_projection_seconds_behind{view="note_list"}')]
    assert len(seconds) == 1
    assert float(seconds[0].split()[-1]) >= 0.0
    assert "# TYPE casework_projection_seconds_behind gauge" in body

    ready = client.get("/readyz").json()
    views = ready["checks"]["projections"]["views"]
    assert ready["checks"]["projections"]["ok"] is False
    assert views["failing"]["state"] == "failed"
    assert views["note_counts"] | {"seconds_behind": 0} == {
        "state": "behind", "version": 1, "stored_version": 1, "position": head - 3,
        "events_behind": 3, "seconds_behind": 0,
    }
    assert views["note_counts"]["seconds_behind"] >= 0


def test_bootstrap_starts_projections_in_process_only_when_configured(
    test_settings: Settings,
) -> None:
    external = bootstrap(test_settings)
    try:
        assert external.projections is not None
        assert external.projections.start not in external.services.get("on_start", [])
        lag = external.projection_lag()
        assert lag is not None
        assert (lag["ok"], lag["runner"], lag["head"]) == (True, "external", 0)
    finally:
        external.close()
    in_process = bootstrap(test_settings.model_copy(update={"projections_in_process": True}))
    try:
        assert in_process.projections is not None
        assert in_process.projections.start in in_process.services["on_start"]
        in_process.projections.start()
        assert in_process.projections.running
        assert in_process.projection_lag()["runner"] == "in-process"  # type: ignore[index]
    finally:
        in_process.close()
    assert not in_process.projections.running
