"""Fixtures for the projection tests: hosts running the sample views over ``container``."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence

import pytest

from adapters.bootstrap import Container
from adapters.persistence.views import build_projection_host
from projections.framework import ProjectionHost, View
from tests.support.sample_domain import Note
from tests.support.sample_views import sample_views

HostFactory = Callable[..., ProjectionHost]


@pytest.fixture
def make_host(container: Container) -> Iterator[HostFactory]:
    """Build hosts over the container's store; every host is stopped at the end."""
    hosts: list[ProjectionHost] = []

    def make(views: Sequence[View] | None = None, **options: object) -> ProjectionHost:
        host = build_projection_host(
            container.store, container.settings,
            list(views) if views is not None else sample_views(),
            **options,  # type: ignore[arg-type]
        )
        hosts.append(host)
        return host

    yield make
    for host in hosts:
        host.stop()


@pytest.fixture
def host(make_host: HostFactory) -> ProjectionHost:
    return make_host()


def write_notes(container: Container, wards: Sequence[str], *, edits: int = 0) -> list[Note]:
    """Save one note per ward in one transaction, then ``edits`` edits of the first notes."""
    notes = [Note(partnership_id="north-herts", text=f"note {i}", ward=ward)
             for i, ward in enumerate(wards)]
    container.store.save(*notes)
    edited = notes[:edits]
    for note in edited:
        note.edit(text="edited")
    if edited:
        container.store.save(*edited)
    return notes
