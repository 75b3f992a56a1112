"""``casework audit``: verify the hash chains, export checkpoints, purge the access log."""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import typer

from adapters.audit.snapshots import SnapshotVerification, describe_problem, verify_snapshots
from adapters.audit.verify import (
    CheckpointFormatError,
    describe_break,
    load_checkpoints,
    take_checkpoint,
    verify_store,
)
from adapters.bootstrap import build_store
from adapters.config.settings import Settings, SettingsError, load_settings
from adapters.persistence.access_log import access_log_for_store
from application.store import CaseworkStore

audit_app = typer.Typer(help="Tamper evidence and the access log", no_args_is_help=True)
access_log_app = typer.Typer(help="The log of every read of personal data",
                             no_args_is_help=True)
audit_app.add_typer(access_log_app, name="access-log")


def _settings() -> Settings:
    try:
        return load_settings()
    except SettingsError as error:
        typer.echo(str(error), err=True)
        raise typer.Exit(2) from None


def _store() -> CaseworkStore:
    return build_store(_settings())


@audit_app.command()
def verify(
    checkpoint: list[Path] = typer.Option(
        [], "--checkpoint", exists=True, dir_okay=False, readable=True,
        help="Checkpoint file(s) from 'casework audit checkpoint': the chain must still "
             "pass through each (catches removal of the newest events)",
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the full report as JSON"),
    snapshots: bool = typer.Option(
        False, "--snapshots",
        help="Also replay every snapshotted record from its events and compare each "
             "snapshot with that state (snapshots are not in the chains)",
    ),
) -> None:
    """Re-compute every hash chain; exit 1 and show the first break if any."""
    try:
        checkpoints = [c for path in checkpoint for c in load_checkpoints(path.read_text())]
    except CheckpointFormatError as error:
        typer.echo(f"cannot read checkpoint: {error}", err=True)
        raise typer.Exit(2) from None
    store = _store()
    try:
        result = verify_store(store, checkpoints)
        snapshot_result = verify_snapshots(store) if snapshots else None
    finally:
        store.close()
    ok = result.ok and (snapshot_result is None or snapshot_result.ok)
    if as_json:
        report = result.to_json()
        if snapshot_result is not None:
            report["snapshots"] = snapshot_result.to_json()
        report["ok"] = ok
        sys.stdout.write(json.dumps(report, indent=2) + "\n")
    else:
        rate = result.events_per_second
        typer.echo(
            f"checked {result.events_checked} events in {result.aggregates_checked} records "
            f"up to notification {result.last_notification_id}"
            + (f" ({rate:,.0f} events/s)" if rate else "")
            + (f"; {result.checkpoints_checked} checkpoint(s)" if checkpoints else "")
        )
        first = result.first_break
        if first is None:
            typer.echo(f"OK: every chain verifies; last chain hash {result.last_chain_hash}")
        else:
            typer.echo(f"BROKEN: {len(result.breaks)} problem(s)"
                       + (" (stopped early)" if result.stopped_early else "")
                       + "; the first:", err=True)
            typer.echo(describe_break(first), err=True)
        if snapshot_result is not None:
            _echo_snapshots(snapshot_result)
    if not ok:
        raise typer.Exit(1)


def _echo_snapshots(result: SnapshotVerification) -> None:
    typer.echo(f"checked {result.snapshots_checked} snapshots of {result.records_checked} "
               f"records against their events ({result.events_replayed} events replayed "
               f"in {result.elapsed_seconds:.1f} s)")
    if result.ok:
        typer.echo("OK: every snapshot matches its record's events")
        return
    typer.echo(f"BROKEN: {len(result.problems)} snapshot(s) do not match their events:",
               err=True)
    for problem in result.problems[:20]:
        typer.echo("  " + describe_problem(problem), err=True)


@audit_app.command()
def checkpoint(
    output: Path | None = typer.Option(
        None, "--output", "-o", dir_okay=False,
        help="Write the checkpoint to this file (default: print it)",
    ),
) -> None:
    """Print the newest chain link as JSON {notification_id, chain_hash, at}."""
    store = _store()
    try:
        taken = take_checkpoint(store)
    finally:
        store.close()
    if taken is None:
        typer.echo("nothing has been recorded yet: no checkpoint to take", err=True)
        raise typer.Exit(1)
    text = json.dumps(taken.to_json(), indent=2) + "\n"
    if output is None:
        sys.stdout.write(text)
    else:
        output.write_text(text)
        typer.echo(f"checkpoint at notification {taken.notification_id} written to {output}")


@access_log_app.command()
def purge(
    older_than_days: int = typer.Option(
        ..., "--older-than-days", min=1, help="Remove entries recorded more than N days ago",
    ),
) -> None:
    """Remove access-log entries past their retention period."""
    store = _store()
    try:
        cutoff = datetime.now(tz=UTC) - timedelta(days=older_than_days)
        removed = access_log_for_store(store).purge_older_than(cutoff)
    finally:
        store.close()
    typer.echo(f"removed {removed} access-log entries recorded before {cutoff.isoformat()}")
