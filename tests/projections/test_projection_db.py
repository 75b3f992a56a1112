"""The portable view cursor and table declarations (no event store needed)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from uuid import UUID

import pytest
from eventsourcing.utils import get_topic

from projections.db import POSTGRES, SQLITE, ViewCursor, to_db
from projections.framework import Table, View, ViewRegistry, check_views
from projections.testing import MemoryDatabase
from tests.support.sample_domain import Note
from tests.support.sample_views import NoteCounts, NoteList


def test_values_are_stored_the_same_way_on_both_databases() -> None:
    moment = datetime(2026, 4, 1, 10, 30, tzinfo=UTC)
    assert to_db(moment) == "2026-04-01T10:30:00.000000Z"
    assert to_db(date(2026, 4, 1)) == "2026-04-01"
    assert to_db(UUID(int=1)) == "00000000-0000-0000-0000-000000000001"
    assert to_db(Decimal("1.50")) == "1.50"
    assert to_db({"b": [1, 2], "a": None}) == '{"a":null,"b":[1,2]}'
    assert to_db(True) is True
    with pytest.raises(ValueError, match="timezone"):
        to_db(datetime(2026, 4, 1))
    with pytest.raises(TypeError):
        to_db(object())


def test_placeholders_and_table_names_become_native_sql() -> None:
    cursor = ViewCursor(raw=None, dialect=POSTGRES,  # type: ignore[arg-type]
                        tables={"rm_a": "rm_a__g2"}, strict=True)
    assert cursor.sql("SELECT n FROM {rm_a} WHERE k = ? AND t LIKE 'x%'") == (
        "SELECT n FROM rm_a__g2 WHERE k = %s AND t LIKE 'x%%'"
    )
    with pytest.raises(ValueError, match=r"\{rm_a\}"):
        cursor.sql("SELECT n FROM rm_a")
    with pytest.raises(KeyError, match="rm_b"):
        cursor.sql("SELECT n FROM {rm_b}")
    reader = ViewCursor(raw=None, dialect=SQLITE)  # type: ignore[arg-type]
    assert reader.sql("SELECT * FROM {rm_b} JOIN rm_c") == "SELECT * FROM rm_b JOIN rm_c"


def test_upserts_increment_and_set() -> None:
    db = MemoryDatabase()
    table = Table("rm_t", {"k": "text not null", "n": "integer not null", "label": "text"},
                  primary_key=("k",), indexes=(("label",),))
    with db.transaction(write=True) as raw:
        for statement in table.create_statements(SQLITE, "rm_t", 0):
            raw.execute(statement)
        cur = ViewCursor(raw, SQLITE, {"rm_t": "rm_t"}, strict=True)
        cur.upsert("rm_t", {"k": "a"}, {"label": "first"}, increment={"n": 2})
        cur.upsert("rm_t", {"k": "a"}, {"label": "second"}, increment={"n": 3})
        cur.upsert_many("rm_t", ("k",), ("label",), [("b", "x", 1), ("a", "y", 1)],
                        increment_columns=("n",))
        assert cur.rows("rm_t", order_by="k") == [("a", 6, "y"), ("b", 1, "x")]
        assert cur.update("rm_t", {"k": "b"}, {"label": "z"}) == 1
        assert cur.delete("rm_t", {"k": "a"}) == 1
        assert cur.rows("rm_t") == [("b", 1, "z")]
    db.close()


def test_declarations_are_checked() -> None:
    with pytest.raises(ValueError, match="prefixed rm_"):
        Table("notes", {"a": "text"})
    with pytest.raises(ValueError, match="double underscore"):
        Table("rm_a__b", {"a": "text"})
    with pytest.raises(ValueError, match="unknown columns"):
        Table("rm_a", {"a": "text"}, primary_key=("b",))
    with pytest.raises(ValueError, match="unknown column type"):
        Table("rm_a", {"a": "varchar(3)"}).create_statements(SQLITE, "rm_a", 0)
    with pytest.raises(ValueError, match="two views are named"):
        check_views([NoteCounts(), NoteCounts()])

    class Squatter(View):
        name = "squatter"
        tables = (Table("rm_notes", {"a": "text"}),)

    with pytest.raises(ValueError, match="already used"):
        check_views([NoteList(), Squatter()])

    class Nameless(View):
        tables = (Table("rm_x", {"a": "text"}),)

    with pytest.raises(ValueError, match="view name"):
        Nameless()
    assert set(NoteList.topics) == {Note.Written, Note.Edited}  # from the @handles methods
    assert NoteList().wants(get_topic(Note.Edited))
    assert not NoteList().wants("somewhere.else:Event")
    registry = ViewRegistry()
    registry.register(NoteCounts)
    with pytest.raises(ValueError, match="two views"):
        registry.register(type("Other", (NoteCounts,), {}))
    assert [view.name for view in registry.create_all()] == ["note_counts"]


def test_dialects_map_portable_types() -> None:
    assert POSTGRES.column_type("integer not null") == "bigint not null"
    assert SQLITE.column_type("boolean") == "INTEGER"
    assert POSTGRES.column_type("timestamp") == "text"
