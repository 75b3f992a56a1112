"""ASGI factory for uvicorn (``uvicorn --factory adapters.http.asgi:create``)."""

from __future__ import annotations

from fastapi import FastAPI

from adapters.runtime import build_service


def create() -> FastAPI:
    return build_service()
