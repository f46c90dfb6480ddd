from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.access.world import build_world
from yibiaotong.web.app import create_app


@pytest.fixture
def world(engine):
    return build_world(engine)


@pytest.fixture
def app(world):
    return create_app(engine=world.engine, secret_key="test")


@pytest.fixture
def api(app, world):
    """api(user) -> a client that sends that user's API token."""
    clients = []

    def make(user: str | None) -> TestClient:
        c = TestClient(app, raise_server_exceptions=False)
        if user:
            c.headers["Authorization"] = f"Bearer {world.tokens[user]}"
        clients.append(c)
        return c

    yield make
    for c in clients:
        c.close()
