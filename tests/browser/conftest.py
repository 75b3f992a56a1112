"""Browser fixtures: Debian's Chromium via Playwright, and the service on a free local port."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import uvicorn
from playwright.sync_api import Browser, Page

from adapters.bootstrap import bootstrap
from adapters.http.app import create_app
from tests.conftest import make_settings
from tests.support.browser import browser_for_session

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
LONDON = ZoneInfo("Europe/London")


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    yield from browser_for_session()


@pytest.fixture(scope="module")
def base_url(tmp_path_factory: pytest.TempPathFactory,
             request: pytest.FixtureRequest) -> Iterator[str]:
    """The service over a fresh SQLite store, with its read models following the writes."""
    settings = make_settings("sqlite", tmp_path_factory.mktemp("pages"), request)
    container = bootstrap(settings)
    assert container.projections is not None
    container.projections.start()
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(create_app(container), log_level="warning",
                                           access_log=False))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()
        container.close()


def new_page(browser: Browser) -> Page:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB",
                                  timezone_id="Europe/London")
    context.set_default_timeout(10_000)
    return context.new_page()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    opened = new_page(browser)
    try:
        yield opened
    finally:
        opened.context.close()


def shot(page: Page, name: str) -> None:
    """Save a screenshot for the docs (docs/screenshots/NAME)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / name), full_page=True)


def local_input(moment: datetime, *, seconds: bool = False) -> str:
    """A moment as a datetime-local input value in Europe/London."""
    return moment.astimezone(LONDON).strftime("%Y-%m-%dT%H:%M:%S" if seconds
                                              else "%Y-%m-%dT%H:%M")
