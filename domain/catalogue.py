"""Every aggregate class in the domain, in one place (imports register value types)."""

from __future__ import annotations

AGGREGATE_CLASSES: list[type] = []
