"""A form about one item of a record (a case's party, action or intervention; a plan's
response, objective, risk, milestone or linked case; a case review's recommendation) sent
after someone else took that item away.

The rule, for a POST whose item is not on the record now: when the form's version (hidden
``version``) is older than the record's current version *and* the item is on the record as
it was at that version, the item went after the form was read. The answer is then the
conflict page (409): what changed since the form's version, no form (there is nothing left
to apply it to) and a way back to the record; nothing is written. Anything else stays a 404:
an item that never existed (a made-up number in the URL), a GET, or a form whose version is
missing or not older than the record's.

Before that page, the form is sent once as it was read (with its own, stale, version): a
double submit of a form whose first send took the item away (remove a risk, clicked twice)
then replays that first outcome, as every other double submit does. A stale version is
refused before the command runs, so this never writes (an item step's submit runs only
its record's command: one that wrote something else first would break this).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from fastapi import Request
from fastapi.responses import Response

from adapters.http.pages.case_view import TimelineEntry
from adapters.http.pages.rendering import render
from application.errors import IdempotencyKeyReused, NotFound, StaleVersion
from domain.shared.errors import InvalidValue, RuleViolation

P = TypeVar("P")

ITEM_WORDS = {"party": "person"}
"""What a :class:`NotFound`'s kind is called in a sentence, where it differs."""


def page_as_read(form_version: int | None, current_version: int,
                 resolve_at: Callable[[int], P]) -> P | None:
    """The step's page as it was at the form's version, with its item resolved, when the
    item was there then; None when the form's version is not older than the record's or the
    item was not there either. ``resolve_at(version)`` loads the record at ``version`` and
    resolves the step's item on it (NotFound when there is no such item)."""
    if form_version is None or not 0 < form_version < current_version:
        return None
    try:
        return resolve_at(form_version)
    except NotFound:
        return None


def replays_earlier_send(send: Callable[[], Any]) -> bool:
    """Whether sending the form as read (at its stale version) replays an earlier send of
    the same form. Anything else that can come of it (stale, a key reused with other
    values, invalid input) means there is nothing to replay: nothing was written."""
    try:
        return send() is not None
    except (StaleVersion, IdempotencyKeyReused, InvalidValue, RuleViolation):
        return False


def render_item_gone(request: Request, *, noun: str, reference: str, record_path: str,
                     heading: str, missing: NotFound, expected: int, current: int,
                     entries: Sequence[TimelineEntry]) -> Response:
    """The conflict page for an item taken away since the form was read (409)."""
    return render(request, "item_gone.html", {
        "noun": noun, "reference": reference, "record_path": record_path,
        "heading": heading, "item": ITEM_WORDS.get(missing.kind, missing.kind),
        "conflict": {"expected": expected, "current": current, "entries": entries},
    }, status_code=409)
