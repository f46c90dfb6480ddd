from __future__ import annotations

import pytest

from tests.access.world import build_world
from yibiaotong.store.engine import open_store
from yibiaotong.web.app import create_app


@pytest.fixture(scope="module")
def shared_world(tmp_path_factory):
    """One SQLite world per module, for tests that only read (or whose writes do not matter)."""
    engine = open_store(tmp_path_factory.mktemp("world") / "world.db")
    world = build_world(engine)
    yield world
    engine.dispose()


@pytest.fixture(scope="module")
def shared_app(shared_world):
    return create_app(engine=shared_world.engine, secret_key="test")
