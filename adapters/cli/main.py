"""``casework``: serve, tokens, projections, audit, retention, people, demo data."""

from __future__ import annotations

import sys

import typer
import uvicorn

from adapters.bootstrap import token_issuer
from adapters.cli.audit import audit_app
from adapters.cli.demo import demo_app
from adapters.cli.projections import projections_app
from adapters.cli.retention import keys_app, people_app, retention_app
from adapters.config.settings import Settings, SettingsError, load_settings

app = typer.Typer(help="casework: case management for Community Safety Partnerships",
                  no_args_is_help=True, add_completion=False)
app.add_typer(audit_app, name="audit")
app.add_typer(demo_app, name="demo")
app.add_typer(projections_app, name="projections")
app.add_typer(retention_app, name="retention")
app.add_typer(people_app, name="people")
app.add_typer(keys_app, name="keys")


def _settings() -> Settings:
    try:
        return load_settings()
    except SettingsError as error:
        typer.echo(str(error), err=True)
        raise typer.Exit(2) from None


@app.command()
def serve(
    host: str | None = typer.Option(None, help="Address to listen on (CASEWORK_HOST)"),
    port: int | None = typer.Option(None, help="Port (CASEWORK_PORT)"),
    workers: int = typer.Option(1, min=1, help="Worker processes (PostgreSQL only)"),
) -> None:
    """Start the HTTP service (API docs at /docs, pages at /)."""
    settings = _settings()
    if workers > 1 and not settings.is_postgres:
        typer.echo("several workers need PostgreSQL: SQLite is single-process", err=True)
        raise typer.Exit(2)
    uvicorn.run(
        "adapters.http.asgi:create",
        factory=True,
        host=host or settings.host,
        port=port or settings.port,
        workers=workers,
        log_config=None,
        access_log=False,
    )


@app.command()
def token(
    user: str = typer.Option(..., help="User id, e.g. pc.jones"),
    role: list[str] = typer.Option(..., help="officer, coordinator, rag, auditor or admin"),
    agency: str = typer.Option(..., help="Agency id from the rules file, e.g. herts-police"),
    partnership: list[str] = typer.Option(
        [], help="Partnership id(s); '*' for county-wide; default: every partnership"
    ),
    name: str | None = typer.Option(None, help="Display name (defaults to the user id)"),
) -> None:
    """Issue a development token signed with the local secret."""
    settings = _settings()
    issuer = token_issuer(settings)
    if issuer is None:
        typer.echo("tokens come from the identity provider when CASEWORK_AUTH_MODE=oidc",
                   err=True)
        raise typer.Exit(2)
    from adapters.config.rules import load_rules

    rules = load_rules(settings.rules_file)
    partnerships = list(partnership) or list(rules.partnerships.ids)
    unknown = [p for p in partnerships if p != "*" and rules.partnerships.get(p) is None]
    if unknown:
        typer.echo(f"unknown partnership(s) {unknown}; known: {list(rules.partnerships.ids)}",
                   err=True)
        raise typer.Exit(2)
    if agency not in rules.agencies:
        typer.echo(f"unknown agency {agency!r}; known: {sorted(rules.agencies)}", err=True)
        raise typer.Exit(2)
    try:
        sys.stdout.write(
            issuer.issue(user_id=user, display_name=name or user, agency=agency,
                         roles=list(role), partnerships=partnerships) + "\n"
        )
    except ValueError as error:
        typer.echo(str(error), err=True)
        raise typer.Exit(2) from None


if __name__ == "__main__":
    app()
