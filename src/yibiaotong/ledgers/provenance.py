"""Provenance (来源): who or what changed a value — a user's edit, an imported file, a task."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Connection, insert

from yibiaotong.store.schema import source as source_table


@dataclass(frozen=True)
class Source:
    kind: str = "system"  # user | file | task | system
    actor: str | None = None
    file_name: str | None = None
    file_hash: str | None = None
    sheet: str | None = None
    period: str | None = None
    task: str | None = None
    note: str | None = None

    @classmethod
    def user(cls, name: str, note: str | None = None) -> Source:
        return cls(kind="user", actor=name, note=note)

    @classmethod
    def file(cls, path: str | Path, *, sheet: str | None = None, period: str | None = None,
             actor: str | None = None) -> Source:
        return cls(kind="file", actor=actor, file_name=Path(path).name, file_hash=file_sha256(path),
                   sheet=sheet, period=period)

    def record(self, conn: Connection) -> int:
        """Write this source and return its id (inside the caller's transaction)."""
        result = conn.execute(insert(source_table).values(
            kind=self.kind, actor=self.actor, file_name=self.file_name, file_hash=self.file_hash, sheet=self.sheet,
            period=self.period, task=self.task, note=self.note, created_at=datetime.now(UTC)))
        return int(result.inserted_primary_key[0])


def file_sha256(path: str | Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
