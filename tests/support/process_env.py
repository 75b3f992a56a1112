"""The environment for a casework process started by a test (a worker, a CLI command) over
the same store as a test's container."""

from __future__ import annotations

import os
from pathlib import Path

from adapters.bootstrap import Container

REPO = Path(__file__).resolve().parents[2]


def process_env(container: Container, tmp_path: Path, **extra: str) -> dict[str, str]:
    """This process's environment without its CASEWORK_ settings, then the container's
    store, keys and secrets, a quick projection poll, and ``extra``."""
    settings = container.settings
    env = {key: value for key, value in os.environ.items() if not key.startswith("CASEWORK_")}
    env.update({
        "CASEWORK_DATABASE": settings.database,
        "CASEWORK_DATABASE_POOL_SIZE": "2",
        "CASEWORK_MASTER_KEY": settings.master_key or "",
        "CASEWORK_AUTH_SECRET": settings.auth_secret or "",
        "CASEWORK_VAR_DIR": str(tmp_path / "worker-var"),
        "CASEWORK_LOG_FORMAT": "json",
        "CASEWORK_PROJECTIONS_IN_PROCESS": "false",
        "CASEWORK_PROJECTION_POLL_SECONDS": "0.05",
        "PYTHONPATH": str(REPO),
    })
    env.update(extra)
    return env
