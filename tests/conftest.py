"""Shared fixtures. `engine` runs a test on SQLite and, when a server is reachable, on PostgreSQL."""

from __future__ import annotations

import os
import uuid
from contextlib import contextmanager

import pytest
from sqlalchemy import create_engine, text

from yibiaotong.elements.dictionary import Dictionary
from yibiaotong.store.engine import connect
from yibiaotong.store.migrate import stamp_head, upgrade
from yibiaotong.store.schema import metadata

PG_URL = os.environ.get("YBT_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
_pg_state: dict[str, str | None] = {}


def _pg_unavailable() -> str | None:
    """None when PostgreSQL answers, else the reason (cached for the session)."""
    if "reason" not in _pg_state:
        try:
            with create_engine(PG_URL, connect_args={"connect_timeout": 3}).connect() as conn:
                conn.execute(text("select 1"))
            _pg_state["reason"] = None
        except Exception as exc:  # any failure to connect means: skip, and say why
            _pg_state["reason"] = f"PostgreSQL not reachable at {PG_URL}: {exc.__class__.__name__}: {str(exc)[:120]}"
    return _pg_state["reason"]


def _create(eng, migrate: bool) -> None:
    """Platform tables at the newest revision. Running every migration costs ~1 s a test, so most
    tests create the tables from schema.py and stamp the revision; tests/store runs the real
    migrations and checks that both agree."""
    if migrate:
        upgrade(eng)
    else:
        metadata.create_all(eng)
        stamp_head(eng)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def engine(request, tmp_path):
    """An empty database at the newest revision: a SQLite file, or a private schema in PostgreSQL."""
    migrate = bool(request.node.get_closest_marker("migrations"))
    if request.param == "sqlite":
        eng = connect(tmp_path / "test.db")
        _create(eng, migrate)
        yield eng
        eng.dispose()
        return
    with postgres_schema() as eng:
        _create(eng, migrate)
        yield eng


@contextmanager
def postgres_schema():
    """An engine on a private, empty PostgreSQL schema, dropped afterwards; the test skips (or fails,
    with YBT_REQUIRE_POSTGRES set, as in CI) when no server answers."""
    reason = _pg_unavailable()
    if reason:
        if os.environ.get("YBT_REQUIRE_POSTGRES"):
            pytest.fail(f"YBT_REQUIRE_POSTGRES is set but {reason}")
        pytest.skip(reason)
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_URL)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    eng = create_engine(PG_URL, connect_args={"options": f"-csearch_path={schema}"})
    try:
        yield eng
    finally:
        eng.dispose()
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(scope="session")
def standard_dictionary() -> Dictionary:
    return Dictionary.for_pack("standard")


@pytest.fixture(scope="session")
def yongchuan_dictionary() -> Dictionary:
    return Dictionary.for_pack("yongchuan")
