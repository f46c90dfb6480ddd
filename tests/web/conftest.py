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


@pytest.fixture(scope="module")
def planted(shared_world):
    """The module's shared world with the alerts of tests/web/alerts_world.py planted (run once)."""
    from tests.web.alerts_world import plant_alerts

    plant_alerts(shared_world)
    return shared_world
