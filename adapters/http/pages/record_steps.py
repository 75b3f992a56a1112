"""What every record page with command forms has in common (plans, case reviews, audit).

- :class:`RecordKind`: how to load a kind of record (with the API's role and partnership
  rules), the people it refers to (for the access log), and the view of its state that
  its history compares version by version;
- :class:`RecordStep`: a command form at ``/<kind>/{id}/<path>`` (GET shows it, POST runs
  it through the same service command and request model as the API), with the version it
  was read at, conflict handling (the changes made since, the input kept), double-submit
  protection and a flash message, exactly as the case pages' ``Step``;
- :func:`record_timeline`: a record's history as readable entries (who, when, what
  changed). Plans and case reviews keep most of their state in private attributes, which
  the generic history does not compare, so each kind says what to compare
  (``RecordKind.state_view``).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any, cast
from uuid import UUID

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from adapters.bootstrap import Container
from adapters.http.pages.case_view import (
    Describer,
    PersonName,
    TimelineChange,
    TimelineEntry,
    timeline_entry,
)
from adapters.http.pages.forms import FormState, expected_version
from adapters.http.pages.item_gone import page_as_read, render_item_gone, replays_earlier_send
from adapters.http.pages.rendering import label, render
from adapters.http.pages.session import PageContext, PageForm
from adapters.http.presenters import today_in_london
from application import access
from application.access_log import AccessAction
from application.context import Actor
from application.errors import IdempotencyKeyReused, NotFound, StaleVersion
from application.history import FieldChange, HistoryService, diff
from domain.shared.errors import InvalidValue, RuleViolation
from domain.shared.partnerships import Partnership

FLASH_COOKIE = "casework_flash"
"""The cookie the case pages use for their flash message: one message at a time."""
LIST_PAGE = 50
RECENT_CHANGES = 15


# =============================================================== records in general

def container_of(request: Request) -> Container:
    container: Container = request.app.state.container
    return container


StateView = Callable[[Any], dict[str, Any]]
"""What of a record its history compares version by version (label -> value)."""


@dataclass(frozen=True)
class RecordKind:
    kind: str
    """The history and access-log kind: ``plan``, ``case-review``."""
    noun: str
    """For sentences: ``plan``, ``case review``."""
    base_path: str
    api_path: str
    view_action: str
    load: Callable[[Request, UUID], Any]
    """The current record, through its service (Forbidden or NotFound as the API)."""
    people_of: Callable[[Any], Sequence[UUID]]
    state_view: StateView
    titles: Mapping[str, str]
    """Event type -> the title its timeline entry gets (others are spelt out)."""
    names: Callable[[Request, Any], Mapping[UUID, PersonName]]
    event_notes: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    """Event type -> fields of the event shown as they are (a reason the state does not
    keep, such as why a plan was sent back)."""
    load_version: Callable[[Request, UUID, int], Any] | None = None
    """The record as it was at a version, as ``load`` (for a form about an item taken away
    since it was read: ``item_gone.py``)."""

    def path(self, record_id: UUID | str, anchor: str = "") -> str:
        return f"{self.base_path}/{record_id}" + (f"#{anchor}" if anchor else "")

    def history_path(self, record_id: UUID | str) -> str:
        return f"/audit/records/{self.kind}/{record_id}"

    def export_path(self, record_id: UUID | str, format: str) -> str:
        return f"{self.api_path}/{record_id}/history/export?format={format}"

    def log_view(self, request: Request, record: Any) -> None:
        container_of(request).record_read(request, self.view_action, self.kind, record.id,
                                          list(self.people_of(record)))

    def describer(self, request: Request, record: Any) -> Describer:
        return Describer(self.names(request, record), container_of(request).rules.agencies)


@dataclass
class _Replayed:
    changes: dict[int, tuple[FieldChange, ...]] = field(default_factory=dict)
    notes: dict[int, list[tuple[str, Any]]] = field(default_factory=dict)
    """Event fields shown as they are (a reason, notes) that the state does not keep."""


def _replay(request: Request, record_id: UUID, state_view: StateView,
            event_notes: Mapping[str, tuple[str, ...]], after_version: int,
            up_to_version: int) -> _Replayed:
    """Each version's changes to ``state_view`` (the store's events replayed in order)."""
    store = container_of(request).store
    aggregate: Any = (store.repository.get(record_id, version=after_version)
                      if after_version > 0 else None)
    replayed = _Replayed()
    events = cast(Iterable[Any], store.events.get(record_id, gt=after_version,
                                                  lte=up_to_version))
    for event in events:
        before = state_view(aggregate) if aggregate is not None else {}
        aggregate = event.mutate(aggregate)
        version = event.originator_version
        replayed.changes[version] = tuple(
            _as_item(change) for change in diff(before, state_view(aggregate))
            if change.before != change.after)  # not a label new to the view, still empty
        replayed.notes[version] = [
            (name, getattr(event, name)) for name in event_notes.get(type(event).__name__, ())
            if getattr(event, name, None)]
    return replayed


def _as_item(change: FieldChange) -> FieldChange:
    """A record (a response, a complaint) that appears or goes: "added" or "removed" with
    its fields, rather than "(none) -> everything in one line"."""
    if change.before is None and dataclasses.is_dataclass(change.after):
        return FieldChange(change.field, [], [change.after])
    if change.after is None and dataclasses.is_dataclass(change.before):
        return FieldChange(change.field, [change.before], [])
    return change


def record_timeline(request: Request, kind: str, record_id: UUID, describer: Describer, *,
                    after_version: int, up_to_version: int,
                    state_view: StateView | None = None,
                    titles: Mapping[str, str] | None = None,
                    event_notes: Mapping[str, tuple[str, ...]] | None = None,
                    ) -> list[TimelineEntry]:
    """Versions ``after_version + 1`` to ``up_to_version`` as timeline entries, newest
    first. Without ``state_view`` the changes are the history's own (public attributes)."""
    if up_to_version <= after_version:
        return []
    page = HistoryService(container_of(request).store).history(
        record_id, after_version, up_to_version - after_version, kind=kind)
    entries = list(page.entries)
    notes: dict[int, list[tuple[str, Any]]] = {}
    if state_view is not None:
        replayed = _replay(request, record_id, state_view, event_notes or {}, after_version,
                           up_to_version)
        notes = replayed.notes
        entries = [dataclasses.replace(e, changes=replayed.changes.get(e.version, ()))
                   for e in entries]
    shown = []
    for entry in reversed(entries):
        item = timeline_entry(entry, describer)
        extra = tuple(TimelineChange(label(name), (("", describer.value(value, name)),))
                      for name, value in notes.get(entry.version, ()))
        shown.append(dataclasses.replace(
            item, title=(titles or {}).get(entry.event_type, item.title),
            changes=(*extra, *item.changes)))
    return shown


def kind_timeline(request: Request, kind: RecordKind, record: Any, *,
                  after_version: int, up_to_version: int) -> list[TimelineEntry]:
    return record_timeline(request, kind.kind, record.id, kind.describer(request, record),
                           after_version=after_version, up_to_version=up_to_version,
                           state_view=kind.state_view, titles=kind.titles,
                           event_notes=kind.event_notes)


# -- flash messages (the cookie the case pages use; keys are ``kind:step``) --------------

FLASH_MESSAGES: dict[str, str] = {}


def redirect_with_flash(location: str, key: str) -> Response:
    response = RedirectResponse(location, status_code=303)
    response.set_cookie(FLASH_COOKIE, key, max_age=60, httponly=True, samesite="lax",
                        path="/")
    return response


def flash_message(request: Request) -> str | None:
    return FLASH_MESSAGES.get(request.cookies.get(FLASH_COOKIE) or "")


def with_flash_cleared(request: Request, response: Response) -> Response:
    if request.cookies.get(FLASH_COOKIE):
        response.delete_cookie(FLASH_COOKIE, path="/")
    return response


# -- steps -------------------------------------------------------------------------------

@dataclass
class RecordPage:
    """What a step's form and handler work with: the record as read now, and helpers."""

    request: Request
    actor: Actor
    kind: RecordKind
    record: Any
    params: dict[str, Any] = field(default_factory=dict)

    @property
    def container(self) -> Container:
        return container_of(self.request)

    @property
    def partnership(self) -> Partnership | None:
        return self.container.rules.partnerships.get(self.record.partnership_id)

    @property
    def agencies(self) -> list[tuple[str, str]]:
        known = self.container.rules.agencies
        ids = self.partnership.agencies if self.partnership else tuple(known)
        return [(agency, known.get(agency, agency)) for agency in ids]


@dataclass(frozen=True)
class Input:
    """One field of a step's form, rendered by the generic step template."""

    name: str
    label: str
    error_label: str
    """As in "Enter <error_label>"."""
    widget: str = "text"
    """text, number, textarea, date, when, select, radios, checkbox, checkboxes."""
    hint: str | None = None
    options: str = ""
    """The key of the choices in the step's options (select, radios, checkboxes)."""
    required: bool = True
    width: str = ""
    rows: int = 4

    @property
    def is_choice(self) -> bool:
        return self.widget in {"select", "radios", "checkboxes"}


Submit = Callable[[RecordPage, FormState, dict[str, Any]], Any]
Defaults = Callable[[RecordPage], dict[str, Any]]


@dataclass(frozen=True)
class RecordStep:
    name: str
    path: str
    title: str
    """May name path parameters resolved into ``page.params``: ``Complete {label}``."""
    inputs: tuple[Input, ...]
    submit: Submit
    done: str
    anchor: str
    defaults: Defaults | None = None
    roles: tuple[str, ...] = access.CASEWORK_WRITERS
    doing: str = ""
    resolve: Callable[[RecordPage], None] | None = None
    """Reads path parameters into ``page.params`` (NotFound when there is no such item)."""
    template: str = "plans/step.html"
    button: str = ""

    @property
    def fields(self) -> tuple[str, ...]:
        return tuple(i.name for i in self.inputs)

    def form(self, values: Mapping[str, Any] | None = None) -> FormState:
        return FormState(values, fields=self.fields,
                         labels={i.name: i.error_label for i in self.inputs},
                         choice_fields=[i.name for i in self.inputs if i.is_choice])

    def posted(self, posted: PageForm) -> FormState:
        return FormState.posted(posted, fields=self.fields,
                                labels={i.name: i.error_label for i in self.inputs},
                                choice_fields=[i.name for i in self.inputs if i.is_choice])

    def heading(self, page: RecordPage) -> str:
        return self.title.format(**page.params)


Options = Callable[[RecordPage], Mapping[str, Any]]


def load_page(kind: RecordKind, request: Request, actor: Actor, record_id: UUID
              ) -> RecordPage:
    return RecordPage(request, actor, kind, kind.load(request, record_id))


def _render_step(step: RecordStep, page: RecordPage, form: FormState, options: Options, *,
                 status: int = 200, conflict: dict[str, Any] | None = None) -> Response:
    return render(page.request, step.template, {
        "step": step, "heading": step.heading(page), "page": page, "record": page.record,
        "kind": page.kind, "form": form, "conflict": conflict,
        "cancel_path": page.kind.path(page.record.id, step.anchor),
        "options": options(page),
    }, status_code=status)


def _changes_since(page: RecordPage, version: int) -> list[TimelineEntry]:
    """The record's changes after ``version`` (a history read, so access-logged)."""
    request, kind = page.request, page.kind
    entries = kind_timeline(request, kind, page.record, after_version=version,
                            up_to_version=page.record.version)
    container_of(request).record_read(request, AccessAction.HISTORY, kind.kind,
                                      page.record.id, list(kind.people_of(page.record)))
    return entries


def _conflict(step: RecordStep, stale_page: RecordPage, form: FormState,
              stale: StaleVersion, options: Options) -> Response:
    """What changed since the form was read; the input kept; the version moved on."""
    request, kind = stale_page.request, stale_page.kind
    page = RecordPage(request, stale_page.actor, kind, kind.load(request, stale_page.record.id))
    if step.resolve is not None:
        try:
            step.resolve(page)
        except NotFound as missing:  # taken away since this request resolved it
            return _render_item_gone(step, page, missing, heading=step.heading(stale_page),
                                     since=stale.expected)
    entries = _changes_since(page, stale.expected)
    form.set("version", page.record.version)
    return _render_step(step, page, form, options, status=409, conflict={
        "expected": stale.expected, "current": page.record.version, "entries": entries})


def _item_gone(step: RecordStep, page: RecordPage, form: FormState,
               missing: NotFound) -> Response:
    """The step's item is not on the record now: the conflict page if it was there at the
    form's version, else the 404 it is (the rule: ``item_gone.py``)."""
    load_version, resolve = page.kind.load_version, step.resolve
    if load_version is None or resolve is None:
        raise missing

    def resolved_at(version: int) -> RecordPage:
        then = RecordPage(page.request, page.actor, page.kind,
                          load_version(page.request, page.record.id, version))
        resolve(then)
        return then

    as_read = page_as_read(expected_version(form), page.record.version, resolved_at)
    if as_read is None:
        raise missing
    if replays_earlier_send(lambda: step.submit(as_read, form, {
            "expected_version": as_read.record.version,
            "idempotency": form.idempotency(page.request.url.path)})):
        return redirect_with_flash(page.kind.path(page.record.id, step.anchor),
                                   f"{page.kind.kind}:{step.name}")
    return _render_item_gone(step, page, missing, heading=step.heading(as_read),
                             since=as_read.record.version)


def _render_item_gone(step: RecordStep, page: RecordPage, missing: NotFound, *,
                      heading: str, since: int) -> Response:
    kind = page.kind
    return render_item_gone(
        page.request, noun=kind.noun, reference=page.record.reference,
        record_path=kind.path(page.record.id, step.anchor), heading=heading,
        missing=missing, expected=since, current=page.record.version,
        entries=_changes_since(page, since))


def _step_form(kind: RecordKind, step: RecordStep, options: Options
               ) -> Callable[..., Response]:
    def show(record_id: UUID, request: Request, context: PageContext) -> Response:
        access.require_role(*step.roles, doing=step.doing or f"changing a {kind.noun}")
        page = load_page(kind, request, context.actor, record_id)
        if step.resolve is not None:
            step.resolve(page)
        kind.log_view(request, page.record)
        form = step.form(step.defaults(page) if step.defaults else {})
        return _render_step(step, page, form, options)

    return show


def _step_post(kind: RecordKind, step: RecordStep, options: Options
               ) -> Callable[..., Response]:
    def send(record_id: UUID, request: Request, context: PageContext,
             posted: PageForm) -> Response:
        access.require_role(*step.roles, doing=step.doing or f"changing a {kind.noun}")
        form = step.posted(posted)
        page = load_page(kind, request, context.actor, record_id)
        if step.resolve is not None:
            try:
                step.resolve(page)
            except NotFound as missing:
                return _item_gone(step, page, form, missing)
        version = expected_version(form)
        if version is None:
            form.add_error(None, f"The form did not say which version of the {kind.noun} "
                                 "it was filled in against: reload the page and try again.")
            return _render_step(step, page, form, options, status=422)
        command_options = {"expected_version": version,
                           "idempotency": form.idempotency(request.url.path)}
        status = 422
        try:
            outcome = step.submit(page, form, command_options)
        except StaleVersion as stale:
            return _conflict(step, page, form, stale, options)
        except InvalidValue as error:
            form.add_domain_error(error)
            outcome = None
        except RuleViolation as error:
            form.add_domain_error(error)
            outcome, status = None, 409
        except IdempotencyKeyReused:
            form.add_error(None, "This form was already sent once with other details. "
                                 f"Check the {kind.noun} before sending it again.")
            form.renew_key()
            outcome = None
        if outcome is not None:
            return redirect_with_flash(kind.path(record_id, step.anchor),
                                       f"{kind.kind}:{step.name}")
        return _render_step(step, page, form, options, status=status)

    return send


def install_steps(target: APIRouter, kind: RecordKind, steps: Sequence[RecordStep],
                  options: Options) -> None:
    """Add each step's GET and POST route at ``<base_path>/{record_id}/<path>``."""
    for step in steps:
        FLASH_MESSAGES[f"{kind.kind}:{step.name}"] = step.done
        path = f"{kind.base_path}/{{record_id}}/{step.path}"
        target.add_api_route(path, _step_form(kind, step, options), methods=["GET"],
                             name=f"{kind.kind}_{step.name}_form", response_class=Response)
        target.add_api_route(path, _step_post(kind, step, options), methods=["POST"],
                             name=f"{kind.kind}_{step.name}", response_class=Response)


def number_param(page: RecordPage) -> int:
    """The ``{number}`` path parameter (NotFound when it is not a whole number)."""
    text = str(page.request.path_params.get("number", ""))
    if not text.isdigit() or len(text) > 6:
        raise NotFound(f"{page.kind.noun} item", text)
    return int(text)


# -- reading forms -------------------------------------------------------------------------

def read_number(form: FormState, name: str) -> str | None:
    """A figure as typed (the request model parses it), or None with an error on the field."""
    text = form.text(name)
    if text is None:
        return None
    try:
        Decimal(text.replace(",", "").replace("£", ""))
    except InvalidOperation:
        form.add_error(name, f"Enter {form.label(name)} as a number, like 42")
        return None
    return text.replace(",", "").replace("£", "")


def read_lines(form: FormState, name: str) -> list[str] | None:
    lines = [line.strip() for line in form.value(name).splitlines() if line.strip()]
    return lines or None


def today_text() -> str:
    return today_in_london().isoformat()


