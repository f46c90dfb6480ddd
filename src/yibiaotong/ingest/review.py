"""The review queues of data intake: links waiting for a person (待确认人员) and value conflicts
(数据冲突). Confirming a link writes the row's values to the confirmed person, with the
original file and row as their source."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import ColumnElement, Engine, func, select, update

from yibiaotong.elements.validate import coerce
from yibiaotong.errors import Problem, YbtError
from yibiaotong.ingest.plan import ledger_of
from yibiaotong.ledgers.store import LedgerStore, PreparedRecord, record_key
from yibiaotong.store import schema


def list_links(engine: Engine, status: str | None = "pending", limit: int = 200) -> list[dict[str, Any]]:
    t, s = schema.link, schema.source
    stmt = (select(t.c.id, t.c.status, t.c.probability, t.c.candidate_ledger, t.c.candidate_key, t.c.source_row,
                   t.c.sheet, t.c.shown, t.c.evidence, t.c.created_at, t.c.decided_by, s.c.file_name)
            .join(s, s.c.id == t.c.source_id).order_by(t.c.id).limit(limit))
    if status:
        stmt = stmt.where(t.c.status == status)
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(stmt).mappings()]


def confirm_link(engine: Engine, link_id: int, by: str | None = None, store: LedgerStore | None = None
                 ) -> dict[str, Any]:
    """Write the waiting row to the proposed person, in one transaction; the row's other
    proposals are rejected (a row is one person)."""
    store = store or LedgerStore(engine)
    link = _link(engine, link_id)
    payload = link["payload"]
    now = datetime.now(UTC)
    written = {}
    with engine.begin() as conn:
        for planned, raw in payload["ledgers"].items():
            ledger_id = ledger_of(planned)  # a column's own records: ledger#n (plan._column_records)
            definition = store.ledger(ledger_id)
            values: dict[str, Any] = {}
            for column, value in raw.items():
                element = store.dictionary.element(definition.column(column).element)
                values[column], problems = coerce(element, value, store.dictionary.codelists)
                if problems:
                    raise YbtError(problems)
            values[payload["id_column"]] = payload["candidate_id"]
            key = record_key(definition, values, payload["org_unit"])
            if key is None:
                continue
            result = store.write(ledger_id, [PreparedRecord(key, payload["org_unit"], values, link["source_row"])],
                                 conn=conn, source_id=link["source_id"])
            counts = written.setdefault(ledger_id, {"inserted": 0, "updated": 0})
            counts["inserted"] += result.inserted
            counts["updated"] += result.updated
        conn.execute(update(schema.link).where(schema.link.c.id == link_id)
                     .values(status="confirmed", decided_by=by, decided_at=now))
        conn.execute(update(schema.link).where(
            schema.link.c.file_hash == link["file_hash"], schema.link.c.sheet == link["sheet"],
            schema.link.c.source_row == link["source_row"], schema.link.c.id != link_id,
            schema.link.c.status == "pending").values(status="rejected", decided_by=by, decided_at=now))
    return {"id": link_id, "status": "confirmed", "ledgers": written}


def reject_link(engine: Engine, link_id: int, by: str | None = None) -> dict[str, Any]:
    """Not the same person: nothing is written; the row stays in the queue's history."""
    _link(engine, link_id)
    with engine.begin() as conn:
        conn.execute(update(schema.link).where(schema.link.c.id == link_id)
                     .values(status="rejected", decided_by=by, decided_at=datetime.now(UTC)))
    return {"id": link_id, "status": "rejected"}


def _link(engine: Engine, link_id: int) -> dict[str, Any]:
    with engine.connect() as conn:
        row = conn.execute(select(schema.link).where(schema.link.c.id == link_id)).mappings().first()
    if row is None:
        raise YbtError(Problem("link-not-found", {"id": link_id}))
    if row["status"] != "pending":
        raise YbtError(Problem("link-decided", {"id": link_id, "status": row["status"]}))
    return dict(row)


def list_conflicts(engine: Engine, status: str | None = "open", ledger: str | None = None,
                   limit: int = 200, conflict_id: int | None = None, where: ColumnElement | None = None
                   ) -> list[dict[str, Any]]:
    """The oldest conflicts first; ``where`` narrows them in the query (a user's scope), before the limit."""
    k = schema.conflict
    old, new = schema.source.alias("old"), schema.source.alias("new")
    stmt = (select(k.c.id, k.c.ledger_id, k.c.record_id, k.c.record_key, k.c.column_name, k.c.kept, k.c.rule, k.c.old_value,
                   k.c.new_value, k.c.source_row, k.c.status, k.c.created_at,
                   old.c.file_name.label("old_file"), old.c.period.label("old_period"), old.c.actor.label("old_actor"),
                   new.c.file_name.label("new_file"), new.c.period.label("new_period"))
            .select_from(k.outerjoin(old, old.c.id == k.c.old_source_id).join(new, new.c.id == k.c.new_source_id))
            .order_by(k.c.id).limit(limit))
    if status:
        stmt = stmt.where(k.c.status == status)
    if ledger:
        stmt = stmt.where(k.c.ledger_id == ledger)
    if conflict_id is not None:
        stmt = stmt.where(k.c.id == conflict_id)
    if where is not None:
        stmt = stmt.where(where)
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(stmt).mappings()]


def count_conflicts(engine: Engine, status: str | None = "open", where: ColumnElement | None = None) -> int:
    k = schema.conflict
    stmt = select(func.count()).select_from(k)
    if status:
        stmt = stmt.where(k.c.status == status)
    if where is not None:
        stmt = stmt.where(where)
    with engine.connect() as conn:
        return conn.execute(stmt).scalar_one()


def conflict_ledgers(engine: Engine, status: str | None = "open", conflict_id: int | None = None) -> list[str]:
    """The ledgers that have conflicts (of that status, or that one conflict)."""
    k = schema.conflict
    stmt = select(k.c.ledger_id).distinct()
    if status:
        stmt = stmt.where(k.c.status == status)
    if conflict_id is not None:
        stmt = stmt.where(k.c.id == conflict_id)
    with engine.connect() as conn:
        return sorted(conn.execute(stmt).scalars())


def resolve_conflict(engine: Engine, conflict_id: int, by: str | None = None) -> dict[str, Any]:
    """Mark a conflict as reviewed (the value the record keeps is changed, if at all, by editing it)."""
    with engine.begin() as conn:
        done = conn.execute(update(schema.conflict).where(schema.conflict.c.id == conflict_id)
                            .values(status="resolved", resolved_by=by, resolved_at=datetime.now(UTC))).rowcount
    if not done:
        raise YbtError(Problem("conflict-not-found", {"id": conflict_id}))
    return {"id": conflict_id, "status": "resolved"}
