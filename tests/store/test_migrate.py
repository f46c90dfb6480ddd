from __future__ import annotations

import pytest
from sqlalchemy import inspect

from yibiaotong.store.migrate import current_revision, head_revision, upgrade
from yibiaotong.store.schema import metadata


@pytest.mark.migrations
def test_migrations_create_every_platform_table_and_are_idempotent(engine):
    tables = set(inspect(engine).get_table_names())
    assert set(metadata.tables) <= tables
    assert current_revision(engine) == head_revision()
    upgrade(engine)  # a second run is a no-op
    assert current_revision(engine) == head_revision()


@pytest.mark.migrations
def test_migrations_match_the_schema_module(engine):
    """Autogenerate finds nothing to do: schema.py and the migrations agree."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from yibiaotong.store.migrations_filter import include_object

    with engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"include_object": include_object})
        diff = compare_metadata(ctx, metadata)
    assert diff == []
