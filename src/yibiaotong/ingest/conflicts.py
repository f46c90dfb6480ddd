"""When two sources disagree about a value (数据冲突): which one the record keeps, and a list for review.

The rule, in order:

1. **authority** — a pack may declare which department is authoritative for an element
   (``packs/<pack>/authority.yaml``: ``authority: {disability_level: 残联}``). A value reported by
   that department wins over a value from anyone else, whichever came later.
2. **newer-period** — otherwise the value for the later period (2024-02 over 2024-01) wins.
3. **same-period** — same or unknown periods: the import received last wins.

Both values stay in the history (``ybt_change``: the winner as an ``update``, a losing new value
as a ``conflict`` row) with their sources. A conflict is listed for review (``ybt_conflict``)
unless it is one of the ordinary cases that are no disagreement between sources:

* the same form reporting a newer period: a change over time — but for who the person is
  (:data:`WHO`: name, birth date, sex), which a month does not change: another one under the same
  key is another person's row or a slip, and is listed (the newer value is kept all the same), in
  a correction too;
* a **correction**: the same form, for the same period, imported again for the same unit (or
  for none, district-wide) about a record that stays where it is, the row being that unit's own
  (the unit is a village or below, or the row names its place under it) and the value not one
  the record held before — a clerk fixing a roster and sending it anew, the same source revising
  itself. Still listed: another unit's or another form's different value for that period; a row
  that moves the record, or that names no place under a town it was imported for (two villages'
  rosters sent up by their town); and a value taken back (an old draft picked by mistake after
  its correction, whatever it was saved as).

A value from the same file (a re-import, a repeated row) never conflicts with itself.
"""

from __future__ import annotations

import calendar
from bisect import bisect_right
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, and_, insert, select

from yibiaotong.elements.dates import age_on
from yibiaotong.elements.dates import today as china_today
from yibiaotong.elements.idnumber import birth_date_of
from yibiaotong.ingest.sameid import name_as_said
from yibiaotong.ledgers.definition import LedgerDef
from yibiaotong.ledgers.store import PreparedRecord, _json_scalar
from yibiaotong.packs import load_pack, read_yaml
from yibiaotong.reports.defaults import ALWAYS_DERIVED  # derived in every report: what is kept is a snapshot
from yibiaotong.store import schema

LOOK_UP = 500  # records whose history one query reads

# elements that say who a person is: under one ID number they do not change from one period to
# the next (a name rarely, and then once); a different one is listed even from a newer period
WHO = frozenset({"person_name", "birth_date", "gender"})


@dataclass(frozen=True)
class SourceInfo:
    source_id: int | None
    file_hash: str | None
    period: str | None
    department: str | None
    form: str | None
    org_unit: str | None = None  # the unit the file was imported for (--org-unit; None: the whole tree)
    grassroots: bool = False  # that unit is a village, community or below: each row of the file is its own


def _days_of(period: str | None) -> tuple[date, date]:
    """The first and last day of a period (2024-06, 2024); without one, the year up to today."""
    if period and len(period) == 7:
        year, month = int(period[:4]), int(period[5:])
        return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])
    if period and len(period) == 4:
        return date(int(period), 1, 1), date(int(period), 12, 31)
    today = china_today()
    return today - timedelta(days=365), today


def load_authority(engine: Engine) -> dict[str, str]:
    """element id -> authoritative department, from the authority.yaml of every installed pack."""
    with engine.connect() as conn:
        packs = conn.execute(select(schema.form.c.pack).distinct()).scalars().all()
    out: dict[str, str] = {}
    for pack_id in packs:
        try:
            path = load_pack(pack_id).path / "authority.yaml"
        except Exception:  # a pack that moved away only loses its authority rules
            continue
        if path.is_file():
            data = read_yaml(path).get("authority") or {}
            out.update({str(k): str(v) for k, v in data.items()})
    return out


AGE_SOURCES = ("birth_date", "id_number")  # what an age is checked against: the birth date, else the ID number's


class Arbiter:
    """Decides, per changed value of an existing record, whether this import's value wins."""

    def __init__(self, conn: Connection, ledger: LedgerDef, new: SourceInfo, authority: dict[str, str]):
        self.conn, self.ledger, self.new, self.authority = conn, ledger, new, authority
        self.elements = {c.column: c.element for c in ledger.columns}
        # what an age is checked against (_age_then), read with each stored record the import changes
        self.reads = [column for column, element in self.elements.items() if element in AGE_SOURCES]
        self._sources: dict[int, SourceInfo] = {}
        self._changes: dict[int, list[tuple]] = {}  # a batch's changed records: their inserts and updates
        self._runs: tuple[list[int], list[int], list[int]] | None = None  # the ledger's insert runs
        self.recorded = 0  # conflicts listed for review
        self.rejected = 0  # new values that lost

    def look_up(self, record_ids: list[int]) -> None:
        """The history (inserts and updates) of a batch's changed records, read in one query per
        :data:`LOOK_UP` records rather than one per record: a month's roster imported again over
        last month's changes thousands of them."""
        c = schema.change
        found: dict[int, list[tuple]] = {i: [] for i in record_ids}
        for start in range(0, len(record_ids), LOOK_UP):
            stmt = (select(c.c.record_id, c.c.op, c.c.column_name, c.c.source_id, c.c.old_value)
                    .where(c.c.ledger_id == self.ledger.id, c.c.record_id.in_(record_ids[start:start + LOOK_UP]),
                           c.c.op.in_(("insert", "update")))
                    .order_by(c.c.id.desc()))
            for record_id, *change in self.conn.execute(stmt):
                found[record_id].append(tuple(change))
        self._changes = found

    def __call__(self, old: Any, record: PreparedRecord, changed: dict[str, Any]) -> dict[str, Any]:
        disputed = [k for k in changed if k != "_org_unit" and getattr(old, k) is not None]
        if not disputed:
            return changed
        origins, replaced = self._origins(old._id, disputed)
        keep = dict(changed)
        now = datetime.now(UTC)
        # the row is the import's unit's own, and leaves the record where it is (see _decide)
        own = "_org_unit" not in changed and (self.new.grassroots or record.org_unit != self.new.org_unit)
        for column in disputed:
            before = origins.get(column) or SourceInfo(None, None, None, None, None)
            if before.file_hash is not None and before.file_hash == self.new.file_hash:
                continue  # the same file again: not a second opinion
            taken_back = _json_scalar(changed[column]) in replaced.get(column, ())
            winner, rule = self._decide(column, before, own and not taken_back)
            # someone else under the record's key is listed whatever the rule: a newer month, or the
            # same roster sent again (an error workbook re-imported as it was), does not make them one
            other = self._other_person(column, getattr(old, column), changed[column])
            listed = other or (rule != "correction" and not (
                rule == "newer-period" and winner == "new" and before.form == self.new.form))
            # an age that is the person's age at the file's period: the one kept was an age at another
            # time (a report computes it at its month), not another source's different opinion
            listed = listed and not self._age_then(old, record, column, changed[column])
            # the same file imported again finds its own losing value already listed: say nothing twice
            again = listed and self._already_listed(old._id, column, changed[column])
            if winner == "old":
                keep.pop(column)
                if not again:
                    self.rejected += 1
                    self._history(old, column, changed[column], record.row, now)
            if listed and not again:
                self.conn.execute(insert(schema.conflict).values(
                    ledger_id=self.ledger.id, record_id=old._id, record_key=old._key, column_name=column,
                    kept=winner, rule=rule, old_value=_json_scalar(getattr(old, column)),
                    old_source_id=before.source_id, new_value=_json_scalar(changed[column]),
                    new_source_id=self.new.source_id, source_row=record.row, status="open", created_at=now))
                self.recorded += 1
        return keep

    def _other_person(self, column: str, before: Any, after: Any) -> bool:
        """Does the new value of a :data:`WHO` column say someone else (a name spaced or dotted
        otherwise is the same name)?"""
        element = self.elements.get(column)
        if element not in WHO:
            return False
        return element != "person_name" or name_as_said(before) != name_as_said(after)

    def _age_then(self, old: Any, record: PreparedRecord, column: str, value: Any) -> bool:
        """Is ``value`` of an age column the age the person's birth date (the row's, the record's,
        else the one in the ID number) gives at some day of the file's period (of the last year,
        for a file without one)?"""
        if self.elements.get(column) not in ALWAYS_DERIVED or not isinstance(value, int):
            return False
        def known(element: str) -> Any:
            return next((record.values.get(name) or getattr(old, name, None)
                         for name, e in self.elements.items() if e == element), None)

        birth_element, id_element = AGE_SOURCES
        birth = known(birth_element)
        if not isinstance(birth, date):
            id_number = known(id_element)
            try:
                birth = birth_date_of(id_number) if id_number else None
            except ValueError:  # an ID number without a possible date
                return False
        if birth is None:
            return False
        first, last = _days_of(self.new.period)
        return value in {age_on(birth, first), age_on(birth, last)}

    def _decide(self, column: str, before: SourceInfo, may_correct: bool = False) -> tuple[str, str]:
        authority = self.authority.get(self.elements.get(column, column))
        if authority and (before.department == authority) != (self.new.department == authority):
            return ("new" if self.new.department == authority else "old"), "authority"
        if before.period and self.new.period and before.period != self.new.period:
            return ("new" if self.new.period > before.period else "old"), "newer-period"
        if may_correct and before.period and before.form and (
                before.period, before.form, before.org_unit) == (self.new.period, self.new.form, self.new.org_unit):
            return "new", "correction"
        return "new", "same-period"

    def _origins(self, record_id: int, columns: list[str]) -> tuple[dict[str, SourceInfo], dict[str, list]]:
        """Where each current value came from: the latest insert or update that wrote it (an insert
        recorded in a run wrote every value); and per column the values updates replaced (as kept
        in the history), which a correction does not bring back."""
        c = schema.change
        rows = self._changes.get(record_id)
        if rows is None:  # not looked up with its batch
            rows = [tuple(r) for r in self.conn.execute(
                select(c.c.op, c.c.column_name, c.c.source_id, c.c.old_value)
                .where(c.c.ledger_id == self.ledger.id, c.c.record_id == record_id, c.c.op.in_(("insert", "update")))
                .order_by(c.c.id.desc()))]
        replaced: dict[str, list] = {}
        for op, column, _source, old_value in rows:
            if op == "update" and column in columns:
                replaced.setdefault(column, []).append(old_value)
        # an insert wrote what no update wrote since, wherever it lies (migration 0013's downgrade
        # writes insert changes after the updates): updates first, latest first
        rows = sorted(rows, key=lambda r: r[0] == "insert")
        out: dict[str, SourceInfo] = {}
        for op, column, source_id, _old in rows:
            targets = columns if op == "insert" else [column] if column in columns else []
            for col in targets:
                if col not in out:
                    out[col] = self._source(source_id)
            if len(out) == len(columns):
                break
        if len(out) < len(columns):  # never updated since it was inserted in a run
            source_id = self._run_source(record_id)
            if source_id is not None:
                for col in columns:
                    out.setdefault(col, self._source(source_id))
        return out, replaced

    def _run_source(self, record_id: int) -> int | None:
        """The source of the insert run holding the record: the ledger's runs are read once (they are
        few: one per batch of an import's new records), a record they do not hold looked up alone
        (one inserted since, by this import)."""
        r = schema.change_run
        if self._runs is None:
            runs = self.conn.execute(select(r.c.first_id, r.c.last_id, r.c.source_id)
                                     .where(r.c.ledger_id == self.ledger.id).order_by(r.c.first_id)).all()
            self._runs = ([f for f, _l, _s in runs], [last for _f, last, _s in runs], [s for _f, _l, s in runs])
        firsts, lasts, sources = self._runs
        i = bisect_right(firsts, record_id) - 1
        if i >= 0 and lasts[i] >= record_id:
            return sources[i]
        run = self.conn.execute(select(r.c.last_id, r.c.source_id)
                                .where(r.c.ledger_id == self.ledger.id, r.c.first_id <= record_id)
                                .order_by(r.c.first_id.desc()).limit(1)).first()
        return run.source_id if run is not None and run.last_id >= record_id else None

    def _source(self, source_id: int) -> SourceInfo:
        if source_id not in self._sources:
            s, i = schema.source, schema.import_batch
            row = self.conn.execute(
                select(s.c.file_hash, s.c.period, i.c.department, i.c.form_id, i.c.org_unit)
                .select_from(s.outerjoin(i, i.c.source_id == s.c.id)).where(s.c.id == source_id)).first()
            self._sources[source_id] = SourceInfo(source_id, *(row or (None, None, None, None, None)))
        return self._sources[source_id]

    def _already_listed(self, record_id: int, column: str, value: Any) -> bool:
        k, s = schema.conflict, schema.source
        rows = self.conn.execute(
            select(k.c.new_value).select_from(k.join(s, s.c.id == k.c.new_source_id))
            .where(and_(k.c.ledger_id == self.ledger.id, k.c.record_id == record_id, k.c.column_name == column,
                        s.c.file_hash == self.new.file_hash))).scalars().all()
        return _json_scalar(value) in rows

    def _history(self, old: Any, column: str, value: Any, row: int | None, now: datetime) -> None:
        self.conn.execute(insert(schema.change).values(
            ledger_id=self.ledger.id, record_id=old._id, version=old._version, op="conflict", column_name=column,
            old_value=_json_scalar(getattr(old, column)), new_value=_json_scalar(value),
            source_id=self.new.source_id, source_row=row, changed_at=now))
