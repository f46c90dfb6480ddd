"""Whose records an import may change: those in the unit it is for and below, nothing else.

An import for a town or a village (``--org-unit``, and every import from the web, which passes the
clerk's own unit) must not reach a record kept elsewhere: a row whose key is a record registered
in another town, or a row without an ID number whose likeliest match lives elsewhere, would move
that record into the clerk's village and overwrite it. :class:`ScopeGuard` knows, per ledger, which
keys belong to records outside the unit; the sheet import rejects such rows with a problem that
says so without naming where the record is (that is not the clerk's to know) and drops such
candidates from linking. An import for the whole district (no unit, or the tree's root) has no guard.

The guard reads on its own connection: the file's transaction is busy in the writer thread, and
what that transaction wrote is inside the unit by construction.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Connection, Engine, Table, select

from yibiaotong.ledgers import LedgerDef
from yibiaotong.orgunits import OrgTree

BATCH = 500  # keys per lookup: well under every database's limit on bound parameters


class ScopeGuard:
    def __init__(self, engine: Engine, tree: OrgTree, within: str | None,
                 ledgers: dict[str, tuple[LedgerDef, Table]]):
        self.engine = engine
        self.within = within
        self.within_name = tree.full_name(within) if within else ""
        self.units = {u.code for u in tree.subtree(within)} if within else None
        if self.units is not None and len(self.units) == len(tree):  # the whole tree: nothing is outside
            self.units = None
        self.tables = {lid: table for lid, (_definition, table) in ledgers.items()}
        self.outside: dict[str, set[str]] = {lid: set() for lid in ledgers}
        self.checked: dict[str, set[str]] = {lid: set() for lid in ledgers}
        self._conn: Connection | None = None

    @property
    def active(self) -> bool:
        return self.units is not None

    def check(self, ledger_id: str, keys: Iterable[str | None]) -> None:
        """Look up, in batches, the keys not seen yet: which are records outside the unit."""
        seen = self.checked[ledger_id]
        todo = list(dict.fromkeys(k for k in keys if k and k not in seen))
        if not todo:
            return
        t = self.tables[ledger_id]
        conn = self._connection()
        for start in range(0, len(todo), BATCH):
            part = todo[start:start + BATCH]
            rows = conn.execute(select(t.c._key, t.c._org_unit).where(t.c._key.in_(part)))
            self.outside[ledger_id].update(key for key, unit in rows if unit not in self.units)
        seen.update(todo)

    def is_outside(self, ledger_id: str, key: str | None) -> bool:
        if not self.active or not key:
            return False
        if key not in self.checked[ledger_id]:
            self.check(ledger_id, [key])
        return key in self.outside[ledger_id]

    def _connection(self) -> Connection:
        if self._conn is None:
            self._conn = self.engine.connect()
        return self._conn

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None
