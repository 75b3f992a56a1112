"""One record's full history, as JSON that can be verified independently, and as HTML.

The JSON carries each event's exact stored bytes (base64), topic, version,
notification id, event hash, the previous link of the global chain and the chain hash,
with a description of the hash algorithm, so anyone can re-compute the record's own
hash chain and each link of the global chain without access to casework
(:func:`verify_export` does exactly that, as a reference).
"""

from __future__ import annotations

import base64
import dataclasses
from collections.abc import Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from jinja2 import Environment

from adapters.audit.verify import chain_source
from adapters.persistence.audit_chain import GENESIS, chain_hash, event_hash
from application.history import HistoryEntry, HistoryService, show
from application.store import CaseworkStore

EXPORT_FORMAT = "casework.history-export.v1"
DISPLAY_ZONE = ZoneInfo("Europe/London")
MAX_GAP_PROBE = 64

HASH_ALGORITHM: dict[str, str] = {
    "name": "casework audit chain v1 (SHA-256)",
    "event_hash": (
        "hex SHA-256 over, in order: previous_event_hash, originator_id (UUID, "
        "hyphenated lower case), originator_version (decimal), topic, each as UTF-8 "
        "followed by the byte 0x1F; then the 32-byte SHA-256 digest of the stored "
        "state bytes. previous_event_hash is the record's event hash at the version "
        "before, or 64 '0' characters for version 1."
    ),
    "chain_hash": (
        "hex SHA-256 of the UTF-8 text previous_chain_hash + 0x1F + notification_id "
        "(decimal) + 0x1F + event_hash, where previous_chain_hash is the chain hash of "
        "the event before this one in the whole store's log (64 '0' characters for "
        "the first). The chain runs over every record, so other records' events sit "
        "between this record's links; previous_chain_hash is given for each event."
    ),
    "state": "the event exactly as stored (JSON; personal fields sealed with the "
             "record's data key), base64-encoded",
}


def history_document(
    store: CaseworkStore,
    aggregate_id: UUID,
    *,
    kind: str,
    exported_by: str,
    now: datetime | None = None,
) -> dict[str, Any]:
    """The machine-readable export of one record's history."""
    entries = HistoryService(store).full_history(aggregate_id, kind=kind)
    stored = {s.originator_version: s for s in store.recorder.select_events(aggregate_id)}
    chain = {e.originator_version: e for e in store.audited_recorder.audit_entries(aggregate_id)}
    events: list[dict[str, Any]] = []
    for entry in entries:
        raw = stored.get(entry.version)
        audit = chain.get(entry.version)
        event: dict[str, Any] = _entry_json(entry)
        event.update(
            topic=None if raw is None else raw.topic,
            state_base64=None if raw is None else base64.b64encode(bytes(raw.state)).decode(),
            event_hash=None if audit is None else audit.event_hash,
            previous_chain_hash=(
                None if audit is None else previous_chain_hash(store, audit.notification_id)
            ),
            chain_hash=None if audit is None else audit.chain_hash,
        )
        events.append(event)
    return {
        "format": EXPORT_FORMAT,
        "record": {
            "kind": kind,
            "id": str(aggregate_id),
            "version": len(entries),
        },
        "exported_at": _iso(now or datetime.now(tz=UTC)),
        "exported_by": exported_by,
        "hash_algorithm": HASH_ALGORITHM,
        "events": events,
    }


def previous_chain_hash(store: CaseworkStore, notification_id: int) -> str | None:
    """The chain link just before ``notification_id`` (positions can have gaps)."""
    source = chain_source(store)
    for candidate in range(notification_id - 1, max(0, notification_id - 1 - MAX_GAP_PROBE),
                           -1):
        link = source.chain_link_at(candidate)
        if link is not None:
            return link
    return GENESIS if notification_id - 1 - MAX_GAP_PROBE < 0 else None


def verify_export(document: dict[str, Any]) -> list[str]:
    """Re-compute the hashes in an export; returns the problems found (none: it holds)."""
    problems: list[str] = []
    record_id = str(UUID(document["record"]["id"]))
    previous_event = GENESIS
    for expected_version, event in enumerate(document["events"], start=1):
        version = int(event["version"])
        if version != expected_version:
            problems.append(f"version {expected_version} is missing (found {version})")
        state = base64.b64decode(event["state_base64"])
        computed = event_hash(previous_event, record_id, version, event["topic"], state)
        if computed != event["event_hash"]:
            problems.append(f"version {version}: event hash does not match its content")
        previous_link = event.get("previous_chain_hash")
        if previous_link is not None:
            link = chain_hash(previous_link, int(event["notification_id"]), event["event_hash"])
            if link != event["chain_hash"]:
                problems.append(f"version {version}: chain hash does not match")
        previous_event = event["event_hash"]
    return problems


def _entry_json(entry: HistoryEntry) -> dict[str, Any]:
    return {
        "version": entry.version,
        "notification_id": entry.notification_id,
        "type": entry.event_type,
        "recorded_at": _iso(entry.recorded_at),
        "actor": None if entry.actor is None else json_value(entry.actor),
        "reason": entry.reason,
        "summary": entry.summary,
        "changes": [
            {"field": c.field, "before": json_value(c.before), "after": json_value(c.after)}
            for c in entry.changes
        ],
    }


def json_value(value: Any) -> Any:
    """State values as plain JSON (UUIDs, times, decimals as text; enums by value)."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, Enum):
        return json_value(value.value)
    if isinstance(value, datetime):
        return _iso(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, UUID | Decimal):
        return str(value)
    if isinstance(value, dict):
        return {str(k): json_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [json_value(item) for item in value]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: json_value(getattr(value, f.name)) for f in dataclasses.fields(value)}
    return str(value)


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _local(moment: datetime) -> str:
    return moment.astimezone(DISPLAY_ZONE).strftime("%d %b %Y %H:%M:%S %Z")


_HTML = """<!doctype html>
<html lang="en-GB">
<head>
<meta charset="utf-8">
<title>History of {{ kind }} {{ record_id }}</title>
<style>
body { font-family: system-ui, sans-serif; margin: 2rem; color: #1b1b1b; }
table { border-collapse: collapse; width: 100%; }
th, td { border: 1px solid #b1b4b6; padding: .4rem .6rem; vertical-align: top;
         text-align: left; }
th { background: #f3f2f1; }
ul { margin: 0; padding-left: 1.1rem; }
code { font-size: .8rem; word-break: break-all; }
</style>
</head>
<body>
<h1>History of {{ kind }} {{ record_id }}</h1>
<p>{{ events | length }} event(s). Exported {{ exported_at }} by {{ exported_by }}.
Times are shown in UK time (Europe/London).</p>
<table>
<thead><tr><th>Version</th><th>When</th><th>What</th><th>Who</th><th>Reason</th>
<th>Changes</th><th>Log position and event hash</th></tr></thead>
<tbody>
{% for e in events %}
<tr>
<td>{{ e.version }}</td>
<td>{{ e.when }}</td>
<td>{{ e.type }}</td>
<td>{% if e.actor %}{{ e.actor.display_name }} ({{ e.actor.agency }};
 {{ e.actor.user_id }}){% else %}unknown{% endif %}</td>
<td>{{ e.reason or "" }}</td>
<td>{% if e.changes %}<ul>{% for c in e.changes %}<li><strong>{{ c.field }}</strong>:
{{ c.before }} &rarr; {{ c.after }}</li>{% endfor %}</ul>{% else %}no visible change
{% endif %}</td>
<td>#{{ e.notification_id }}<br><code>{{ e.event_hash }}</code></td>
</tr>
{% endfor %}
</tbody>
</table>
<p>To check this record independently, export it as JSON: it carries every event's
stored bytes and hashes, and how the hashes are computed.</p>
</body>
</html>
"""

_environment = Environment(autoescape=True)
_template = _environment.from_string(_HTML)


def history_html(
    entries: Sequence[HistoryEntry],
    *,
    kind: str,
    record_id: UUID,
    exported_by: str,
    now: datetime | None = None,
) -> str:
    """The readable export: one row per event, changes as before -> after."""
    rows = [
        {
            "version": e.version,
            "when": _local(e.recorded_at),
            "type": e.event_type,
            "actor": e.actor,
            "reason": e.reason,
            "changes": [
                {"field": c.field, "before": "(none)" if c.before is None else show(c.before),
                 "after": "(none)" if c.after is None else show(c.after)}
                for c in e.changes
            ],
            "notification_id": e.notification_id,
            "event_hash": e.event_hash,
        }
        for e in entries
    ]
    return _template.render(
        kind=kind, record_id=record_id, events=rows, exported_by=exported_by,
        exported_at=_local(now or datetime.now(tz=UTC)),
    )
