"""数据冲突 (conflicts) for review in the browser: two sources reported different values for one
ledger value; the record kept one by the rule in :mod:`yibiaotong.ingest.conflicts`. A clerk sees
the conflicts of records in their scope, in columns they may read (masked as on the record page),
opens the record to correct it when the other value is right, and marks the conflict as checked."""

from __future__ import annotations

import re
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import RedirectResponse
from sqlalchemy import and_, or_, select
from starlette.concurrency import run_in_threadpool

from yibiaotong.access import audit, records
from yibiaotong.access.scope import NotInScope, Scope
from yibiaotong.errors import YbtError
from yibiaotong.ingest.review import conflict_ledgers, count_conflicts, list_conflicts, resolve_conflict
from yibiaotong.ledgers.store import LedgerStore
from yibiaotong.store import schema
from yibiaotong.web.auth import check_csrf
from yibiaotong.web.deps import PageScope, Store
from yibiaotong.web.render import render

router = APIRouter(include_in_schema=False)
SCAN = 2000  # open conflicts looked at per page view (oldest first); the CLI lists every one


def _in_scope(scope: Scope, store: LedgerStore, ledger_ids: list[str]) -> tuple[dict[str, Any], Any]:
    """The ledgers the user may read, and the clause that keeps a conflict to a column they may read
    of a record in their scope: the query narrows them before it limits them, so a clerk's conflicts
    are found among a district's thousands."""
    k = schema.conflict
    accesses, clauses = {}, []
    for ledger_id in ledger_ids:
        try:
            access = scope.ledger(store, ledger_id)
        except (NotInScope, YbtError):
            continue
        clause = and_(k.c.ledger_id == ledger_id, k.c.column_name.in_(access.columns))
        if (limit := access.condition()) is not None:
            clause = and_(clause, k.c.record_id.in_(select(access.table.c._id).where(limit)))
        accesses[ledger_id] = access
        clauses.append(clause)
    return accesses, (or_(*clauses) if clauses else None)


def visible_conflicts(request: Request, scope: Scope, store: LedgerStore, conflict_id: int | None = None,
                      status: str = "open", file_hash: str | None = None) -> tuple[list[dict[str, Any]], int]:
    """Open conflicts the user may see (the oldest :data:`SCAN`; ``file_hash``: only those the
    file of one import brought) and how many there are: the ledger and column readable, the
    record in scope; values shown as the record page shows them (masked where the user may not
    see them in full)."""
    engine = request.app.state.engine
    accesses, where = _in_scope(scope, store, conflict_ledgers(engine, status, conflict_id))
    if where is None:
        return [], 0
    if file_hash is not None:  # the sheets that file was imported as (ybt_import.file_hash is indexed)
        k, i = schema.conflict, schema.import_batch
        where = and_(where, k.c.new_source_id.in_(select(i.c.source_id).where(i.c.file_hash == file_hash)))
    found = list_conflicts(engine, status=status, limit=SCAN, conflict_id=conflict_id, where=where)
    total = len(found) if len(found) < SCAN else count_conflicts(engine, status, where)
    by_ledger: dict[str, list[dict[str, Any]]] = {}
    for c in found:
        by_ledger.setdefault(c["ledger_id"], []).append(c)
    out = []
    for ledger_id, items in by_ledger.items():
        access = accesses[ledger_id]
        t = access.table
        with engine.connect() as conn:
            found_records = {r._id: r for r in conn.execute(select(t.c._id, t.c._key, t.c._org_unit).where(
                t.c._id.in_({c["record_id"] for c in items})))}
        for c in items:
            record = found_records.get(c["record_id"])
            if record is None:
                continue
            column = c["column_name"]
            out.append({**c, "unit": scope.orgs.names.get(record._org_unit, ""),
                        "ledger_name": access.definition.name, "label": access.elements[column].name,
                        "old_shown": records.display(store.dictionary, access, column, c["old_value"]),
                        "new_shown": records.display(store.dictionary, access, column, c["new_value"]),
                        "key": records.public_key(store.dictionary, access, {"_key": record._key}),
                        "may_resolve": access.may_write})
    return sorted(out, key=lambda c: c["id"]), total


HASH = "[0-9a-f]{64}"  # a file's SHA-256, as an import records it
FileHash = Annotated[str | None, Query(pattern=f"^{HASH}$", description="only the conflicts one file brought")]


@router.get("/import/conflicts")
def conflicts_page(request: Request, scope: PageScope, store: Store, done: bool = False, already: bool = False,
                   file: FileHash = None):
    conflicts, total = visible_conflicts(request, scope, store, file_hash=file)
    return render(request, "import_conflicts.html", {"conflicts": conflicts, "total": total, "done": done,
                                                     "already": already, "file": file,
                                                     # the name it came under, from a conflict the user may see
                                                     "file_name": conflicts[0]["new_file"] if file and conflicts else None})


def _back(file_hash: str | None, flag: str) -> str:
    """Where a resolution returns: the list it was made on."""
    return f"/import/conflicts?{flag}=1" + (f"&file={file_hash}" if file_hash else "")


@router.post("/import/conflicts/{conflict_id}")
async def resolve(request: Request, conflict_id: int, scope: PageScope, store: Store):
    form = await request.form()
    check_csrf(request, str(form.get("csrf", "")))
    file_hash = str(form.get("file") or "")
    file_hash = file_hash if re.fullmatch(HASH, file_hash) else None

    def run():
        shown, _total = visible_conflicts(request, scope, store, conflict_id)
        if not shown and visible_conflicts(request, scope, store, conflict_id, status="resolved")[0]:
            return RedirectResponse(_back(file_hash, "already"), status_code=303)  # a second click, a colleague
        if not shown or not shown[0]["may_resolve"]:
            raise NotInScope()  # another unit's conflict, or one the user may only read: as if absent
        resolve_conflict(request.app.state.engine, conflict_id, by=scope.user.name)
        c = shown[0]
        audit.write(request.app.state.engine, scope.user.name, "conflict-resolve", target=f"conflict:{conflict_id}",
                    details={"ledger": c["ledger_id"], "record": c["record_id"], "column": c["column_name"]})
        return RedirectResponse(_back(file_hash, "done"), status_code=303)

    return await run_in_threadpool(run)
