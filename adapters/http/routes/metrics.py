"""How fresh the read models are, over HTTP: ``GET /metrics`` and read-your-writes.

``/metrics`` is Prometheus text: the log head and, per view, position, events behind,
seconds behind (since the oldest unapplied event was recorded), failed and rebuilding flags.
Like /readyz it needs no token and shows no personal data (view names and numbers only).

Read-your-writes: a write answers with ``X-Casework-Position``. A client that then reads a
list can send that number as header ``X-Casework-Min-Position`` (or query ``min_position``):
a route that declares ``Depends(views_at_least(...))`` waits, up to a few seconds, until the
views it reads have applied that position. If they have not by then, the route still answers
from the view as it is (stale data is more useful to a list page than an error) and says so:

* ``X-Casework-View-Position``: the position the view has reached;
* ``X-Casework-Stale: true`` when that is below the position asked for (on timeout or when
  the view has failed). The client may retry, or show a "still updating" hint.

Usage in a route::

    @router.get("/api/notes")
    def list_notes(request: Request,
                   _: Freshness = Depends(views_at_least("note_list"))) -> list[...]:
        with request.app.state.container.projections.reading() as cur: ...

(The headers are added to the route's response; a route returning its own ``Response``
object must copy them from the injected ``Response``.)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Query, Request, Response
from fastapi.responses import PlainTextResponse

from projections.framework import Freshness

router = APIRouter(tags=["health"])

MIN_POSITION_HEADER = "X-Casework-Min-Position"
VIEW_POSITION_HEADER = "X-Casework-View-Position"
STALE_HEADER = "X-Casework-Stale"
DEFAULT_WAIT_SECONDS = 3.0


def views_at_least(
    *views: str, timeout: float = DEFAULT_WAIT_SECONDS
) -> Callable[..., Freshness]:
    """A dependency waiting until ``views`` (default: every view) reach the client's position."""

    def dependency(
        request: Request,
        response: Response,
        min_position: Annotated[
            int | None,
            Query(ge=0, description="Wait until the views include this log position "
                  "(the X-Casework-Position of your write)"),
        ] = None,
        x_casework_min_position: Annotated[
            int | None,
            Header(ge=0, description="Same as the min_position query parameter"),
        ] = None,
    ) -> Freshness:
        wanted = max((p for p in (min_position, x_casework_min_position) if p is not None),
                     default=None)
        host = request.app.state.container.projections
        if wanted is None or host is None:
            return Freshness(True, None)
        freshness: Freshness = host.wait_for(wanted, timeout, views=list(views) or None)
        if freshness.position is not None:
            response.headers[VIEW_POSITION_HEADER] = str(freshness.position)
        if not freshness.caught_up:
            response.headers[STALE_HEADER] = "true"
        return freshness

    return dependency


ViewsCaughtUp = Annotated[Freshness, Depends(views_at_least())]
"""Wait for every view: ``def route(fresh: ViewsCaughtUp) -> ...``."""


@router.get("/metrics", summary="Prometheus metrics: read model positions and lag",
            response_class=PlainTextResponse)
def metrics(request: Request) -> PlainTextResponse:
    lag = request.app.state.container.projection_lag()
    return PlainTextResponse(render_metrics(lag),
                             media_type="text/plain; version=0.0.4; charset=utf-8")


_GAUGES = (
    ("casework_projection_position", "Last log position applied to the view", "position"),
    ("casework_projection_events_behind", "Events recorded after the view's position",
     "events_behind"),
    ("casework_projection_seconds_behind",
     "Seconds since the oldest event the view has not applied was recorded", "seconds_behind"),
)


def render_metrics(lag: dict[str, Any] | None) -> str:
    lines: list[str] = []

    def gauge(name: str, help_text: str, samples: list[tuple[str, Any]]) -> None:
        lines.append(f"# HELP {name} {help_text}")
        lines.append(f"# TYPE {name} gauge")
        for labels, value in samples:
            lines.append(f"{name}{labels} {_number(value)}")

    if lag is None:
        return "\n".join(lines) + "\n"
    gauge("casework_event_log_head", "Highest position in the event log",
          [("", lag.get("head", 0))])
    views: dict[str, dict[str, Any]] = lag.get("views", {})
    for name, help_text, key in _GAUGES:
        gauge(name, help_text, [(_labels(view=v), views[v][key]) for v in sorted(views)])
    gauge("casework_projection_failed", "1 if the view stopped on an event it could not apply",
          [(_labels(view=v), int(views[v]["state"] == "failed")) for v in sorted(views)])
    gauge("casework_projection_rebuilding",
          "1 while the view is being rebuilt (or is outdated and waiting for a rebuild)",
          [(_labels(view=v), int(views[v]["state"] in ("rebuilding", "outdated")))
           for v in sorted(views)])
    return "\n".join(lines) + "\n"


def _labels(**labels: str) -> str:
    inner = ",".join(
        f'{key}="{_escape(value)}"' for key, value in labels.items()
    )
    return "{" + inner + "}"


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _number(value: Any) -> str:
    if isinstance(value, bool):
        return str(int(value))
    if isinstance(value, float):
        return repr(value)
    return str(value)
