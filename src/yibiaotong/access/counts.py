"""Approximate record counts (约N条) that never count a million rows per page view.

Per ledger, one GROUP BY over the ``_org_unit`` index gives the records of every org unit; it is
kept for ``ttl`` seconds and summed over the units in a user's scope. A count is therefore at
most ``ttl`` seconds old, which the pages say ("约").
"""

from __future__ import annotations

import threading
import time

from sqlalchemy import Engine, func, select

from yibiaotong.access.scope import LedgerAccess


class CountCache:
    def __init__(self, engine: Engine, ttl: float = 60.0):
        self.engine, self.ttl = engine, ttl
        self._counts: dict[str, tuple[float, dict[str, int]]] = {}
        self._locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()

    def per_unit(self, access: LedgerAccess) -> dict[str, int]:
        ledger_id = access.id
        cached = self._counts.get(ledger_id)
        if cached and time.monotonic() - cached[0] < self.ttl:
            return cached[1]
        with self._guard:
            lock = self._locks.setdefault(ledger_id, threading.Lock())
        if cached and not lock.acquire(blocking=False):
            return cached[1]  # someone is recounting: a slightly older count is fine meanwhile ("约")
        if not cached:
            lock.acquire()  # the very first count: wait for the one counter instead of counting again
        try:
            cached = self._counts.get(ledger_id)
            if cached and time.monotonic() - cached[0] < self.ttl:
                return cached[1]
            t = access.table
            with self.engine.connect() as conn:
                counts = {unit: int(n) for unit, n in conn.execute(
                    select(t.c._org_unit, func.count()).group_by(t.c._org_unit))}
            self._counts[ledger_id] = (time.monotonic(), counts)
            return counts
        finally:
            lock.release()

    def in_scope(self, access: LedgerAccess, units: tuple[str, ...] | None = None) -> int:
        """Records of the ledger within the user's scope (narrowed to ``units`` when given)."""
        counts = self.per_unit(access)
        chosen = units if units is not None else access.units
        if chosen is None:
            return sum(counts.values())
        return sum(counts.get(u, 0) for u in chosen)

    def forget(self, ledger_id: str) -> None:
        self._counts.pop(ledger_id, None)
