"""Sample views over the test ``Note`` aggregate, for the projection machinery's tests.

``NoteCounts`` counts notes and edits per ward with increments, aggregated per batch: an
event applied twice would show as a double count. ``NoteList`` inserts one row per note
(an event applied twice would hit the primary key). ``FailingView`` raises on notes written
in ``EXPLODING_WARD``.

Test-only knobs for the crash test (environment of the worker subprocess):
``CASEWORK_TEST_VIEW_DELAY`` seconds slept inside each ``NoteCounts`` batch after writing
its rows, with ``CASEWORK_TEST_VIEW_MARKER`` a file saying "applying <time>" meanwhile.
"""

from __future__ import annotations

import os
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any, ClassVar

from projections.db import ViewCursor
from projections.framework import Table, View, handles
from tests.support.sample_domain import Note

EXPLODING_WARD = "Exploding Ward"


class NoteCounts(View):
    name = "note_counts"
    version = 1
    tables: ClassVar[tuple[Table, ...]] = (
        Table("rm_note_counts",
              {"ward": "text not null", "notes": "integer not null",
               "edits": "integer not null"},
              primary_key=("ward",)),
        Table("rm_note_wards", {"note_id": "uuid not null", "ward": "text not null"},
              primary_key=("note_id",)),
    )
    topics: ClassVar[tuple[type[Any], ...]] = (Note.Written, Note.Edited)

    def apply(self, cur: ViewCursor, events: Sequence[Any]) -> None:
        wards: dict[Any, str] = {}
        notes: Counter[str] = Counter()
        edits: Counter[str] = Counter()
        for event in events:
            if isinstance(event, Note.Written):
                wards[event.originator_id] = event.ward
                notes[event.ward] += 1
            else:
                ward = wards.get(event.originator_id)
                if ward is None:
                    ward = cur.scalar("SELECT ward FROM {rm_note_wards} WHERE note_id = ?",
                                      (event.originator_id,))
                edits[ward] += 1
        cur.upsert_many("rm_note_wards", ("note_id",), ("ward",), list(wards.items()))
        cur.upsert_many(
            "rm_note_counts", ("ward",), (),
            [(ward, notes[ward], edits[ward]) for ward in sorted(set(notes) | set(edits))],
            increment_columns=("notes", "edits"),
        )
        _maybe_slow()


class NoteList(View):
    name = "note_list"
    version = 1
    tables = (
        Table("rm_notes",
              {"note_id": "uuid not null", "partnership_id": "text not null",
               "ward": "text not null", "edits": "integer not null",
               "written_at": "timestamp not null"},
              primary_key=("note_id",), indexes=(("ward", "written_at"),)),
    )

    @handles(Note.Written)
    def written(self, cur: ViewCursor, event: Note.Written) -> None:
        cur.insert("rm_notes", {"note_id": event.originator_id,
                                "partnership_id": event.partnership_id, "ward": event.ward,
                                "edits": 0, "written_at": event.timestamp})

    @handles(Note.Edited)
    def edited(self, cur: ViewCursor, event: Note.Edited) -> None:
        cur.execute("UPDATE {rm_notes} SET edits = edits + 1 WHERE note_id = ?",
                    (event.originator_id,))


class FailingView(View):
    name = "failing"
    tables = (Table("rm_failing", {"ward": "text not null", "notes": "integer not null"},
                    primary_key=("ward",)),)

    @handles(Note.Written)
    def written(self, cur: ViewCursor, event: Note.Written) -> None:
        if event.ward == EXPLODING_WARD:
            raise ZeroDivisionError("cannot count this ward")
        cur.upsert("rm_failing", {"ward": event.ward}, increment={"notes": 1})


def sample_views() -> list[View]:
    return [NoteCounts(), NoteList()]


def _maybe_slow() -> None:
    delay = float(os.environ.get("CASEWORK_TEST_VIEW_DELAY", "0") or 0)
    if not delay:
        return
    marker = os.environ.get("CASEWORK_TEST_VIEW_MARKER")
    if marker:
        Path(marker).write_text(f"applying {time.time()}")
    time.sleep(delay)
    if marker:
        Path(marker).write_text("done")


def run_sample_worker() -> None:
    """Subprocess entry: ``python -c "from tests.support.sample_views import
    run_sample_worker; run_sample_worker()"`` with CASEWORK_* settings in the environment."""
    from adapters.bootstrap import bootstrap
    from adapters.config.settings import load_settings
    from adapters.persistence.views import build_projection_host, run_until_signalled

    settings = load_settings()
    container = bootstrap(settings)
    try:
        host = build_projection_host(
            container.store, settings, sample_views(),
            batch_size=int(os.environ.get("CASEWORK_TEST_BATCH_SIZE", "500")),
        )
        run_until_signalled(host)
    finally:
        container.close()
