"""The FastAPI application, built from a container by the composition root."""

from __future__ import annotations

from fastapi import FastAPI

from adapters.bootstrap import Container
from adapters.http import pages
from adapters.http.middleware import install_request_logging
from adapters.http.problems import install_problem_handlers
from adapters.http.routes import (
    audit,
    cases,
    health,
    metrics,
    people,
    plans,
    reports,
    restrictions,
    reviews,
)
from adapters.http.routes import lists as list_routes
from adapters.http.routes import overview as rag_routes
from adapters.http.routes import tasking as tasking_routes

API_DESCRIPTION = """
Case management for Community Safety Partnerships: ASB cases, O'SARA problem-solving
plans and ASB Case Reviews, with JAG tasking and RAG reporting.

Every call needs a bearer token (`casework token --help`). Writes accept `If-Match`
(the ETag you read; a stale one gets 412) and `Idempotency-Key` (a retry returns the
first response and writes nothing). Errors are `application/problem+json`.
"""


def create_app(container: Container) -> FastAPI:
    app = FastAPI(title="casework", version="0.1.0", description=API_DESCRIPTION)
    app.state.container = container
    install_problem_handlers(app)
    install_request_logging(app)
    app.include_router(health.router)
    app.include_router(metrics.router)
    app.include_router(audit.router)
    app.include_router(cases.router)
    app.include_router(people.router)
    app.include_router(restrictions.router)
    pages.install(app)
    app.include_router(plans.router)
    app.include_router(reviews.router)
    app.include_router(reports.router)
    # Lists (GET "" beside each resource's own router), JAG tasking, RAG reports.
    app.include_router(list_routes.cases_router)
    app.include_router(list_routes.plans_router)
    app.include_router(list_routes.reviews_router)
    app.include_router(tasking_routes.router)
    app.include_router(rag_routes.router)
    return app
