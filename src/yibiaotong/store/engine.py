"""Engine creation. SQLite is the embedded default (one file, WAL); PostgreSQL via YBT_DATABASE_URL."""

from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy import URL, Engine, create_engine, event, make_url

from yibiaotong.errors import Problem, YbtError

DEFAULT_DB_PATH = Path("demo.db")
BUSY_TIMEOUT_MS = 10_000  # SQLite: how long a writer waits for another's transaction (an import) to end


def database_url(db: str | os.PathLike | None = None) -> str:
    """Resolve a --db value (a path or a URL), else YBT_DATABASE_URL, else ./demo.db."""
    value = str(db) if db is not None else os.environ.get("YBT_DATABASE_URL") or str(DEFAULT_DB_PATH)
    if "://" in value:
        return value
    # a path is escaped into the URL: a folder named 数据%41 stays itself instead of being read as 数据A
    path = str(Path(value).expanduser().resolve())
    return URL.create("sqlite", database=path).render_as_string(hide_password=False)


def connect(db: str | os.PathLike | None = None, **kwargs) -> Engine:
    url = database_url(db)
    if url.startswith("sqlite"):
        engine = create_engine(url, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True, **kwargs)


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    # WAL lets the web server read while an import writes; foreign keys are off by default in SQLite.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    cursor.close()


def open_store(db: str | os.PathLike | None = None, *, migrate: bool = True, existing: bool = False,
               **kwargs) -> Engine:
    """An engine whose platform tables are at the newest migration. ``existing``: the database must
    be there already (every command but ``ybt init`` and ``ybt demo``), so a mistyped --db is said
    rather than made a new, empty database; a file that is no SQLite database is said either way."""
    url = database_url(db)
    if url.startswith("sqlite"):
        _check_sqlite_file(make_url(url).database, existing)
    engine = connect(url, **kwargs)
    if migrate:
        from yibiaotong.store.migrate import upgrade

        upgrade(engine)
    return engine


_SQLITE_HEADER = b"SQLite format 3\x00"


def _check_sqlite_file(database: str | None, existing: bool) -> None:
    if not database or database == ":memory:" or database.startswith("file:"):
        return
    path = Path(database)
    if path.is_dir():
        raise YbtError(Problem("database-is-folder", {"path": str(path)}))
    if path.exists():
        with path.open("rb") as fh:
            head = fh.read(len(_SQLITE_HEADER))
        if head and head != _SQLITE_HEADER:  # an empty file is a database SQLite has yet to write
            raise YbtError(Problem("database-not-sqlite", {"path": str(path)}))
    elif existing:
        raise YbtError(Problem("database-not-found", {"path": str(path)}))
    elif not path.parent.is_dir():
        raise YbtError(Problem("database-folder-missing", {"path": str(path.parent)}))
