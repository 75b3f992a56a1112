"""The rule for a form about an item that is not on the record now (pages/item_gone.py):
a conflict only when the form is older than the record and the item was there then."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from adapters.http.pages.item_gone import page_as_read
from application.errors import NotFound


def item_there_at(*versions: int) -> Callable[[int], str]:
    def resolve_at(version: int) -> str:
        if version not in versions:
            raise NotFound("risk", "1")
        return f"the page at version {version}"
    return resolve_at


def test_an_item_there_when_the_form_was_read_gives_the_page_as_read() -> None:
    assert page_as_read(3, 5, item_there_at(2, 3)) == "the page at version 3"


@pytest.mark.parametrize("form_version", [None, 0, 5, 6])
def test_a_form_not_older_than_the_record_is_not_a_conflict(form_version: int | None
                                                            ) -> None:
    assert page_as_read(form_version, 5, item_there_at(*range(7))) is None


def test_an_item_not_there_at_the_form_version_is_not_a_conflict() -> None:
    assert page_as_read(3, 5, item_there_at(1, 2, 4)) is None
