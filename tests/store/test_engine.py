from __future__ import annotations

from sqlalchemy import text

from yibiaotong.store.engine import connect, database_url


def test_database_url_resolution(tmp_path, monkeypatch):
    monkeypatch.delenv("YBT_DATABASE_URL", raising=False)
    assert database_url(tmp_path / "a.db") == f"sqlite:///{tmp_path / 'a.db'}"
    assert database_url("postgresql+psycopg://u@h/db") == "postgresql+psycopg://u@h/db"
    monkeypatch.setenv("YBT_DATABASE_URL", "postgresql+psycopg://x@y/z")
    assert database_url(None) == "postgresql+psycopg://x@y/z"


def test_sqlite_runs_in_wal_mode_with_foreign_keys(tmp_path):
    engine = connect(tmp_path / "w.db")
    with engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1


def test_a_path_with_chinese_characters_and_url_signs_names_that_very_file(tmp_path, monkeypatch):
    from sqlalchemy import make_url

    monkeypatch.delenv("YBT_DATABASE_URL", raising=False)
    for name in ("数据%41库", "a b", "q?x#y"):
        path = tmp_path / name / "一表通.db"
        assert make_url(database_url(path)).database == str(path)
