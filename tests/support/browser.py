"""Headless Chromium through Playwright's sync API, using Debian's ``/usr/bin/chromium``.

Playwright cannot download its own browser builds here, so we launch the system Chromium via
``executable_path`` (install it with ``scripts/ensure-chromium``).

Environment:

* ``CASEWORK_CHROMIUM``: path of the Chromium binary (default ``/usr/bin/chromium``).
* ``CI``: when "true" (any case), a browser that cannot be launched fails the tests instead of
  skipping them (see ``tests.support.unavailable``).

Usage from a conftest::

    @pytest.fixture(scope="session")
    def browser() -> Iterator[Browser]:
        yield from browser_for_session()
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

from playwright.sync_api import Browser, Error, sync_playwright

from . import unavailable

__all__ = [
    "DEFAULT_CHROMIUM",
    "ENV_CHROMIUM",
    "BrowserUnavailableError",
    "browser_for_session",
    "chromium_args",
    "chromium_path",
    "launch_browser",
    "open_browser",
]

ENV_CHROMIUM = "CASEWORK_CHROMIUM"
DEFAULT_CHROMIUM = "/usr/bin/chromium"
LAUNCH_TIMEOUT_MS = 60_000

_QUIET_ARGS = (
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
)


class BrowserUnavailableError(RuntimeError):
    """Chromium is missing or could not be launched."""


def chromium_path() -> Path:
    return Path(os.environ.get(ENV_CHROMIUM) or DEFAULT_CHROMIUM)


def chromium_args() -> list[str]:
    """Launch flags: quiet, offline-friendly; no sandbox when root (Chromium refuses it)."""
    sandbox = ["--no-sandbox"] if os.geteuid() == 0 else []
    return [*sandbox, *_QUIET_ARGS]


@contextlib.contextmanager
def open_browser() -> Iterator[Browser]:
    """Launch headless Chromium; raises ``BrowserUnavailableError`` if it cannot (no CI rule)."""
    executable = chromium_path()
    if not os.access(executable, os.X_OK):
        raise BrowserUnavailableError(
            f"{executable} not found or not executable "
            f"(run scripts/ensure-chromium or set {ENV_CHROMIUM})"
        )
    with sync_playwright() as playwright:
        try:
            browser = playwright.chromium.launch(
                executable_path=str(executable),
                headless=True,
                args=chromium_args(),
                timeout=LAUNCH_TIMEOUT_MS,
            )
        except Error as error:
            raise BrowserUnavailableError(f"cannot launch {executable}: {error}") from error
        try:
            yield browser
        finally:
            browser.close()


@contextlib.contextmanager
def launch_browser() -> Iterator[Browser]:
    """``open_browser()`` with the CI rule: skip the test locally, fail it when CI=true."""
    try:
        with open_browser() as browser:
            yield browser
    except BrowserUnavailableError as error:  # raised only while launching, never by the body
        unavailable(f"headless Chromium unavailable: {error}", error)


def browser_for_session() -> Iterator[Browser]:
    """Generator body for a session-scoped fixture: ``yield from browser_for_session()``."""
    with launch_browser() as browser:
        yield browser
