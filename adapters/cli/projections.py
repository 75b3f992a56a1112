"""``casework projections``: run the views (production worker), rebuild one, show status."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TaskProgressColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table

from adapters.bootstrap import Container, bootstrap
from adapters.config.settings import SettingsError, load_settings
from adapters.logging_setup import configure_logging
from adapters.persistence.views import run_until_signalled
from projections.collection import frozen_heap
from projections.framework import DEFAULT_BATCH_SIZE, ProjectionHost, RebuildFailed

projections_app = typer.Typer(
    help="Read models: run the projection worker, rebuild a view, show positions and lag.",
    no_args_is_help=True,
)


@contextmanager
def _host(batch_size: int | None = None) -> Iterator[tuple[Container, ProjectionHost]]:
    try:
        settings = load_settings()
    except SettingsError as error:
        typer.echo(str(error), err=True)
        raise typer.Exit(2) from None
    configure_logging(settings.log_format, settings.log_level)
    container = bootstrap(settings)
    try:
        host = container.projections
        assert host is not None
        if batch_size is not None:
            host.batch_size = batch_size
        yield container, host
    finally:
        container.close()


@projections_app.command("run")
def run(
    batch_size: int = typer.Option(DEFAULT_BATCH_SIZE, min=1, help="Events per transaction"),
) -> None:
    """Keep every view up to date until stopped (SIGTERM/Ctrl-C): the production worker.

    Set CASEWORK_PROJECTIONS_IN_PROCESS=false for the service when this worker runs.
    """
    # The worker does nothing but apply views, so, as for a rebuild, the loaded
    # application stays out of the collector's full passes (projections/collection.py).
    with _host(batch_size) as (_, host), frozen_heap():
        run_until_signalled(host)


@projections_app.command("rebuild")
def rebuild(
    name: str | None = typer.Argument(None, help="The view to rebuild (default: every view)"),
    restart: bool = typer.Option(
        False, "--restart", help="Start again instead of resuming an unfinished rebuild"
    ),
    batch_size: int = typer.Option(DEFAULT_BATCH_SIZE, min=1, help="Events per transaction"),
) -> None:
    """Rebuild views from the first event into shadow tables, then swap them in at once.

    The service keeps reading (and the worker keeps updating) the old tables meanwhile.
    """
    console = Console(stderr=True)
    with _host(batch_size) as (_, host):
        names = [name] if name else sorted(host.views)
        unknown = [n for n in names if n not in host.views]
        if unknown:
            typer.echo(f"unknown view {unknown[0]!r}; views: {sorted(host.views)}", err=True)
            raise typer.Exit(2)
        columns = (
            TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
            TaskProgressColumn(), TimeElapsedColumn(), TimeRemainingColumn(),
        )
        # This process only rebuilds: keep the loaded application out of the collector's
        # full passes meanwhile (projections/collection.py).
        with Progress(*columns, console=console) as progress, frozen_heap():
            for view_name in names:
                task = progress.add_task(view_name, total=None)

                def report(position: int, head: int, task: TaskID = task) -> None:
                    progress.update(task, completed=position, total=max(head, 1))

                try:
                    position = host.rebuild(view_name, restart=restart, progress=report)
                except RebuildFailed as error:
                    progress.stop()
                    typer.echo(f"{view_name}: rebuild failed: {error}", err=True)
                    raise typer.Exit(1) from None
                progress.update(task, description=f"{view_name} (swapped in at {position})")


@projections_app.command("status")
def status(
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of a table"),
) -> None:
    """Each view's state, position and lag (exit status 1 if a view has failed)."""
    with _host() as (_, host):
        lag = host.lag()
    if as_json:
        typer.echo(json.dumps(lag, indent=2))
    else:
        table = Table(title=f"views (log head {lag['head']})")
        for column in ("view", "state", "version", "position", "events behind",
                       "seconds behind", "rebuild at", "failure"):
            table.add_column(column)
        for view_name, view in sorted(lag["views"].items()):
            stored = view["stored_version"]
            version = str(view["version"]) + (
                f" (stored {stored})" if stored not in (None, view["version"]) else ""
            )
            table.add_row(
                view_name, view["state"], version, str(view["position"]),
                str(view["events_behind"]), f"{view['seconds_behind']:.1f}",
                str(view.get("rebuild_position") or ""), view.get("failure") or "",
            )
        Console().print(table)
    if not lag["ok"]:
        raise typer.Exit(1)
