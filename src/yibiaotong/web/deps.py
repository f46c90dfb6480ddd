"""What routes depend on: the user, their scope, and the app's one ledger store."""

from __future__ import annotations

import threading
import time
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy import Engine, func, select

from yibiaotong.access.scope import Scope
from yibiaotong.ledgers.store import LedgerStore
from yibiaotong.store import schema
from yibiaotong.web.auth import api_user, require_user


class LedgerCatalog:
    """One LedgerStore per app: its dictionary and table objects are built once, not per request.

    Every ``check`` seconds a cheap signature (counts of elements, ledgers and columns) tells whether
    `ybt` commands changed definitions meanwhile; then the store is rebuilt.
    """

    def __init__(self, engine: Engine, check: float = 5.0):
        self.engine, self.check = engine, check
        self._store: LedgerStore | None = None
        self._signature: tuple | None = None
        self._checked = 0.0
        self._lock = threading.Lock()

    def _current_signature(self) -> tuple:
        with self.engine.connect() as conn:
            return tuple(conn.execute(select(func.count()).select_from(t)).scalar_one()
                         for t in (schema.element, schema.ledger, schema.ledger_column))

    def store(self) -> LedgerStore:
        if self._store is None or time.monotonic() - self._checked > self.check:
            with self._lock:
                if self._store is None or time.monotonic() - self._checked > self.check:
                    signature = self._current_signature()
                    if signature != self._signature or self._store is None:
                        self._store = LedgerStore(self.engine)
                        self._signature = signature
                    self._checked = time.monotonic()
        return self._store


# Dependencies that touch the database are plain functions (FastAPI runs them in its thread pool);
# each is one hop there, so the user lookup and the scope are one dependency, not two.

async def ledger_store(request: Request) -> LedgerStore:
    return request.app.state.catalog.store()  # in memory, but for a quick signature check every few seconds


def page_scope(request: Request) -> Scope:
    return Scope.of(request.app.state.engine, require_user(request), request.app.state.orgs)


def api_scope(request: Request) -> Scope:
    return Scope.of(request.app.state.engine, api_user(request), request.app.state.orgs)


PageScope = Annotated[Scope, Depends(page_scope)]
ApiScope = Annotated[Scope, Depends(api_scope)]
Store = Annotated[LedgerStore, Depends(ledger_store)]
