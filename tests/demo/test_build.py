"""Building the demo database: whole or not at all."""

from __future__ import annotations

import shutil
import sqlite3
from contextlib import closing

import pytest
from sqlalchemy import func, select

import yibiaotong.demo as demo
from yibiaotong.store import open_store
from yibiaotong.store.schema import rule_run


class Stop(BaseException):
    """As Ctrl+C stops a build."""


def test_a_build_stopped_halfway_leaves_nothing_and_the_next_one_is_whole(tmp_path, monkeypatch):
    db = tmp_path / "演示.db"

    def stopped(engine):
        raise Stop  # after the ledgers were filled, before the accounts and the rules

    with monkeypatch.context() as m:
        m.setattr(demo, "_accounts", stopped)
        with pytest.raises(Stop):
            demo.build_demo(db, scale=200)
    # not a half-filled database the next build would take as done (it fills only empty ledgers)
    assert sorted(p.name for p in tmp_path.iterdir()) == []
    # the log of a database that was there (a server killed, then the file deleted) is not replayed onto the new one
    stale = tmp_path / "stale.db"
    with closing(sqlite3.connect(stale)) as conn:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA wal_autocheckpoint=0")
        conn.execute("create table ybt_user (stale integer)")
        conn.commit()
        shutil.copy(tmp_path / "stale.db-wal", tmp_path / "演示.db-wal")
    for name in ("stale.db", "stale.db-wal", "stale.db-shm"):
        (tmp_path / name).unlink(missing_ok=True)
    summary = demo.build_demo(db, scale=200)
    assert "本次生成" in summary and sorted(p.name for p in tmp_path.iterdir()) == ["演示.db"]
    engine = open_store(db, existing=True)
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(rule_run)).scalar_one() == 1
    engine.dispose()
    assert "本次生成" not in demo.build_demo(db, scale=200)  # an existing one is brought up to date in place
