"""Whether this process creates the tables it uses (``CASEWORK_CREATE_SCHEMA``).

The settings pass it to the store as the library's ``CREATE_TABLE`` key; the keyring and
the access log, which keep tables of their own beside the events, read the same key here,
so the three always agree (docs/deployment.md: a service user without ``CREATE``).
"""

from __future__ import annotations

from collections.abc import Mapping

from eventsourcing.utils import strtobool


def creates_tables(env: Mapping[str, str]) -> bool:
    return strtobool(env.get("CREATE_TABLE") or "y")
