"""Where a report's rows come from (数据来源): the main ledger, joined to the other ledgers the form
uses on the key they share, and the expression scope over all of them.

A joined ledger whose whole key can be bound from the main record (the same column, an ID number
playing the same part, the report's month for a month key, the record's org unit) is joined on
its ``_key``, which is unique and indexed. One whose key can only partly be bound (a payment
ledger keyed by person, month and payment type) is first grouped by the bound part — sums of its
amounts, the latest of its other values — so that each main record still gives exactly one row:
"the amounts paid to this person in this month".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import String, Text, and_, func, literal, or_, select
from sqlalchemy.sql.elements import BindParameter, ColumnElement
from sqlalchemy.sql.selectable import FromClause

from yibiaotong.expressions import Scope
from yibiaotong.expressions.scope import NameError_
from yibiaotong.forms.definition import ColumnRecords
from yibiaotong.ledgers.definition import ORG_UNIT_KEY, LedgerDef
from yibiaotong.ledgers.store import LedgerStore
from yibiaotong.reports.defaults import NUMERIC
from yibiaotong.reports.own_figures import Differs, own_figures
from yibiaotong.reports.period import Period

_TEXT_KEY = (String, Text)


@dataclass
class Joined:
    ledger: LedgerDef
    table: FromClause
    on: ColumnElement
    grouped: bool


@dataclass
class Sources:
    """The FROM clause of one report query and the names its expressions may use."""

    main: LedgerDef
    table: FromClause  # the main ledger's table, aliased by the ledger id
    types: dict[str, dict[str, str]]  # alias -> column -> element type
    joined: dict[str, Joined] = field(default_factory=dict)
    unjoinable: dict[str, str] = field(default_factory=dict)  # ledger id -> why it could not be joined
    where: list[ColumnElement] = field(default_factory=list)  # the main ledger's period
    differs: list[Differs] = field(default_factory=list)  # units whose own figures are not their parts' sums

    def from_clause(self) -> FromClause:
        out = self.table
        for j in self.joined.values():
            out = out.outerjoin(j.table, j.on)
        return out

    def scope(self, store: LedgerStore, extra_labels: dict[str, str] | None = None) -> Scope:
        """Every column by ``ledger.column``; bare names mean the main ledger's column, then the
        element's name or alias (出生日期), then a column only one joined ledger has."""
        tables = {self.main.id: (self.table, self.types[self.main.id])}
        tables.update({alias: (j.table, self.types[alias]) for alias, j in self.joined.items()})
        labels: dict[str, str] = {}
        for alias, (table, _types) in tables.items():
            definition = self.main if alias == self.main.id else self.joined[alias].ledger
            for col in definition.columns:
                if col.column not in table.c:
                    continue
                for label in store.dictionary.element(col.element).labels:
                    labels.setdefault(label, f"{alias}.{col.column}")  # the main ledger first
        for label, target in (extra_labels or {}).items():
            if target.partition(".")[0] in tables:
                labels.setdefault(label, target)
        return Scope(tables, default=self.main.id, labels=labels)


class ListedStore:
    """A ledger store whose list of ledger definitions is read once: building a report asks for it
    many times, and reading it costs more than a small report (definitions do not change meanwhile)."""

    def __init__(self, store: LedgerStore):
        self._store = store
        self._listed: list[LedgerDef] | None = None

    def ledgers(self) -> list[LedgerDef]:
        if self._listed is None:
            self._listed = self._store.ledgers()
        return self._listed

    def __getattr__(self, name: str):
        return getattr(self._store, name)


def period_column(definition: LedgerDef, store: LedgerStore) -> str | None:
    """The month in a ledger's key (发放年月, 统计月份): such a ledger holds one record per month."""
    for k in definition.key:
        if k != ORG_UNIT_KEY and store.dictionary.element(definition.column(k).element).type == "month":
            return k
    return None


def build_sources(store: LedgerStore, main_id: str, others: list[str], period: Period,
                  within: str | None = None, names: set[str] = frozenset(),
                  labels: dict[str, str] | None = None, values: dict[str, dict[str, Any]] | None = None,
                  column_records: dict[str, list[ColumnRecords]] | None = None) -> Sources:
    """``within``: the path of the unit whose subtree an aggregate sums; an area ledger's columns
    that ``names`` (those the aggregates use, as written; ``labels``: the form's own) mean are then
    read with each unit's own figures in place of its parts' (:mod:`.own_figures`). ``values``: the
    form's (FormDef.values): a joined ledger's key column it names is that value (a 高龄津贴
    roster reads the 高龄津贴 payments, not every payment of the month). ``column_records``: the
    form's (FormDef.column_records): a main ledger some columns make records of their own in is read
    as one row per such a group of records (see :func:`_one_row_per_group`)."""
    values = values or {}
    entries = (column_records or {}).get(main_id)
    main_table = _one_row_per_group(store, main_id, entries) if entries else None
    sources = _sources(store, main_id, others, period, main_table, values)
    if within is None or sources.main.subject != "area" or not names:
        return sources
    used = _main_columns(sources.scope(store, labels), main_id, names)
    own = own_figures(store, sources.main, period_column(sources.main, store), period, within, used)
    if own.table is not None and main_table is None:
        sources = _sources(store, main_id, others, period, own.table, values)
    sources.differs = own.differs
    return sources


def _main_columns(scope: Scope, main_id: str, names: set[str]) -> set[str]:
    """The main ledger's columns that the names mean, resolved as the compiler resolves them (case,
    full-width brackets, labels, the form's header labels)."""
    out = set()
    for name in names:
        qualifier, _, column = name.rpartition(".")
        try:
            found = scope.resolve(column, qualifier or None)
        except NameError_:
            continue  # said where the expression is compiled
        if found.alias == main_id:
            out.add(found.column.name)
    return out


def _sources(store: LedgerStore, main_id: str, others: list[str], period: Period,
             main_table: FromClause | None = None, values: dict[str, dict[str, Any]] | None = None) -> Sources:
    main_def, aliased = _aliased(store, main_id)
    main_table = aliased if main_table is None else main_table
    month = period_column(main_def, store)
    types = {main_id: _types(store, main_def)}
    sources = Sources(main_def, main_table, types)
    if month:
        sources.where.append(main_table.c[month] == period.text)
    for column, raw in (values or {}).get(main_id, {}).items():  # a 低保金 roster lists the 低保金 payments
        if column in main_def.column_names:
            sources.where.append(_holding(main_table.c[column], _as_stored(store, main_def, column, raw)))
    for other in dict.fromkeys(o for o in others if o != main_id):
        try:
            definition, table = _aliased(store, other)
        except Exception as exc:  # an unknown ledger in a hand-edited definition
            sources.unjoinable[other] = str(exc)
            continue
        joined = _join(store, sources, definition, table, period, (values or {}).get(other, {}))
        if joined is None:
            sources.unjoinable[other] = "没有共同的主键字段"
            continue
        sources.joined[other] = joined
        types[other] = _types(store, definition)
    return sources


def _aliased(store: LedgerStore, ledger_id: str) -> tuple[LedgerDef, FromClause]:
    definition, table = store.definition_and_table(ledger_id)
    return definition, table.alias(ledger_id)


def _types(store: LedgerStore, definition: LedgerDef) -> dict[str, str]:
    return {c.column: store.dictionary.element(c.element).type for c in definition.columns}


def _join(store: LedgerStore, sources: Sources, definition: LedgerDef, table: FromClause,
          period: Period, given: dict[str, Any]) -> Joined | None:
    bound: dict[str, ColumnElement] = {}
    holding: list[ColumnElement] = []  # the form's values: the records that hold them, grouped
    base = table.element if hasattr(table, "element") else table
    for k in definition.key:
        value = _bind(store, sources, definition, k, period)
        if value is None and k in given:  # every row's record holds it (a back payment of that kind too)
            holding.append(_holding(base.c[k], _as_stored(store, definition, k, given[k])))
        elif value is not None:
            bound[k] = value
    if not any(not _is_literal(v) for v in bound.values()):
        return None  # only the month binds: every record of the month would match every row
    if holding:
        return _grouped(store, definition, table, bound, holding)
    if len(bound) == len(definition.key):
        parts = [bound[k] for k in definition.key]
        if all(_texty(p) for p in parts):
            key = parts[0]
            for p in parts[1:]:
                key = key + literal("|") + p
            return Joined(definition, table, table.c._key == key, grouped=False)
        return Joined(definition, table, and_(*(table.c[k] == v for k, v in bound.items())), grouped=False)
    return _grouped(store, definition, table, bound)


def _bind(store: LedgerStore, sources: Sources, definition: LedgerDef, k: str, period: Period) -> ColumnElement | None:
    main, main_table = sources.main, sources.table
    if k == ORG_UNIT_KEY:
        return main_table.c._org_unit
    if k in main.column_names:
        return main_table.c[k]
    kind = store.dictionary.element(definition.column(k).element).type
    if kind == "month":
        return literal(period.text, String(7))
    if kind == "id_number":
        # a household ledger's 户主身份证号 and a person ledger's 身份证号 name the same person
        ids = [c for c in main.key if c != ORG_UNIT_KEY
               and store.dictionary.element(main.column(c).element).type == "id_number"]
        if ids:
            return main_table.c[ids[0]]
    return None


def _as_stored(store: LedgerStore, definition: LedgerDef, column: str, raw: Any) -> Any:
    """A form's value as the ledger holds it (a code list label as its code), as an import writes it."""
    value, _problems = definition.as_stored(store.dictionary, column, raw) or (None, None)
    return raw if value is None else value  # an invalid one is said where the form is imported


def _holding(column: ColumnElement, value: Any) -> ColumnElement:
    """The records whose column holds the form's value: for a text, also the value with a qualifier in
    brackets after it (低保金（补发）, a back payment, is 低保金 too)."""
    if isinstance(value, str):
        return or_(column == value, column.startswith(value + "（"), column.startswith(value + "("))
    return column == value


def _one_row_per_group(store: LedgerStore, ledger_id: str, entries: list[ColumnRecords]) -> FromClause:
    """The main ledger as the form's rows are: a row of 042 残疾人两项补贴资金发放明细表 is the 生活补贴
    and the 护理补贴 paid to one person in one month, which an import keeps as two payments (one per
    column, told apart by the 发放类型 each entry's values give). Only records holding an entry's values
    are read (a 低保金 paid the same month is not this form's), grouped by the rest of the key: the
    sum of the entries' own columns (paid: 生活补贴 and 护理补贴), the greatest of the others — each
    record of a row holds the row's 合计 and 发放状态, which a sum would count once per record."""
    definition, table = store.definition_and_table(ledger_id)
    told_apart = {column for e in entries for column in e.values}
    kept = [k for k in definition.key if k not in told_apart]
    holding = or_(*(and_(*(_holding(table.c[c], _as_stored(store, definition, c, raw)) for c, raw in e.values.items()
                           if c in table.c)) for e in entries))
    columns = [func.min(table.c._id).label("_id"), *(table.c[k].label(k) for k in kept)]
    if ORG_UNIT_KEY not in kept:
        columns.append(func.max(table.c._org_unit).label(ORG_UNIT_KEY))
    columns += _aggregates(store, definition, table, skip=set(kept) | {ORG_UNIT_KEY},
                           summed={e.column for e in entries})
    stmt = select(*columns).where(holding).group_by(*(table.c[k] for k in kept))
    return stmt.subquery(ledger_id)


def _aggregates(store: LedgerStore, definition: LedgerDef, base: FromClause, skip: set[str],
                summed: set[str] | None = None) -> list[ColumnElement]:
    """A grouped ledger's columns but ``skip``: sums of numbers (those ``summed`` only, when given),
    any of booleans, the latest (greatest) other values."""
    dialect_bool = store.engine.dialect.name == "postgresql"
    out = []
    for c in definition.columns:
        if c.column in skip:
            continue
        kind = store.dictionary.element(c.element).type
        col = base.c[c.column]
        if kind in NUMERIC and (summed is None or c.column in summed):
            out.append(func.sum(col).label(c.column))
        elif kind == "boolean":
            out.append((func.bool_or(col) if dialect_bool else func.max(col)).label(c.column))
        else:
            out.append(func.max(col).label(c.column))
    return out


def _texty(part: ColumnElement) -> bool:
    return isinstance(getattr(part, "type", None), _TEXT_KEY)


def _grouped(store: LedgerStore, definition: LedgerDef, table: FromClause, bound: dict[str, ColumnElement],
             holding: list[ColumnElement] = ()) -> Joined:
    """The ledger grouped by the bound part of its key: sums of numbers, the latest other values;
    of the records ``holding`` the form's values only."""
    alias = table.name
    base = table.element if hasattr(table, "element") else table
    columns = [base.c[k].label(k) for k in bound] + _aggregates(store, definition, base, skip=set(bound))
    conditions = [base.c[k] == v for k, v in bound.items() if _is_literal(v)] + list(holding)
    stmt = select(*columns).group_by(*(base.c[k] for k in bound))
    if conditions:
        stmt = stmt.where(*conditions)
    sub = stmt.subquery(alias)
    on = and_(*(sub.c[k] == v for k, v in bound.items() if not _is_literal(v)))
    return Joined(definition, sub, on, grouped=True)


def _is_literal(v: ColumnElement) -> bool:
    return isinstance(v, BindParameter)
