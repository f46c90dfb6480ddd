"""Storage: one SQLAlchemy Core store over SQLite (embedded default) and PostgreSQL."""

from yibiaotong.store.engine import DEFAULT_DB_PATH, connect, database_url, open_store
from yibiaotong.store.schema import metadata

__all__ = ["DEFAULT_DB_PATH", "connect", "database_url", "metadata", "open_store"]
