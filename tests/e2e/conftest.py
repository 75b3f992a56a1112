"""HTTP-level fixtures: an app over the parametrised container, and tokens."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from fastapi.testclient import TestClient

from adapters.bootstrap import Container
from adapters.http.app import create_app

TokenFactory = Callable[..., dict[str, str]]


@pytest.fixture
def client(container: Container) -> Iterator[TestClient]:
    with TestClient(create_app(container), raise_server_exceptions=False) as test_client:
        yield test_client


@pytest.fixture
def auth(container: Container) -> TokenFactory:
    """``auth("officer")`` gives headers with a bearer token for a user with that role."""

    def headers(
        *roles: str,
        user: str = "pc.jones",
        agency: str = "herts-police",
        partnerships: tuple[str, ...] = ("north-herts",),
    ) -> dict[str, str]:
        assert container.token_issuer is not None
        token = container.token_issuer.issue(
            user_id=user, display_name=user.replace(".", " ").title(), agency=agency,
            roles=list(roles or ("officer",)), partnerships=list(partnerships),
        )
        return {"Authorization": f"Bearer {token}"}

    return headers
