"""``casework retention``, ``casework people`` and ``casework keys``: data protection at the edge.

* ``casework retention run [--apply]``: report the records past their retention period
  (a dry run by default) and, with ``--apply``, erase them by destroying their data keys.
* ``casework people export PERSON_ID``: everything held about a person (subject access).
* ``casework keys rotate-master --new-key-file F``: re-wrap every data key with a new
  master key.

:class:`StoreEraser` is the storage side of erasure (keys, snapshots, VACUUM) for both
stores. See docs/data-protection.md.
"""

from __future__ import annotations

import html
import json
import os
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any, cast
from uuid import UUID

import typer
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from eventsourcing.postgres import PostgresDatastore
from eventsourcing.sqlite import SQLiteDatastore
from psycopg.sql import SQL, Identifier

from adapters.bootstrap import Container, bootstrap, build_store, master_key
from adapters.config.settings import Settings, SettingsError, load_settings
from adapters.logging_setup import configure_logging
from adapters.persistence.keyring import (
    NONCE_BYTES,
    SubjectKeyring,
    decode_master_key,
)
from adapters.persistence.mapper import ProtectedMapper
from application.errors import ApplicationError
from application.protection_service import ErasureResult, RetentionReport, RetentionService
from application.store import CaseworkStore
from application.subject_access import SubjectAccess
from domain.shared import clock
from domain.shared.periods import local_date

KEYS_TABLE = SubjectKeyring.table


class ErasureUnavailable(RuntimeError):
    """Erasure by key destruction needs encryption on (a master key)."""


# =========================================================================================
# The storage side of erasure
# =========================================================================================


class StoreEraser:
    """Destroys data keys, deletes snapshots and reclaims space, on SQLite or PostgreSQL."""

    def __init__(self, store: CaseworkStore) -> None:
        self.store = store
        keyring = cast(ProtectedMapper, store.mapper).keyring
        if keyring is None:
            raise ErasureUnavailable(
                "encryption is off (CASEWORK_ENCRYPTION=false): personal data is stored in "
                "clear and cannot be erased by destroying keys"
            )
        self.keyring: SubjectKeyring = keyring
        self.datastore = store.recorder.datastore  # type: ignore[attr-defined]

    @property
    def is_sqlite(self) -> bool:
        return isinstance(self.datastore, SQLiteDatastore)

    def destroyed_subjects(self) -> set[UUID]:
        return {s.subject_id for s in self.keyring.iter_statuses() if s.destroyed_at}

    def destroy_keys(self, subject_ids: Sequence[UUID]) -> None:
        for subject_id in subject_ids:
            self.keyring.destroy(subject_id)

    def delete_snapshots(self, subject_ids: Sequence[UUID]) -> int:
        snapshots = self.store.snapshots
        if snapshots is None or not subject_ids:
            return 0
        recorder: Any = snapshots.recorder
        table = recorder.events_table_name
        deleted = 0
        for start in range(0, len(subject_ids), 500):
            chunk = list(subject_ids[start:start + 500])
            if self.is_sqlite:
                with recorder.datastore.transaction(commit=True) as c:
                    marks = ",".join("?" * len(chunk))
                    c.execute(f"DELETE FROM {table} WHERE originator_id IN ({marks})",
                              [subject.hex for subject in chunk])
                    deleted += int(c.sqlite_cursor.rowcount)
            else:
                datastore: PostgresDatastore = recorder.datastore
                with datastore.transaction(commit=True) as curs:
                    curs.execute(
                        SQL("DELETE FROM {}.{} WHERE originator_id = ANY(%s)").format(
                            Identifier(datastore.schema), Identifier(table)),
                        (chunk,),
                    )
                    deleted += curs.rowcount
        return deleted

    def reclaim_space(self) -> None:
        """SQLite: VACUUM rebuilds the file (no free page keeps old bytes) and the WAL is
        checkpointed and truncated. PostgreSQL: ``VACUUM FULL`` rewrites ``subject_keys``
        (a destroyed key's old row version must not linger in a dead tuple) and ``VACUUM``
        the snapshots table (what it held was sealed under keys now destroyed)."""
        if self.is_sqlite:
            vacuum_sqlite(self.datastore)
            return
        datastore: PostgresDatastore = self.datastore
        statements = [SQL("VACUUM FULL {}").format(Identifier(KEYS_TABLE))]
        if self.store.snapshots is not None:
            table = self.store.snapshots.recorder.events_table_name  # type: ignore[attr-defined]
            statements.append(SQL("VACUUM {}.{}").format(Identifier(datastore.schema),
                                                        Identifier(table)))
        with datastore.get_connection() as conn:  # autocommit: VACUUM needs no transaction
            for statement in statements:
                conn.execute(statement)


def vacuum_sqlite(datastore: SQLiteDatastore) -> None:
    with datastore.get_connection(commit=True) as connection:
        cursor = connection.cursor()
        cursor.execute("VACUUM")
        cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def retention_service(container: Container) -> RetentionService:
    return RetentionService(container.store, container.rules, StoreEraser(container.store),
                            on_erased=container.on_erased)


def run_retention(container: Container, today: date, *, apply: bool
                  ) -> tuple[RetentionReport, ErasureResult | None]:
    """The dry-run report for ``today`` and, with ``apply``, the erasure of what it found."""
    service = retention_service(container)
    report = service.report(today)
    return report, service.apply(report) if apply else None


# =========================================================================================
# Commands
# =========================================================================================

retention_app = typer.Typer(help="Erase records past their retention period",
                            no_args_is_help=True)
people_app = typer.Typer(help="People: subject access exports", no_args_is_help=True)
keys_app = typer.Typer(help="The master key that wraps every data key", no_args_is_help=True)


def _settings() -> Settings:
    try:
        return load_settings()
    except SettingsError as error:
        typer.echo(str(error), err=True)
        raise typer.Exit(2) from None


@contextmanager
def _container() -> Iterator[Container]:
    settings = _settings()
    configure_logging(settings.log_format, settings.log_level)  # logs go to stderr
    built = bootstrap(settings)
    try:
        yield built
    finally:
        built.close()


@retention_app.command("run")
def run(
    apply: bool = typer.Option(False, "--apply",
                               help="Erase what is due (without it: a dry run that changes "
                                    "nothing)"),
    as_of: str | None = typer.Option(
        None, "--as-of", metavar="YYYY-MM-DD",
        help="Judge retention as at this date (default: today in England and Wales); "
             "with --apply it may not be in the future"),
    as_json: bool = typer.Option(False, "--json", help="Print the report as JSON"),
) -> None:
    """Report records past their retention period; with --apply, destroy their keys."""
    today = local_date_now()
    try:
        when = today if as_of is None else date.fromisoformat(as_of)
    except ValueError:
        typer.echo(f"--as-of must be a date like 2026-05-01, not {as_of!r}", err=True)
        raise typer.Exit(2) from None
    if apply and when > today:
        typer.echo("--apply cannot erase as at a future date", err=True)
        raise typer.Exit(2)
    with _container() as container:
        try:
            report, result = run_retention(container, when, apply=apply)
        except ErasureUnavailable as error:
            typer.echo(str(error), err=True)
            raise typer.Exit(2) from None
    if as_json:
        document: dict[str, Any] = {"report": report.to_json(), "applied": apply}
        if result is not None:
            document["erased"] = [str(i) for i in result.erased]
            document["keys_destroyed"] = len(result.subjects_destroyed)
            document["snapshots_deleted"] = result.snapshots_deleted
            document["skipped"] = [{"record_id": str(i), "why": why}
                                   for i, why in result.skipped]
            document["hook_failures"] = list(result.hook_failures)
        sys.stdout.write(json.dumps(document, indent=2) + "\n")
        if result is not None and result.hook_failures:
            raise typer.Exit(1)
        return
    for line in describe_report(report):
        typer.echo(line)
    if result is None:
        typer.echo("Dry run: nothing was changed. Run again with --apply to erase the "
                   "records listed above." if report.due else "Dry run: nothing is due.")
        return
    typer.echo(f"Erased {len(result.erased)} record(s): {len(result.subjects_destroyed)} "
               f"key(s) destroyed, {result.snapshots_deleted} snapshot(s) deleted, "
               "space reclaimed.")
    for record_id, why in result.skipped:
        typer.echo(f"  skipped {record_id}: {why}")
    if result.hook_failures:
        for failure in result.hook_failures:
            typer.echo(f"ERROR in an on_erased hook: {failure}", err=True)
        typer.echo("Read models may still hold erased data: rebuild them "
                   "(casework projections rebuild NAME).", err=True)
        raise typer.Exit(1)


def local_date_now() -> date:
    return local_date(clock.now())


def describe_report(report: RetentionReport) -> list[str]:
    lines = [
        f"Retention as at {report.today.isoformat()}: scanned {report.events_scanned} events, "
        f"checked {report.records_checked} records ({report.already_erased} already erased).",
    ]
    lines += [f"WARNING: {warning}" for warning in report.warnings]
    if report.due:
        counts = ", ".join(f"{n} {kind}(s)" for kind, n in sorted(report.counts().items()))
        lines.append(f"Due for erasure: {counts}")
        lines += [_item_line(item.to_json()) for item in report.due]
    if report.held:
        lines.append(f"Due but held because processing is restricted: {len(report.held)}")
        lines += [_item_line(item.to_json()) for item in report.held]
    return lines


def _item_line(item: dict[str, Any]) -> str:
    return (f"  {item['kind']:<11} {item['reference'] or '-':<16} {item['partnership_id']:<14} "
            f"{item['record_id']}  {item['why']}")


@people_app.command("export")
def export(
    person_id: str = typer.Argument(..., help="The person's id"),
    output: Path | None = typer.Option(None, "--output", "-o", dir_okay=False,
                                       help="Write the JSON here (default: print it)"),
    html_output: Path | None = typer.Option(None, "--html", dir_okay=False,
                                            help="Also write a readable HTML document here"),
) -> None:
    """Everything held about a person, across cases, as JSON (subject access request)."""
    try:
        subject = UUID(person_id)
    except ValueError:
        typer.echo(f"not a person id: {person_id!r}", err=True)
        raise typer.Exit(2) from None
    with _container() as container:
        try:
            document = SubjectAccess(container.store, container.access_log).export(subject)
        except ApplicationError as error:
            typer.echo(error.message, err=True)
            raise typer.Exit(1) from None
    text = json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    if output is None:
        sys.stdout.write(text)
    else:
        _write_private(output, text)
        typer.echo(f"subject access export for {subject} written to {output}")
    if html_output is not None:
        _write_private(html_output, subject_access_html(document))
        typer.echo(f"readable copy written to {html_output}")


def _write_private(path: Path, text: str) -> None:
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(text)


def subject_access_html(document: dict[str, Any]) -> str:
    """A plain, printable rendering of a subject access export."""
    person = document["person"]
    parts = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
        f"<title>Subject access export {_e(document['person_id'])}</title>",
        "<style>body{font-family:sans-serif;max-width:60em;margin:2em auto}"
        "table{border-collapse:collapse}td,th{border:1px solid #999;padding:.2em .5em;"
        "text-align:left;vertical-align:top}</style></head><body>",
        "<h1>Everything held about this person</h1>",
        f"<p>Generated {_e(document['generated_at'])} by {_e(document['generated_by'])}.</p>",
        "<h2>Person record</h2>", _table(person),
        "<h2>History of the person record</h2>",
    ]
    for entry in document["person_history"]:
        by = entry["by"] or {}
        parts.append(f"<h3>{_e(entry['event_type'])} (version {entry['version']}), "
                     f"{_e(entry['recorded_at'])}, by {_e(by.get('display_name', '-'))}</h3>")
        parts.append(_table({c["field"]: c["after"] for c in entry["changes"]}))
    if document["restriction"]:
        parts += ["<h2>Restriction of processing</h2>", _table(document["restriction"])]
    for case in document["cases"]:
        parts.append(f"<h2>Case {_e(case['reference'])}</h2>")
        parts.append(_table(case))
    for review in document["case_reviews"]:
        parts.append(f"<h2>ASB Case Review {_e(review['reference'])}</h2>")
        parts.append(_table(review))
    parts += ["<h2>Notes</h2><ul>", *(f"<li>{_e(n)}</li>" for n in document["notes"]),
              "</ul></body></html>"]
    return "\n".join(parts)


def _e(value: Any) -> str:
    return html.escape("" if value is None else str(value))


def _table(data: dict[str, Any]) -> str:
    rows = "".join(f"<tr><th>{_e(key)}</th><td>{_cell(value)}</td></tr>"
                   for key, value in data.items())
    return f"<table>{rows}</table>"


def _cell(value: Any) -> str:
    if isinstance(value, dict):
        return _table(value) if value else "-"
    if isinstance(value, list):
        return "".join(_cell(item) + "<br>" for item in value) if value else "-"
    return _e(value) if value is not None else "-"


# =========================================================================================
# Master key rotation
# =========================================================================================


def rewrap_all(store: CaseworkStore, old_key: bytes, new_key: bytes) -> tuple[int, int]:
    """Re-wrap every live data key under ``new_key``, in one transaction.

    Rows that already open with ``new_key`` are left alone, so a re-run after an
    interruption is safe. Returns (re-wrapped, already under the new key).
    """
    old, new = AESGCM(old_key), AESGCM(new_key)
    datastore: Any = store.recorder.datastore  # type: ignore[attr-defined]
    mark = "?" if isinstance(datastore, SQLiteDatastore) else "%s"
    rewrapped = current = 0
    with datastore.transaction(commit=True) as c:
        c.execute(f"SELECT subject_id, wrapped_key FROM {KEYS_TABLE} "
                  "WHERE wrapped_key IS NOT NULL")
        rows = [(row[0], bytes(row[1])) if not isinstance(row, dict)
                else (row["subject_id"], bytes(row["wrapped_key"])) for row in c.fetchall()]
        for subject_text, wrapped in rows:
            associated = UUID(subject_text).bytes
            nonce, sealed = wrapped[:NONCE_BYTES], wrapped[NONCE_BYTES:]
            try:
                new.decrypt(nonce, sealed, associated)
                current += 1
                continue
            except InvalidTag:
                pass
            try:
                data_key = old.decrypt(nonce, sealed, associated)
            except InvalidTag:
                raise ValueError(
                    f"the data key of {UUID(subject_text)} opens with neither the current "
                    "master key nor the new one: nothing was changed"
                ) from None
            fresh = os.urandom(NONCE_BYTES)
            c.execute(f"UPDATE {KEYS_TABLE} SET wrapped_key={mark} WHERE subject_id={mark}",
                      (fresh + new.encrypt(fresh, data_key, associated), subject_text))
            rewrapped += 1
    return rewrapped, current


@keys_app.command("rotate-master")
def rotate_master(
    new_key_file: Path = typer.Option(
        ..., "--new-key-file", exists=True, dir_okay=False, readable=True,
        help="File holding the new master key (base64, 32 bytes), e.g. made with "
             "python -c 'from adapters.persistence.keyring import new_master_key; "
             "print(new_master_key())'"),
) -> None:
    """Re-wrap every data key with a new master key (stop the service processes first)."""
    settings = _settings()
    current_text = master_key(settings)
    if current_text is None:
        typer.echo("encryption is off: there are no data keys to re-wrap", err=True)
        raise typer.Exit(2)
    new_text = new_key_file.read_text().strip()
    try:
        new_key = decode_master_key(new_text)
    except ValueError as error:
        typer.echo(f"{new_key_file}: {error}", err=True)
        raise typer.Exit(2) from None
    old_key = decode_master_key(current_text)
    if new_key == old_key:
        typer.echo("the new master key is the current one", err=True)
        raise typer.Exit(2)
    store = build_store(settings)
    try:
        try:
            rewrapped, current = rewrap_all(store, old_key, new_key)
        except ValueError as error:
            typer.echo(str(error), err=True)
            raise typer.Exit(1) from None
        StoreEraser(store).reclaim_space()
    finally:
        store.close()
    typer.echo(f"re-wrapped {rewrapped} data key(s) under the new master key"
               + (f" ({current} already were)" if current else ""))
    if settings.master_key:
        typer.echo("Now set CASEWORK_MASTER_KEY to the new key in the secret store, restart "
                   "every process, and destroy the old key once backups made with it expire.")
    else:
        local = settings.var_dir / "master-key"
        _write_private(local, new_text)
        typer.echo(f"the development master key in {local} was replaced")
