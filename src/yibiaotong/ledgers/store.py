"""The ledger store: create ledgers, add columns, upsert by key, edit with a version check, history.

Every operation runs in one transaction: when it raises, the database is as it was before.
"""

from __future__ import annotations

import json
import json.encoder
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from itertools import compress, repeat
from operator import itemgetter, ne
from typing import Any, Protocol

from alembic.migration import MigrationContext
from alembic.operations import Operations
from sqlalchemy import Connection, Engine, MetaData, Table, and_, func, insert, select, update
from sqlalchemy.exc import SQLAlchemyError

from yibiaotong.elements.dictionary import Dictionary
from yibiaotong.elements.validate import coerce, mask
from yibiaotong.errors import Problem, YbtError
from yibiaotong.ledgers.definition import ORG_UNIT_KEY, ColumnDef, LedgerDef
from yibiaotong.ledgers.provenance import Source
from yibiaotong.ledgers.tables import data_column, ledger_table
from yibiaotong.store import schema

BATCH = 1000


@dataclass
class UpsertResult:
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    source_id: int | None = None
    duplicate_keys: int = 0

    @property
    def changed(self) -> bool:
        return bool(self.inserted or self.updated)


@dataclass
class PreparedRecord:
    key: str
    org_unit: str
    values: dict[str, Any]
    row: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class RecordColumns:
    """Records as columns, as an import holds a chunk of a sheet: per record its key, org unit
    and source row, and per ledger column the values in record order."""

    keys: Sequence[str]
    org_units: Sequence[str]
    rows: Sequence[int | None]
    values: dict[str, Sequence[Any]]

    def __len__(self) -> int:
        return len(self.keys)

    def records(self) -> list[PreparedRecord]:
        names = list(self.values)
        return [PreparedRecord(k, o, dict(zip(names, vals)), r)
                for k, o, r, vals in zip(self.keys, self.org_units, self.rows, zip(*self.values.values()))]


class LedgerStore:
    """Ledgers of one database, typed by one dictionary."""

    def __init__(self, engine: Engine, dictionary: Dictionary | None = None):
        self.engine = engine
        self.dictionary = dictionary if dictionary is not None else Dictionary.from_db(engine)
        self._tables: dict[str, tuple[LedgerDef, Table]] = {}
        self._memo = ValueMemo()  # what the bulk path converted or encoded, kept from batch to batch

    # --- definitions ------------------------------------------------------------------------

    def create_ledger(self, definition: LedgerDef) -> LedgerDef:
        return self.create_ledgers([definition])[0]

    def create_ledgers(self, definitions: list[LedgerDef]) -> list[LedgerDef]:
        """Create ledgers in one transaction: all of them, or (on any problem) none."""
        problems = [p for d in definitions for p in d.check(self.dictionary)]
        if problems:
            raise YbtError(problems)
        now = _now()
        with self._transaction("create-ledger") as conn:
            for definition in definitions:
                if conn.execute(select(schema.ledger.c.id).where(schema.ledger.c.id == definition.id)).first():
                    raise YbtError(Problem("ledger-exists", {"ledger": definition.id}))
                ledger_table(definition, self.dictionary).create(conn)
                conn.execute(insert(schema.ledger).values(
                    id=definition.id, name=definition.name, subject=definition.subject,
                    table_name=definition.table_name, key_columns=list(definition.key),
                    definition=definition.to_dict(), created_at=now))
                conn.execute(insert(schema.ledger_column), [
                    {"ledger_id": definition.id, "name": c.column, "element_id": c.element, "position": i,
                     "added_at": now} for i, c in enumerate(definition.columns)])
                self._tables.pop(definition.id, None)
        return definitions

    def ledger(self, ledger_id: str) -> LedgerDef:
        return self._ledger_and_table(ledger_id)[0]

    def table(self, ledger_id: str) -> Table:
        """The ledger's SQLAlchemy table, for queries built elsewhere (scope, reports, rules)."""
        return self._ledger_and_table(ledger_id)[1]

    def definition_and_table(self, ledger_id: str) -> tuple[LedgerDef, Table]:
        return self._ledger_and_table(ledger_id)

    def shown_key(self, ledger_id: str, key: str) -> str:
        """A record key as people may see it: ID numbers and phones in it masked."""
        definition = self.ledger(ledger_id)
        parts = str(key).split("|")
        out = []
        for name, part in zip(definition.key, parts):
            element = None if name == ORG_UNIT_KEY else self.dictionary.elements.get(definition.column(name).element)
            out.append(mask(element, part) if element is not None and part and (
                element.type in ("id_number", "phone", "mobile") or element.is_sensitive) else part)
        return "|".join(out)

    def ledgers(self) -> list[LedgerDef]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(schema.ledger.c.definition).order_by(schema.ledger.c.id)).scalars().all()
        return [LedgerDef.from_dict(d) for d in rows]

    def add_column(self, ledger_id: str, column: ColumnDef) -> LedgerDef:
        """Add a column to a ledger that may hold data; existing records keep every value."""
        definition, table = self._ledger_and_table(ledger_id)
        if column.column in definition.column_names:
            raise YbtError(Problem("column-exists", {"ledger": ledger_id, "column": column.column}))
        new = LedgerDef(definition.id, definition.name, definition.subject, definition.key,
                        definition.columns + (column,), definition.department, definition.description)
        problems = new.check(self.dictionary)
        if problems:
            raise YbtError(problems)
        with self._transaction("add-column") as conn:
            # Alembic's Operations emits the right ALTER TABLE for each dialect
            Operations(MigrationContext.configure(conn)).add_column(
                table.name, data_column(column.column, self.dictionary.element(column.element)))
            conn.execute(insert(schema.ledger_column).values(
                ledger_id=ledger_id, name=column.column, element_id=column.element,
                position=len(definition.columns), added_at=_now()))
            conn.execute(update(schema.ledger).where(schema.ledger.c.id == ledger_id).values(definition=new.to_dict()))
        self._tables.pop(ledger_id, None)
        return new

    # --- writing ----------------------------------------------------------------------------

    def prepare(self, ledger_id: str, rows: Iterable[Mapping[str, Any]], *, org_unit: str | None = None,
                known_org_units: set[str] | None = None) -> tuple[list[PreparedRecord], list[Problem]]:
        """Coerce and check input rows; returns the good records and every problem of the bad ones.

        A row is a mapping of column name to raw value, plus optionally ``_org_unit`` and ``_row``
        (the row number in the source file, for error locations and provenance).
        """
        definition, _table = self._ledger_and_table(ledger_id)
        elements = {c.column: self.dictionary.element(c.element) for c in definition.columns}
        codelists = self.dictionary.codelists
        if known_org_units is None:
            known_org_units = self._org_unit_codes()
        good: list[PreparedRecord] = []
        problems: list[Problem] = []
        for index, row in enumerate(rows, start=1):
            source_row = row.get("_row", index)
            row_problems: list[Problem] = []
            values: dict[str, Any] = {}
            for name, raw in row.items():
                if name.startswith("_"):
                    continue
                element = elements.get(name)
                if element is None:
                    row_problems.append(Problem("unknown-column", {"ledger": ledger_id, "column": name}))
                    continue
                value, found = coerce(element, raw, codelists)
                row_problems.extend(p.at(column=name) for p in found)
                values[name] = value
            unit = str(row.get("_org_unit") or org_unit or "").strip()
            if not unit or unit not in known_org_units:
                row_problems.append(Problem("unknown-org-unit", {"org_unit": unit or "（空）"}))
            key_parts = []
            for k in definition.key:
                value = unit if k == ORG_UNIT_KEY else values.get(k)
                if value in (None, ""):
                    row_problems.append(Problem("missing-key", {"column": k}, {"column": k}))
                key_parts.append(key_text(value))
            key = "|".join(key_parts)
            if row_problems:
                # the location shows the key as people may see it: an ID number masked, never in full
                shown = "|".join(unit if k == ORG_UNIT_KEY else mask(elements[k], values.get(k))
                                 if values.get(k) is not None else "" for k in definition.key)
                problems.extend(p.at(ledger=ledger_id, row=source_row, record=shown.strip("|") or None)
                                for p in row_problems)
            else:
                good.append(PreparedRecord(key, unit, values, source_row))
        return good, problems

    def upsert(self, ledger_id: str, rows: Iterable[Mapping[str, Any]], *, source: Source | None = None,
               org_unit: str | None = None) -> UpsertResult:
        """Insert new records and update changed ones by key; all or nothing.

        Any invalid row makes the whole call fail with every problem listed (callers that want
        to keep the good rows use :meth:`prepare` and :meth:`write`).
        """
        records, problems = self.prepare(ledger_id, rows, org_unit=org_unit)
        if problems:
            raise YbtError(problems)
        return self.write(ledger_id, records, source=source)

    def write(self, ledger_id: str, records: list[PreparedRecord], *, source: Source | None = None,
              conn: Connection | None = None, source_id: int | None = None,
              arbiter: Arbiter | None = None, assume_new: bool = False) -> UpsertResult:
        """Write prepared records in one transaction (or inside the caller's ``conn``).

        ``source_id`` reuses a source already recorded in this transaction (an import writes many
        batches from one file); ``arbiter(old_row, record, changed)`` (an :class:`Arbiter`) may drop
        changes of existing records (which value wins when two sources disagree) and returns the
        changes to apply.
        ``assume_new``: the caller knows no record has these keys (an import into a ledger that was
        empty when its transaction began), so they are not looked up; were it wrong, the unique
        key makes the transaction fail rather than duplicate a record.
        """
        if conn is None:
            with self._transaction("upsert") as own:
                return self.write(ledger_id, records, source=source, conn=own, source_id=source_id, arbiter=arbiter,
                                  assume_new=assume_new)
        definition, table = self._ledger_and_table(ledger_id)
        merged = _merge_duplicates(records)
        result = UpsertResult(duplicate_keys=len(records) - len(merged))
        if source_id is None:
            source_id = (source or Source()).record(conn)
        result.source_id = source_id
        for start in range(0, len(merged), BATCH):
            self._write_batch(conn, ledger_id, table, merged[start:start + BATCH], source_id, result, arbiter,
                              assume_new)
        return result

    def insert_new(self, ledger_id: str, records: RecordColumns, *, conn: Connection, source_id: int
                   ) -> UpsertResult:
        """Insert records the caller knows are new (distinct keys that no record has), with their
        history (runs), inside the caller's transaction: the bulk path of an import, column by column.
        Were a key not new after all, the unique key makes the transaction fail rather than
        duplicate a record."""
        _definition, table = self._ledger_and_table(ledger_id)
        result = UpsertResult(inserted=len(records), source_id=source_id)
        if not len(records):
            return result
        now = _now()
        ids = _insert_columns(conn, table, records, source_id, now, self._memo)
        _record_inserts(conn, ledger_id, ids, records.rows, source_id, now)
        return result

    def _write_batch(self, conn: Connection, ledger_id: str, table: Table, batch: list[PreparedRecord],
                     source_id: int, result: UpsertResult, arbiter: Arbiter | None = None,
                     assume_new: bool = False) -> None:
        now = _now()
        existing = {} if assume_new else _existing(conn, table, batch, arbiter)
        new = [p for p in batch if p.key not in existing]
        history: list[tuple] = []
        if new:
            ids = _insert_records(conn, table, new, source_id, now)
            _record_inserts(conn, ledger_id, ids, [p.row for p in new], source_id, now)
            result.inserted += len(new)
        updates: dict[tuple[str, ...], list[tuple[dict[str, Any], int, int]]] = {}
        paths: dict[str, str] | None = None
        proposed: list[tuple[PreparedRecord, Any, dict[str, Any]]] = []
        pairs = [(p, old) for p in batch if (old := existing.get(p.key)) is not None]
        for (p, old), changed in zip(pairs, _changes(pairs)):
            if p.org_unit != old._org_unit:
                if paths is None:
                    paths = dict(conn.execute(select(schema.org_unit.c.code, schema.org_unit.c.path)).all())
                # a row placed no closer than a unit above the record's (a district roster names the
                # village of a person kept in one of its grids) says nothing new of where it is: a
                # record moves to another unit, or down to a closer one, never up to a vaguer one
                if not _above(paths, p.org_unit, old._org_unit):
                    changed["_org_unit"] = p.org_unit
            if not changed:
                result.unchanged += 1
                continue
            proposed.append((p, old, changed))
        if arbiter is not None and proposed:
            arbiter.look_up([old._id for _p, old, _changed in proposed])  # what it needs of them, at once
        for p, old, changed in proposed:
            if arbiter is not None:
                changed = arbiter(old, p, changed)
            if not changed:
                result.unchanged += 1
                continue
            version = old._version + 1
            for k, v in sorted(changed.items()):
                history.append((ledger_id, old._id, version, "update", k, getattr(old, k), v, source_id, p.row, now))
            updates.setdefault(tuple(sorted(changed)), []).append((changed, old._id, old._version))
            result.updated += 1
        for columns, changes in updates.items():
            done = _update_rows(conn, table, columns, changes, now, source_id)
            if done != len(changes):  # a concurrent writer changed some of these rows since we read them
                raise YbtError(Problem("version-conflict", {"expected": "?", "actual": "?"}, {"ledger": ledger_id}))
        _insert_history(conn, history)  # the bulk path, JSON exactly as the column type writes it

    def update(self, ledger_id: str, key: str, changes: Mapping[str, Any], *, expected_version: int,
               source: Source | None = None) -> dict[str, Any]:
        """Edit one record; fails with ``version-conflict`` if someone changed it since ``expected_version``.

        Unlike :meth:`upsert`, an empty value here clears the stored value.
        """
        definition, table = self._ledger_and_table(ledger_id)
        problems, values = [], {}
        for name, raw in changes.items():
            try:
                element = self.dictionary.element(definition.column(name).element)
            except YbtError as exc:
                problems.extend(exc.problems)
                continue
            value, found = coerce(element, raw, self.dictionary.codelists)
            problems.extend(p.at(column=name, ledger=ledger_id, record=self.shown_key(ledger_id, key)) for p in found)
            values[name] = value
        if any(values.get(k) in (None, "") for k in definition.key if k in values):
            problems.append(Problem("missing-key", {"column": ",".join(definition.key)},
                                    {"ledger": ledger_id, "record": self.shown_key(ledger_id, key)}))
        if problems:
            raise YbtError(problems)
        with self._transaction("update") as conn:
            old = conn.execute(select(table).where(table.c._key == key)).first()
            if old is None:
                raise YbtError(Problem("record-not-found", {"ledger": ledger_id, "key": self.shown_key(ledger_id, key)}))
            if old._version != expected_version:
                raise YbtError(Problem("version-conflict", {"expected": expected_version, "actual": old._version},
                                       {"ledger": ledger_id, "record": self.shown_key(ledger_id, key)}))
            changed = {k: v for k, v in values.items() if not _same(getattr(old, k), v)}
            if not changed:
                return self._as_dict(old)
            now, version = _now(), old._version + 1
            new_key = "|".join(key_text(changed.get(k, getattr(old, k))) for k in definition.key)  # _org_unit is a column too
            done = conn.execute(update(table).where(and_(table.c._id == old._id, table.c._version == expected_version))
                                .values(**changed, _key=new_key, _version=version, _updated_at=now)).rowcount
            if done != 1:  # lost a race between our read and our write
                raise YbtError(Problem("version-conflict", {"expected": expected_version, "actual": expected_version + 1},
                                       {"ledger": ledger_id, "record": self.shown_key(ledger_id, key)}))
            source_id = (source or Source()).record(conn)
            conn.execute(update(table).where(table.c._id == old._id).values(_source_id=source_id))
            conn.execute(insert(schema.change), [
                _change(ledger_id, old._id, version, "update", k, getattr(old, k), v, source_id, None, now)
                for k, v in sorted(changed.items())])
            return self._as_dict(conn.execute(select(table).where(table.c._id == old._id)).one())

    # --- reading ----------------------------------------------------------------------------

    def get(self, ledger_id: str, key: str) -> dict[str, Any]:
        _definition, table = self._ledger_and_table(ledger_id)
        with self.engine.connect() as conn:
            row = conn.execute(select(table).where(table.c._key == key)).first()
        if row is None:
            raise YbtError(Problem("record-not-found", {"ledger": ledger_id, "key": self.shown_key(ledger_id, key)}))
        return self._as_dict(row)

    def count(self, ledger_id: str) -> int:
        _definition, table = self._ledger_and_table(ledger_id)
        with self.engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(table)).scalar_one())

    def records(self, ledger_id: str, *, org_unit_path: str | None = None, limit: int = 50,
                offset: int = 0) -> list[dict[str, Any]]:
        """Records in key order; ``org_unit_path`` limits them to one unit and everything below it."""
        _definition, table = self._ledger_and_table(ledger_id)
        stmt = select(table).order_by(table.c._id).limit(limit).offset(offset)
        if org_unit_path:
            units = select(schema.org_unit.c.code).where(schema.org_unit.c.path.startswith(org_unit_path))
            stmt = stmt.where(table.c._org_unit.in_(units))
        with self.engine.connect() as conn:
            return [self._as_dict(r) for r in conn.execute(stmt)]

    def history(self, ledger_id: str, key: str) -> list[dict[str, Any]]:
        """Every change of the record, oldest first, with its source (file, sheet, row, user). Its
        insert comes first with the values it was inserted with, whether it was recorded as a change
        of its own or in a run (see ``schema.change_run``)."""
        record = self.get(ledger_id, key)
        c, s = schema.change, schema.source
        stmt = (select(c.c.version, c.c.op, c.c.column_name, c.c.old_value, c.c.new_value, c.c.changed_at,
                       c.c.source_row, *_SOURCE_FIELDS)
                .join(s, s.c.id == c.c.source_id)
                .where(c.c.ledger_id == ledger_id, c.c.record_id == record["_id"])
                .order_by(c.c.id))
        with self.engine.connect() as conn:
            changes = [dict(r) for r in conn.execute(stmt).mappings()]
            kept = [change for change in changes if change["op"] == "insert"]
            run = None if kept else insert_run(conn, ledger_id, record["_id"], _SOURCE_FIELDS)
        if kept:
            # migration 0013's downgrade writes a run back as insert changes after the record's
            # updates and without its values: listed first, with the values as inserted
            changes = kept + [change for change in changes if change["op"] != "insert"]
            for change in kept:
                if change["new_value"] is None:
                    change["new_value"] = _as_inserted(record, changes)
        elif run is not None:
            changes.insert(0, {"version": 1, "op": "insert", "column_name": None, "old_value": None,
                               "new_value": _as_inserted(record, changes), **run})
        return changes

    # --- internals --------------------------------------------------------------------------

    def _ledger_and_table(self, ledger_id: str) -> tuple[LedgerDef, Table]:
        if ledger_id not in self._tables:
            with self.engine.connect() as conn:
                d = conn.execute(select(schema.ledger.c.definition).where(schema.ledger.c.id == ledger_id)).scalar()
            if d is None:
                raise YbtError(Problem("unknown-ledger", {"ledger": ledger_id}))
            definition = LedgerDef.from_dict(d)
            self._tables[ledger_id] = (definition, ledger_table(definition, self.dictionary, MetaData()))
        return self._tables[ledger_id]

    def _org_unit_codes(self) -> set[str]:
        with self.engine.connect() as conn:
            return set(conn.execute(select(schema.org_unit.c.code)).scalars())

    def _transaction(self, step: str):
        return _Transaction(self.engine, step)

    @staticmethod
    def _as_dict(row) -> dict[str, Any]:
        return dict(row._mapping)


class _Transaction:
    """engine.begin() that turns unexpected database errors into a ``database-error`` problem."""

    def __init__(self, engine: Engine, step: str):
        self._cm = engine.begin()
        self.step = step
        self._driver_error = engine.dialect.dbapi.Error  # the bulk paths use the driver's cursor

    def __enter__(self) -> Connection:
        return self._cm.__enter__()

    def __exit__(self, exc_type, exc, tb):
        suppressed = self._cm.__exit__(exc_type, exc, tb)  # rolls back on any exception
        if isinstance(exc, (SQLAlchemyError, self._driver_error)):
            raise YbtError(Problem("database-error", {"reason": f"{self.step}: {exc.__class__.__name__}: {str(exc.orig if hasattr(exc, 'orig') else exc)[:300]}"})) from exc
        return suppressed


# --- bulk writing ----------------------------------------------------------------------------
# New records and the history of changed values go in with the driver's own bulk path (executemany on
# SQLite, COPY on PostgreSQL) instead of SQLAlchemy's per-row statement machinery: an import of
# a million rows spends most of its time here. Values pass through the same SQLAlchemy bind
# processors, so what is stored is exactly what a Core insert would store.

class Arbiter(Protocol):
    """Decides which changes of an existing record are applied (the import's is
    :class:`yibiaotong.ingest.conflicts.Arbiter`)."""

    #: columns of a stored record it may read besides those a change names (read once per batch)
    reads: Collection[str]

    def look_up(self, record_ids: list[int]) -> None:
        """Told a batch's changed records before it is asked about each."""

    def __call__(self, old: Any, record: PreparedRecord, changed: dict[str, Any]) -> dict[str, Any]:
        """The changes of ``old`` (its stored row) to apply, of those ``record`` proposes."""


_META_COLUMNS = ("_id", "_key", "_version", "_org_unit")  # what the upsert reads of a stored record
# types whose == is what _same decides: a column of them is compared in C, a value at a time only
# where it differs (Decimals and datetimes are compared by _same itself)
_PLAIN = frozenset({str, int, bool, float, date, type(None)})


def _existing(conn: Connection, table: Table, batch: list[PreparedRecord], arbiter: Arbiter | None
              ) -> dict[str, Any]:
    """The stored records a batch's keys name, by key: only the columns the batch writes and those
    the arbiter reads (every column read costs its result processing, a date's a parse)."""
    names = set(_META_COLUMNS)
    for p in batch:
        names.update(p.values)
    if arbiter is not None:
        names.update(arbiter.reads)
    columns = [c for c in table.columns if c.name in names]
    rows = conn.execute(select(*columns).where(table.c._key.in_([p.key for p in batch]))).all()
    return {r._key: r for r in rows}


def _changes(pairs: list[tuple[PreparedRecord, Any]]) -> list[dict[str, Any]]:
    """Per (record, its stored row), the values the row does not hold already (an empty value
    changes nothing), in the order the batch's records first name their columns. Column by column: a month's roster imported
    over last month's changes a column or two of each record, and comparing a column at once in C
    spares a Python step per value."""
    out: list[dict[str, Any]] = [{} for _pair in pairs]
    if not pairs:
        return out
    names = dict.fromkeys(k for p, _old in pairs for k in p.values)
    rows = [old for _p, old in pairs]
    fields = rows[0]._fields  # the rows of one query: a column is at the same place in each
    for name in names:
        news = [p.values.get(name) for p, _old in pairs]
        olds = list(map(itemgetter(fields.index(name)), rows))  # by place: a Row's getattr is slower
        if set(map(type, news)) | set(map(type, olds)) <= _PLAIN:
            differ = compress(range(len(pairs)), map(ne, olds, news))
        else:
            differ = (i for i, (o, v) in enumerate(zip(olds, news)) if not _same(o, v))
        for i in differ:
            if news[i] is not None:
                out[i][name] = news[i]
    return out


def _update_rows(conn: Connection, table: Table, columns: tuple[str, ...], changes: list[tuple[dict[str, Any], int, int]],
                 now: datetime, source_id: int) -> int:
    """Apply the same set of changed ``columns`` to records given as (changes, id, version read);
    returns how many rows matched their version. On SQLite through the driver's executemany, the
    values through the columns' bind processors (SQLAlchemy's statement machinery costs several
    µs a row); elsewhere through SQLAlchemy."""
    if conn.dialect.name != "sqlite":
        stmt = (update(table)
                .where(and_(table.c._id == _bind("b_id"), table.c._version == _bind("b_version")))
                .values({**{c: _bind(f"v_{c}") for c in columns}, "_version": table.c._version + 1,
                         "_updated_at": now, "_source_id": source_id}))
        return conn.execute(stmt, [{**{f"v_{k}": v for k, v in changed.items()}, "b_id": record_id,
                                    "b_version": version} for changed, record_id, version in changes]).rowcount
    quote = conn.dialect.identifier_preparer.quote
    values = [_processed_column(conn, table.c[c], [changed[c] for changed, _id, _v in changes]) for c in columns]
    stamp = _sql_literal(_processed(conn, table.c._updated_at, now))
    sets = ", ".join([*(f"{quote(c)} = ?" for c in columns), '"_version" = "_version" + 1',
                      f'"_updated_at" = {stamp}', f'"_source_id" = {_sql_literal(source_id)}'])
    cursor = conn.connection.dbapi_connection.cursor()
    try:
        cursor.executemany(f'UPDATE {quote(table.name)} SET {sets} WHERE "_id" = ? AND "_version" = ?',
                           zip(*values, [i for _c, i, _v in changes], [v for _c, _i, v in changes]))
        return cursor.rowcount
    finally:
        cursor.close()
_MISSING = object()
_CHANGE_COLUMNS = ("ledger_id", "record_id", "version", "op", "column_name", "old_value", "new_value",
                   "source_id", "source_row", "changed_at")


def _insert_records(conn: Connection, table: Table, records: list[PreparedRecord], source_id: int,
                    now: datetime) -> list[int]:
    """Insert new records; returns their ``_id`` in the order given."""
    data = [c.name for c in table.columns if not c.name.startswith("_")]
    columns = RecordColumns([p.key for p in records], [p.org_unit for p in records], [p.row for p in records],
                            {name: [p.values.get(name) for p in records] for name in data})
    return _insert_columns(conn, table, columns, source_id, now)


def _insert_columns(conn: Connection, table: Table, records: RecordColumns, source_id: int,
                    now: datetime, memo: ValueMemo | None = None) -> list[int]:
    """Insert new records given as columns; returns their ``_id`` in record order. Each column's
    values pass through the column type's bind processor once per distinct value."""
    n = len(records)
    # the columns the records fill: one that no record of the batch fills is left to its default
    # (NULL) rather than bound, since SQLite's driver binds a None through its adaptation protocol
    # (~0.6 µs a value: most of an insert into a ledger of fifty columns a form gives five of)
    data = [c.name for c in table.columns if not c.name.startswith("_")
            and (given := records.values.get(c.name)) is not None and given.count(None) != n]
    stamp = _processed(conn, table.c._created_at, now)  # the same moment for every row: converted once
    memo = memo if memo is not None else ValueMemo()
    values = [_processed_column(conn, table.c[name], records.values[name], memo) for name in data]
    same = {"_version": 1, "_created_at": stamp, "_updated_at": stamp, "_source_id": source_id}  # every record's
    # inserted in the order of their keys: each insert into the unique key's index then lands beside
    # the one before it (pages already in the CPU's cache) rather than anywhere in the tree, which
    # takes SQLite's inserts into a ledger of a million random ID numbers ~15-20% less time
    keys = records.keys
    order = sorted(range(n), key=keys.__getitem__)
    columns = [keys, records.org_units, *values]
    if any(map(ne, order, range(n))):
        columns = [list(map(column.__getitem__, order)) for column in columns]
    if conn.dialect.name == "postgresql":
        from yibiaotong.ledgers import copytext  # psycopg's: only where PostgreSQL is used

        # reserve the ids first, so the history rows can point at them without reading back
        seq = conn.execute(select(func.pg_get_serial_sequence(table.name, "_id"))).scalar_one()
        reserved = list(conn.execute(select(func.nextval(seq)).select_from(func.generate_series(1, n))).scalars())
        copied = [reserved, *columns[:2], *([v] * n for v in same.values()), *columns[2:]]
        _copy(conn, table, ["_id", "_key", "_org_unit", *same, *data],
              lambda copy, cursor: copytext.write_columns(copy, cursor, copied))
        return _in_record_order(order, reserved)
    _execute_rows(conn, table, ["_key", "_org_unit", *data], zip(*columns), same)
    # SQLite gives a table without AUTOINCREMENT the ids max+1, max+2 ... and this transaction is
    # the only writer until it commits, so the ids are the last one and those just before it, in
    # the order inserted; checked against the first and last key, and read back by key should
    # that ever not hold.
    last = conn.exec_driver_sql("SELECT last_insert_rowid()").scalar_one()
    first = last - n + 1
    probe = dict(conn.execute(select(table.c._id, table.c._key).where(table.c._id.in_([first, last]))).all())
    if probe.get(first) == keys[order[0]] and probe.get(last) == keys[order[-1]]:
        return _in_record_order(order, range(first, last + 1))
    by_key: dict[str, int] = {}
    for start in range(0, n, BATCH):
        by_key.update(conn.execute(select(table.c._key, table.c._id)
                                   .where(table.c._key.in_(list(keys[start:start + BATCH])))).all())
    return [by_key[k] for k in keys]


def _in_record_order(order: Sequence[int], ids: Sequence[int]) -> list[int]:
    """The ids of records inserted in ``order`` (record indexes), listed by record."""
    out = [0] * len(order)
    for record, record_id in zip(order, ids):
        out[record] = record_id
    return out


def _record_inserts(conn: Connection, ledger_id: str, ids: list[int], rows: Sequence[int | None], source_id: int,
                    now: datetime) -> None:
    """The history of records just inserted: one ``change_run`` per run of consecutive ids."""
    if not ids:
        return
    if ids[-1] - ids[0] == len(ids) - 1 and ids == list(range(ids[0], ids[-1] + 1)):  # in record order
        parts = [(ids, list(rows))]
    elif max(ids) - min(ids) == len(ids) - 1 and len(set(ids)) == len(ids):  # inserted in another order
        pairs = sorted(zip(ids, rows))
        parts = [(list(map(itemgetter(0), pairs)), list(map(itemgetter(1), pairs)))]
    else:
        pairs = sorted(zip(ids, rows))
        parts, begin = [], 0
        for i in range(1, len(pairs) + 1):
            if i == len(pairs) or pairs[i][0] != pairs[i - 1][0] + 1:
                parts.append(([p[0] for p in pairs[begin:i]], [p[1] for p in pairs[begin:i]]))
                begin = i
    conn.execute(insert(schema.change_run), [
        {"ledger_id": ledger_id, "first_id": part_ids[0], "last_id": part_ids[-1], "source_id": source_id,
         "source_rows": None if rows_of.count(None) == len(rows_of) else rows_of, "changed_at": now}
        for part_ids, rows_of in parts])


_SOURCE_FIELDS = tuple(schema.source.c[name] for name in (
    "kind", "actor", "file_name", "file_hash", "sheet", "period", "task", "note"))


def insert_run(conn: Connection, ledger_id: str, record_id: int, fields: Sequence[Any] = ()
               ) -> dict[str, Any] | None:
    """Where the record came from if it was inserted in a run: ``source_id``, ``source_row``,
    ``changed_at`` and the source's ``fields`` asked for; None if it was not."""
    r, s = schema.change_run, schema.source
    run = conn.execute(
        select(r.c.first_id, r.c.last_id, r.c.source_rows, r.c.changed_at, r.c.source_id, *fields)
        .join(s, s.c.id == r.c.source_id)
        .where(r.c.ledger_id == ledger_id, r.c.first_id <= record_id)
        .order_by(r.c.first_id.desc()).limit(1)).mappings().first()
    if run is None or run["last_id"] < record_id:
        return None
    rows = run["source_rows"]
    return {"changed_at": run["changed_at"], "source_row": rows[record_id - run["first_id"]] if rows else None,
            "source_id": run["source_id"], **{f.name: run[f.name] for f in fields}}


def _above(paths: Mapping[str, str], upper: str, lower: str) -> bool:
    """Is ``upper`` a unit above ``lower`` in the org tree (materialized paths)?"""
    top, path = paths.get(upper), paths.get(lower)
    return bool(top and path) and path != top and path.startswith(top)


def _as_inserted(record: Mapping[str, Any], changes: list[Mapping[str, Any]]) -> dict[str, Any]:
    """The record's values when it was inserted, as an insert change holds them (JSON, empty
    values left out): its values now, each update undone from the latest back."""
    values = {"_org_unit": record["_org_unit"],
              **{k: _jsonable(v) for k, v in record.items() if not k.startswith("_")}}
    for change in reversed(changes):
        if change["op"] == "update" and change["column_name"] in values:
            values[change["column_name"]] = change["old_value"]
    return {k: v for k, v in values.items() if v is not None}


class ValueMemo:
    """Values already converted, by what converted them: the bulk path of an import meets the same
    dates, amounts and labels in every batch, so each is converted for the driver once per import
    rather than once per batch. Bounded: a table is emptied when it gets large."""

    LIMIT = 200_000

    def __init__(self) -> None:
        self._tables: dict[Any, dict[Any, Any]] = {}

    def table(self, owner: Any) -> dict[Any, Any]:
        table = self._tables.get(owner)
        if table is None or len(table) > self.LIMIT:
            table = self._tables[owner] = {}
        return table


def _processed_column(conn: Connection, column, values: Sequence[Any], memo: ValueMemo | None = None
                      ) -> Sequence[Any]:
    """The values as the driver takes them (the column type's bind processor), each distinct value converted once."""
    process = column.type._cached_bind_processor(conn.dialect)
    if process is None:
        return values
    kinds = set(map(type, values))
    kinds.discard(type(None))
    if datetime in kinds:  # equal moments at other offsets are equal, but not stored alike
        return [process(value) for value in values]
    if len(kinds) == 1:  # one type: keyed by the value itself, looked up by map
        seen = (memo if memo is not None else ValueMemo()).table((process, *kinds))
        try:
            found = list(map(seen.get, values, repeat(_MISSING)))
        except TypeError:  # not hashable
            return [process(value) for value in values]
        if _MISSING in found:
            for i, value in enumerate(found):
                if value is _MISSING:
                    found[i] = seen[values[i]] = process(values[i])
        return found
    typed: dict[tuple[type, Any], Any] = {}
    out = []
    for value in values:
        key = (value.__class__, value)
        try:
            found = typed.get(key, _MISSING)
        except TypeError:  # not hashable
            out.append(process(value))
            continue
        if found is _MISSING:
            found = typed[key] = process(value)
        out.append(found)
    return out


def _insert_history(conn: Connection, rows: list[tuple]) -> None:
    if not rows:
        return
    dumps = _json_dumps(conn)
    null = dumps(None)
    stamp = _processed(conn, schema.change.c.changed_at, rows[0][9])
    # a changed value's history row: its old and new value as JSON (what the JSON type would store)
    _bulk(conn, schema.change, list(_CHANGE_COLUMNS),
          [[r[0], r[1], r[2], r[3], r[4], null if r[5] is None else dumps(r[5]), dumps(r[6]), r[7], r[8], stamp]
           for r in rows], done={"old_value", "new_value", "changed_at"})


def _processed(conn: Connection, column, value: Any) -> Any:
    process = column.type._cached_bind_processor(conn.dialect)
    return value if process is None else process(value)


def _json_dumps(conn: Connection) -> Callable[[Any], str]:
    """What the JSON column stores for a value, dates and Decimals written as :func:`_jsonable` writes
    them (the encoder converts them as it meets them instead of a pass over every value first)."""
    if getattr(conn.dialect, "_json_serializer", None) is None:
        return _C_DUMPS or _ENCODER.encode
    process = schema.change.c.new_value.type._cached_bind_processor(conn.dialect)
    return lambda value: process(_jsonable(value))


def _json_default(value: Any) -> Any:
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value, "f")
    return str(value)


_ENCODER = json.JSONEncoder(default=_json_default)
# json.dumps builds a new C encoder on every call; an import may update many values, so one
# encoder is built once (same separators, ASCII escapes and NaN handling as json.dumps; the values
# are flat, so the circular-reference check is left out)
_C_ENCODER = json.encoder.c_make_encoder and json.encoder.c_make_encoder(
    None, _json_default, json.encoder.encode_basestring_ascii, None, ": ", ", ", False, False, True)
_C_DUMPS = (lambda value: "".join(_C_ENCODER(value, 0))) if _C_ENCODER else None


def _bulk(conn: Connection, table: Table, columns: list[str], rows: list[list[Any]],
          done: set[str] = frozenset()) -> None:
    """Insert rows (lists in ``columns`` order; changed in place) through the driver; ``done``
    names columns whose values are already converted for the driver."""
    if not rows:
        return
    dialect = conn.dialect
    for i, name in enumerate(columns):
        process = None if name in done else table.c[name].type._cached_bind_processor(dialect)
        if process is not None:
            seen: dict[Any, Any] = {}  # dates and amounts repeat: convert each distinct value once
            for row in rows:
                value = row[i]
                if value is None:
                    row[i] = process(None)
                    continue
                try:
                    out = seen.get(value, _MISSING)
                except TypeError:  # not hashable
                    row[i] = process(value)
                    continue
                if out is _MISSING:
                    out = seen[value] = process(value)
                row[i] = out
    _execute_rows(conn, table, columns, rows)


def _execute_rows(conn: Connection, table: Table, columns: list[str], rows: Iterable[Sequence[Any]],
                  same: Mapping[str, int | str] | None = None) -> None:
    """Insert rows whose values the driver takes as they are: executemany on SQLite, COPY on PostgreSQL.
    ``same``: columns whose value is the same in every row (SQLite only), written into the statement
    once rather than bound a million times (numbers and the texts the bind processors made)."""
    if conn.dialect.name == "postgresql":
        assert not same, "COPY takes every value from the rows"
        from yibiaotong.ledgers import copytext  # psycopg's: only where PostgreSQL is used

        _copy(conn, table, columns, lambda copy, cursor: copytext.write_rows(copy, cursor, rows))
        return
    quote = conn.dialect.identifier_preparer.quote
    same = same or {}
    names = ", ".join(quote(c) for c in [*columns, *same])
    marks = ", ".join(["?"] * len(columns) + [_sql_literal(v) for v in same.values()])
    cursor = conn.connection.dbapi_connection.cursor()
    try:
        cursor.executemany(f"INSERT INTO {quote(table.name)} ({names}) VALUES ({marks})", rows)
    finally:
        cursor.close()


def _copy(conn: Connection, table: Table, columns: list[str], send: Callable[[Any, Any], None]) -> None:
    """PostgreSQL's COPY into ``columns`` of the table, the rows sent by ``send(copy, cursor)`` (:mod:`.copytext`)."""
    quote = conn.dialect.identifier_preparer.quote
    cursor = conn.connection.dbapi_connection.cursor()
    try:
        with cursor.copy(f"COPY {quote(table.name)} ({', '.join(map(quote, columns))}) FROM STDIN") as copy:
            send(copy, cursor)
    finally:
        cursor.close()


def _sql_literal(value: int | str) -> str:
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise TypeError(f"not a literal for an insert: {type(value).__name__}")
    return str(value) if isinstance(value, int) else "'" + value.replace("'", "''") + "'"


def _bind(name: str):
    from sqlalchemy import bindparam

    return bindparam(name)


def _merge_duplicates(records: list[PreparedRecord]) -> list[PreparedRecord]:
    """The same key twice in one input: later non-empty values win, in input order."""
    merged: dict[str, PreparedRecord] = {}
    for p in records:
        if p.key in merged:
            first = merged[p.key]
            merged[p.key] = PreparedRecord(p.key, p.org_unit, {**first.values, **{k: v for k, v in p.values.items()
                                                                                  if v is not None}}, p.row)
        else:
            merged[p.key] = p
    return list(merged.values())


def record_key(definition: LedgerDef, values: Mapping[str, Any], org_unit: str) -> str | None:
    """The record's natural key as :meth:`LedgerStore.prepare` builds it, or None if a part is empty."""
    parts = []
    for k in definition.key:
        value = org_unit if k == ORG_UNIT_KEY else values.get(k)
        if value is None or value == "":
            return None
        parts.append(key_text(value))
    return "|".join(parts)


def key_text(value: Any) -> str:
    """One part of a record's natural key as the ``_key`` column joins it."""
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    return "" if value is None else str(value)


def _same(old: Any, new: Any) -> bool:
    if isinstance(old, Decimal) or isinstance(new, Decimal):
        try:
            return old is not None and new is not None and Decimal(str(old)) == Decimal(str(new))
        except ArithmeticError:
            return False
    if isinstance(old, datetime) and isinstance(new, datetime):
        return old.replace(tzinfo=None) == new.replace(tzinfo=None)
    return old == new


def _jsonable(value: Any) -> Any:
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value, "f")
    return json.loads(json.dumps(value, default=str))


def _json_scalar(value: Any) -> Any:
    """One stored value as JSON holds it (what :func:`_jsonable` gives, without its recursion)."""
    cls = value.__class__
    if cls is str or cls is int or cls is bool or cls is float:
        return value
    if cls is date or cls is datetime:
        return value.isoformat()
    if cls is Decimal:
        return format(value, "f")
    return _jsonable(value)


def _change(ledger_id, record_id, version, op, column, old, new, source_id, row, now) -> dict[str, Any]:
    return {"ledger_id": ledger_id, "record_id": record_id, "version": version, "op": op, "column_name": column,
            "old_value": _jsonable(old), "new_value": _jsonable(new), "source_id": source_id, "source_row": row,
            "changed_at": now}


def _now() -> datetime:
    return datetime.now(UTC)
