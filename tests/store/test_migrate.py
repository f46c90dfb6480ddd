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


@pytest.mark.migrations
def test_a_database_in_a_folder_named_in_chinese_with_a_percent_sign_is_upgraded_and_used(tmp_path):
    """The path is URL-escaped (%E6…, %25) in the engine's URL; Alembic's ConfigParser must not read
    those '%' as interpolations, and the file is the one named, not 数据A库 for 数据%41库."""
    from sqlalchemy import text

    from yibiaotong.store.engine import open_store

    folder = tmp_path / "数据%41库"
    folder.mkdir()
    path = folder / "一表通.db"
    engine = open_store(path)
    try:
        assert current_revision(engine) == head_revision()
        assert set(metadata.tables) <= set(inspect(engine).get_table_names())
        with engine.begin() as conn:
            conn.execute(text("CREATE TABLE probe (v TEXT)"))
            conn.execute(text("INSERT INTO probe VALUES ('一')"))
        upgrade(engine)  # a second run reads the revision back through the same URL
        with engine.connect() as conn:
            assert conn.execute(text("SELECT v FROM probe")).scalar() == "一"
    finally:
        engine.dispose()
    assert path.is_file() and not (tmp_path / "数据A库").exists()


def test_a_password_with_a_percent_sign_reaches_alembic_as_written():
    from sqlalchemy import create_engine

    from yibiaotong.store.migrate import alembic_config

    engine = create_engine("postgresql+psycopg://ybt:50%25off@db.example/ybt")  # password 50%off
    assert alembic_config(engine).get_main_option("sqlalchemy.url") == (
        "postgresql+psycopg://ybt:50%25off@db.example/ybt")
    engine.dispose()
