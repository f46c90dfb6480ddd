"""数据冲突 (conflicts) for review in the browser: two sources reported different values for one
ledger value; the record kept one by the rule in :mod:`yibiaotong.ingest.conflicts`. A clerk sees
the conflicts of records in their scope, in columns they may read (masked as on the record page),
opens the record to correct it when the other value is right, and marks the conflict as checked."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse
from sqlalchemy import select
from starlette.concurrency import run_in_threadpool

from yibiaotong.access import audit, records
from yibiaotong.access.scope import NotInScope, Scope
from yibiaotong.errors import YbtError
from yibiaotong.ingest.review import list_conflicts, resolve_conflict
from yibiaotong.ledgers.store import LedgerStore
from yibiaotong.web.auth import check_csrf
from yibiaotong.web.deps import PageScope, Store
from yibiaotong.web.render import render

router = APIRouter(include_in_schema=False)
SCAN = 2000  # open conflicts looked at per page view (oldest first); the CLI lists every one


def visible_conflicts(request: Request, scope: Scope, store: LedgerStore, conflict_id: int | None = None
                      ) -> list[dict[str, Any]]:
    """Open conflicts the user may see: the ledger and column readable, the record in scope; values
    shown as the record page shows them (masked where the user may not see them in full)."""
    engine = request.app.state.engine
    found = list_conflicts(engine, status="open", limit=SCAN, conflict_id=conflict_id)
    by_ledger: dict[str, list[dict[str, Any]]] = {}
    for c in found:
        by_ledger.setdefault(c["ledger_id"], []).append(c)
    out = []
    for ledger_id, items in by_ledger.items():
        try:
            access = scope.ledger(store, ledger_id)
        except (NotInScope, YbtError):
            continue
        t = access.table
        where = [t.c._key.in_({c["record_key"] for c in items})]
        if (limit := access.condition()) is not None:
            where.append(limit)
        with engine.connect() as conn:
            in_scope = {r._key: r for r in conn.execute(select(t.c._id, t.c._key, t.c._org_unit).where(*where))}
        for c in items:
            record = in_scope.get(c["record_key"])
            if record is None or not access.may_read(c["column_name"]):
                continue
            column = c["column_name"]
            out.append({**c, "record_id": record._id, "unit": scope.orgs.names.get(record._org_unit, ""),
                        "ledger_name": access.definition.name, "label": access.elements[column].name,
                        "old_shown": records.display(store.dictionary, access, column, c["old_value"]),
                        "new_shown": records.display(store.dictionary, access, column, c["new_value"]),
                        "key": records.public_key(store.dictionary, access, {"_key": record._key}),
                        "may_resolve": access.may_write})
    return sorted(out, key=lambda c: c["id"])


@router.get("/import/conflicts")
def conflicts_page(request: Request, scope: PageScope, store: Store, done: bool = False):
    return render(request, "import_conflicts.html", {"conflicts": visible_conflicts(request, scope, store),
                                                     "done": done})


@router.post("/import/conflicts/{conflict_id}")
async def resolve(request: Request, conflict_id: int, scope: PageScope, store: Store):
    form = await request.form()
    check_csrf(request, str(form.get("csrf", "")))

    def run():
        shown = visible_conflicts(request, scope, store, conflict_id)
        if not shown or not shown[0]["may_resolve"]:
            raise NotInScope()  # another unit's conflict, or one the user may only read: as if absent
        resolve_conflict(request.app.state.engine, conflict_id, by=scope.user.name)
        c = shown[0]
        audit.write(request.app.state.engine, scope.user.name, "conflict-resolve", target=f"conflict:{conflict_id}",
                    details={"ledger": c["ledger_id"], "record": c["record_id"], "column": c["column_name"]})
        return RedirectResponse("/import/conflicts?done=1", status_code=303)

    return await run_in_threadpool(run)
