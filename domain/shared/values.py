"""Registry of value types that appear inside events or aggregate state.

The store needs to know every dataclass and enum it may have to serialise (event
fields, aggregate state in snapshots). Each domain package registers its own with
:func:`value_type`; the application's store registers a transcoding for each.
"""

from __future__ import annotations

from typing import TypeVar

T = TypeVar("T", bound=type)

VALUE_TYPES: list[type] = []


def value_type(cls: T) -> T:
    """Class decorator: ``cls`` (a dataclass or an Enum) may be stored in events."""
    if cls not in VALUE_TYPES:
        VALUE_TYPES.append(cls)
    return cls
