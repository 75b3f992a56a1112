"""Starting the service process: settings, logging, container, app, background work."""

from __future__ import annotations

from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI

from adapters.bootstrap import Container, bootstrap
from adapters.cli.demo import install_first_start_loader
from adapters.config.settings import Settings, load_settings
from adapters.http.app import create_app
from adapters.logging_setup import configure_logging


def build_service(settings: Settings | None = None) -> FastAPI:
    settings = settings or load_settings()
    configure_logging(settings.log_format, settings.log_level)
    container = bootstrap(settings)
    install_first_start_loader(container)  # CASEWORK_DEMO_DATA: demo data on first start
    app = create_app(container)
    app.router.lifespan_context = _lifespan(container)
    return app


def _lifespan(container: Container) -> Any:
    @asynccontextmanager
    async def lifespan(_: FastAPI) -> Any:
        for start in container.services.get("on_start", []):
            start()
        try:
            yield
        finally:
            container.close()

    return lifespan
