"""Development secrets kept under ./var when settings do not provide them.

Production sets CASEWORK_AUTH_SECRET (or uses the identity provider) and
CASEWORK_MASTER_KEY from its secret store; see docs/deployment.md.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from adapters.persistence.keyring import new_master_key


def local_secret(var_dir: Path, name: str, *, master_key: bool = False) -> str:
    path = var_dir / name
    if path.exists():
        return path.read_text().strip()
    var_dir.mkdir(parents=True, exist_ok=True)
    value = new_master_key() if master_key else secrets.token_urlsafe(48)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        handle.write(value)
    return value
