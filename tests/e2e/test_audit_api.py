"""The audit API: verify, checkpoint, access log roles, and history routes on a test resource.

The history routes are mounted on a test-only router over the sample Note aggregate,
exactly as the cases, plans and case-review routers mount them.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import pytest
from eventsourcing.application import AggregateNotFoundError
from fastapi import APIRouter, Request
from fastapi.testclient import TestClient

from adapters.audit.export import verify_export
from adapters.bootstrap import Container
from adapters.http.app import create_app
from adapters.http.routes.audit import AsAt, AtVersion, RecordAccess, history_routes, past_state
from adapters.http.security import Context
from application.context import Actor, RequestContext, acting_as
from application.errors import NotFound
from domain.shared import clock
from tests.e2e.conftest import TokenFactory
from tests.support.sample_domain import Note

START = datetime(2026, 3, 31, 22, 0, tzinfo=UTC)
PERSON = UUID("00000000-0000-4000-8000-0000000000a1")


def _load_visible(container: Container) -> Any:
    def load(context: RequestContext, note_id: UUID) -> Note:
        try:
            note: Note = container.store.repository.get(note_id)
        except AggregateNotFoundError:
            raise NotFound("note", note_id) from None
        if not context.actor.can_see_partnership(note.partnership_id):
            raise NotFound("note", note_id)
        return note

    return load


def _notes_router(container: Container) -> APIRouter:
    router = APIRouter(prefix="/api/test-notes")
    load = _load_visible(container)
    history_routes(router, "note", lambda _request, context, note_id: load(context, note_id),
                   people_of=lambda note: [PERSON])

    @router.get("/{note_id}")
    def get_note(note_id: UUID, request: Request, context: Context, record: RecordAccess,
                 as_at: AsAt = None, version: AtVersion = None) -> dict[str, Any]:
        note = load(context, note_id)
        if as_at is not None or version is not None:
            note = past_state(request, "note", note_id, version=version, as_at=as_at)
        record("view-record", "note", note_id, [PERSON])
        return {"text": note.text, "version": note.version}

    return router


@pytest.fixture
def api(container: Container) -> Iterator[TestClient]:
    app = create_app(container)
    app.include_router(_notes_router(container))
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client


@pytest.fixture
def note(container: Container) -> Note:
    actor = Actor(user_id="pc.jones", display_name="PC Jones", agency="herts-police",
                  roles=("officer",), partnerships=("north-herts",))
    with acting_as(RequestContext(actor=actor, reason="new report")):
        with clock.frozen_at(START):
            written = Note(partnership_id="north-herts", text="loud music", ward="Baldock Town")
            container.store.save(written)
        with clock.frozen_at(START + timedelta(hours=2)):
            written.edit(text="loud music nightly")
            container.store.save(written)
    return written


def test_verify_needs_an_auditor(api: TestClient, auth: TokenFactory, note: Note) -> None:
    assert api.get("/api/audit/verify").status_code == 401
    assert api.get("/api/audit/verify", headers=auth("officer")).status_code == 403
    response = api.get("/api/audit/verify", headers=auth("auditor"))
    assert response.status_code == 200
    body = response.json()
    assert body["ok"] is True
    assert body["events_checked"] == 2
    assert body["first_break"] is None


def test_verify_reports_the_first_break(api: TestClient, auth: TokenFactory,
                                        container: Container, note: Note) -> None:
    recorder: Any = container.store.recorder
    position = container.store.audited_recorder.audit_entries(note.id)[1].notification_id
    column = "notification_id" if container.settings.is_postgres else "rowid"
    placeholder = "%s" if container.settings.is_postgres else "?"
    with recorder.datastore.transaction(commit=True) as cursor:
        cursor.execute(f"DELETE FROM {recorder.events_table_name} "
                       f"WHERE {column} = {placeholder}", (position,))
    body = api.get("/api/audit/verify", headers=auth("auditor")).json()
    assert body["ok"] is False
    assert body["first_break"]["notification_id"] == position
    assert body["first_break"]["aggregate_id"] == str(note.id)
    assert "missing" in body["first_break"]["problem"]


def test_checkpoint_is_the_newest_link(api: TestClient, auth: TokenFactory,
                                       container: Container, note: Note) -> None:
    response = api.get("/api/audit/checkpoint", headers=auth("auditor"))
    assert response.status_code == 200
    latest = container.store.recorder.latest_chain_link()  # type: ignore[attr-defined]
    body = response.json()
    assert (body["notification_id"], body["chain_hash"]) == latest
    assert body["at"].endswith("Z")
    assert api.get("/api/audit/checkpoint", headers=auth("rag")).status_code == 403


def test_access_log_is_for_auditors_only(api: TestClient, auth: TokenFactory) -> None:
    assert api.get("/api/audit/access-log").status_code == 401
    assert api.get("/api/audit/access-log", headers=auth("rag")).status_code == 403
    assert api.get("/api/audit/access-log", headers=auth("officer")).status_code == 403
    response = api.get("/api/audit/access-log", headers=auth("auditor"))
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")


def test_reading_a_history_is_logged_and_found_by_auditors(
    api: TestClient, auth: TokenFactory, note: Note
) -> None:
    response = api.get(f"/api/test-notes/{note.id}/history",
                       headers={**auth("officer"), "X-Request-ID": "req-history-1"})
    assert response.status_code == 200
    page = response.json()
    assert [e["type"] for e in page["entries"]] == ["Written", "Edited"]
    assert page["entries"][0]["actor"]["user_id"] == "pc.jones"
    assert page["entries"][0]["reason"] == "new report"
    assert page["entries"][1]["changes"][0] == {
        "field": "text", "before": "loud music", "after": "loud music nightly"}
    assert "->" in page["entries"][1]["summary"]

    auditor = auth("auditor", user="ig.auditor", partnerships=("*",))
    log = api.get("/api/audit/access-log", params={"record_id": str(note.id)},
                  headers=auditor).json()
    assert log["total"] == 1
    [entry] = log["entries"]
    assert (entry["user_id"], entry["action"], entry["record_kind"]) == (
        "pc.jones", "history", "note")
    assert entry["person_ids"] == [str(PERSON)]
    assert entry["request_id"] == "req-history-1"
    assert entry["client_address"] == "testclient"
    by_person = api.get("/api/audit/access-log", params={"person_id": str(PERSON)},
                        headers=auditor).json()
    assert by_person["total"] == 1
    by_user = api.get("/api/audit/access-log", params={"user_id": "ig.auditor"},
                      headers=auditor).json()
    assert [e["action"] for e in by_user["entries"]] == ["view-access-log",
                                                          "view-access-log"]


def test_history_follows_the_partnership_rule(api: TestClient, auth: TokenFactory,
                                              note: Note) -> None:
    url = f"/api/test-notes/{note.id}/history"
    elsewhere = auth("officer", user="pc.other", partnerships=("dacorum",))
    assert api.get(url, headers=elsewhere).status_code == 404
    assert api.get(url, headers=auth("rag")).status_code == 403
    assert api.get(url, headers=auth("auditor", partnerships=("*",))).status_code == 200
    assert api.get(url, params={"limit": 1, "offset": 1},
                   headers=auth("officer")).json()["entries"][0]["version"] == 2


def test_exports_verify_independently_and_are_logged(
    api: TestClient, auth: TokenFactory, note: Note
) -> None:
    url = f"/api/test-notes/{note.id}/history/export"
    exported = api.get(url, headers=auth("auditor", partnerships=("*",)))
    assert exported.status_code == 200
    assert "attachment" in exported.headers["content-disposition"]
    document = exported.json()
    assert [e["version"] for e in document["events"]] == [1, 2]
    assert all(e["state_base64"] and e["event_hash"] and e["chain_hash"]
               for e in document["events"])
    assert "SHA-256" in document["hash_algorithm"]["name"]
    assert verify_export(document) == []
    document["events"][1]["state_base64"] = document["events"][0]["state_base64"]
    assert verify_export(document) == ["version 2: event hash does not match its content"]

    html = api.get(url, params={"format": "html"}, headers=auth("officer"))
    assert html.status_code == 200
    assert html.headers["content-type"].startswith("text/html")
    assert "&#39;loud music&#39; &rarr; &#39;loud music nightly&#39;" in html.text
    assert "PC Jones" in html.text
    log = api.get("/api/audit/access-log", params={"record_id": str(note.id)},
                  headers=auth("auditor")).json()
    assert [e["action"] for e in log["entries"]] == ["export", "export"]


def test_as_at_and_version_show_the_past(api: TestClient, auth: TokenFactory,
                                         note: Note) -> None:
    url = f"/api/test-notes/{note.id}"
    officer = auth("officer")
    one_hour_in = (START + timedelta(hours=1)).isoformat()
    assert api.get(url, params={"as_at": one_hour_in}, headers=officer).json() == {
        "text": "loud music", "version": 1}
    assert api.get(url, params={"version": 2}, headers=officer).json()["version"] == 2
    before = (START - timedelta(seconds=1)).isoformat()
    assert api.get(url, params={"as_at": before}, headers=officer).status_code == 404
    naive = api.get(url, params={"as_at": "2026-03-31T23:00:00"}, headers=officer)
    assert naive.status_code == 422
