"""Sub-tables of one-record forms (子表：家庭成员情况 …): the rows under a sub-table's header are
filled with the records that belong to the form's record — an applicant's household members.

A sub-table is a view over one ledger (its **rows ledger**: the one whose key the sub-table asks
for, else the one most of its fields come from; the other ledgers its fields use are joined to it
as for a roster), tied to the form's record by a **link**, a value both sides compute::

    subtables:
      家庭成员情况:
        ledger: person_family_member
        link: person_address.address_household_registration    # the same expression on both sides
        # or: link: {record: household.household_id, rows: person_family_member.household_id}
        order_by: [relation_to_head]

Without ``link`` the first element of :data:`yibiaotong.reports.defaults.HOUSEHOLD_LINKS` that both
sides hold (in their own ledger, or in a ledger joined on their key) is used: 户编号, 户主身份证号,
then 户籍地址 — the people registered at one household-registration address are one household
(户) in the hukou sense. A ledger is joined for this only on the same element (户主身份证号 to
户主身份证号) or on a person's own ID number (a family member's, a household head's): a person's
ID number used as 户主身份证号 would find the household they head, not the one they belong to.

Rows stay within the report's org unit like every other row. Without ``order_by``, rows are in
the order of 与户主关系 when the sub-table has it (户主, 配偶, 子女 … as in a 户口簿), else as
recorded. A household with more members than the template has empty rows gets more rows (the
last row's look repeated), never a member left out.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Select, and_, bindparam, select

from yibiaotong.errors import Problem
from yibiaotong.expressions import ExpressionError, compile
from yibiaotong.forms.definition import FormDef
from yibiaotong.forms.model import TemplateField
from yibiaotong.ledgers.store import LedgerStore
from yibiaotong.orgunits.tree import subtree_range
from yibiaotong.reports import defaults as D
from yibiaotong.reports.period import Period
from yibiaotong.reports.query import Place, _expr_list, _order, _qualifiers, field_places
from yibiaotong.reports.sources import build_sources
from yibiaotong.reports.template import TemplateSheet
from yibiaotong.store import schema

LINK_CHUNK = 500  # link values per IN (...): well under every database's parameter limit
ORDER_DEFAULT = "relation_to_head"


@dataclass
class SubTable:
    name: str
    fields: list[TemplateField]
    rows: list[int]  # the template's empty rows the records go into
    ledger: str | None = None
    record_link: str | None = None  # expression over the form's record
    rows_link: str | None = None  # expression over the sub-table's rows
    why: str | None = None  # why the sub-table stays blank
    places: list[Place] = field(default_factory=list)
    stmt: Select | None = None  # rows whose link is in :links; columns: org unit, link, the fields
    problems: list[Problem] = field(default_factory=list)

    @property
    def blank(self) -> list[tuple[str, str]]:
        return [(p.header, p.why or self.why or "") for p in self.places if p.kind == "blank"]


def find_subtables(tpl: TemplateSheet) -> list[SubTable]:
    """The sub-tables of a one-record template, each with its data rows."""
    if tpl.form.layout != "record":
        return []
    groups: dict[str, list[TemplateField]] = {}
    for f in tpl.form.fields:
        if f.subtable and f.value_cell:
            groups.setdefault(f.subtable, []).append(f)
    return [SubTable(name, fields, data_rows(tpl, fields)) for name, fields in groups.items()]


def data_rows(tpl: TemplateSheet, fields: list[TemplateField]) -> list[int]:
    """The first data row and every row under it with the same boxes, still empty."""
    first = fields[0].value_cell[0]
    columns = [f.value_cell[1] for f in fields]
    spans = {}
    for top, left, bottom, right in tpl.merges:
        if top == bottom:
            spans[(top, left)] = right
    shape = [spans.get((first, c), c) for c in columns]
    inside = {(r, c) for top, left, bottom, right in tpl.merges if bottom > top
              for r in range(top, bottom + 1) for c in range(left, right + 1)}
    rows = [first]
    r = first + 1
    while r <= tpl.max_row and [spans.get((r, c), c) for c in columns] == shape and \
            not any((r, c) in inside or tpl.values.get((r, c)) not in (None, "") for c in columns):
        rows.append(r)
        r += 1
    return rows


def definition_of(fd: FormDef, name: str) -> dict[str, Any]:
    given = fd.extra.get("subtables") or {}
    value = given.get(name) if isinstance(given, dict) else None
    return value if isinstance(value, dict) else {}


def rows_ledger(store: LedgerStore, fd: FormDef, sub: SubTable) -> str | None:
    """The ledger whose records are the sub-table's rows."""
    chosen = definition_of(fd, sub.name).get("ledger")
    if chosen:
        return str(chosen)
    known = {d.id: d for d in store.ledgers()}
    defs = [D.field_of(fd, tf.header) for tf in sub.fields]
    used = [f for f in defs if f and f.ledger in known and not D.placed(f.element)]
    counts = Counter(f.ledger for f in used)
    if not counts:
        return None
    elements = {f.element for f in defs if f and f.element}
    order = list(dict.fromkeys(f.ledger for f in used))

    def rank(lg: str) -> tuple:
        key = [k for k in known[lg].key if not k.startswith("_")]
        asks_key = bool(key) and all(known[lg].column(k).element in elements for k in key)
        return (asks_key, counts[lg], -order.index(lg))

    return max(counts, key=rank)


def link_of(store: LedgerStore, fd: FormDef, sub: SubTable, record_ledger: str, period: Period
            ) -> tuple[str, str] | None:
    """(expression over the record, expression over the rows) that must be equal."""
    given = definition_of(fd, sub.name).get("link")
    if isinstance(given, str) and given.strip():
        return given, given
    if isinstance(given, dict) and given.get("record") and given.get("rows"):
        return str(given["record"]), str(given["rows"])
    for element in D.HOUSEHOLD_LINKS:
        record = _holder(store, record_ledger, element, period)
        rows = _holder(store, sub.ledger, element, period) if sub.ledger else None
        if record and rows:
            return record, rows
    return None


def _holder(store: LedgerStore, base: str, element: str, period: Period) -> str | None:
    """``ledger.column`` holding ``element`` for a record of ``base``: its own column, else one of
    a ledger joined on the key they share (a person's own values only, see the module's notes)."""
    definition = store.ledger(base)
    own = next((c.column for c in definition.columns if c.element == element), None)
    if own:
        return f"{base}.{own}"
    held = {c.element for c in definition.columns}
    for other in store.ledgers():
        column = next((c.column for c in other.columns if c.element == element), None)
        if column is None or other.id == base:
            continue
        keys = [other.column(k).element for k in other.key if not k.startswith("_")]
        if not all(k == "id_number" or k in held for k in keys):
            continue  # joined in another part (a person's ID number as 户主身份证号): not this record's value
        joined = build_sources(store, base, [other.id], period).joined.get(other.id)
        if joined is not None and not joined.grouped:
            return f"{other.id}.{column}"
    return None


def rows_query(store: LedgerStore, fd: FormDef, sub: SubTable, period: Period, org_path: str, org_code: str) -> None:
    """The SELECT of the sub-table's rows, for the link values bound to ``:links``."""
    spec = definition_of(fd, sub.name)
    defs = [D.field_of(fd, tf.header) for tf in sub.fields]
    order_by = _expr_list(spec.get("order_by"))
    texts = [f.expression for f in defs if f and f.expression] + [sub.rows_link or ""] + order_by
    known = {d.id for d in store.ledgers()}
    others = [f.ledger for f in defs if f and f.ledger and not D.placed(f.element)] + \
        [q for q in _qualifiers(texts) if q in known]
    sources = build_sources(store, sub.ledger, others, period, values=fd.values)
    scope = sources.scope(store, D.header_labels(fd))
    params = period.params(org_code)
    try:
        link = compile(sub.rows_link, scope, params, allow_aggregates=False).sql
    except ExpressionError as exc:
        sub.why = "子表与本表记录无法关联"
        sub.problems += [p.at(form_field=sub.name) for p in exc.problems]
        sub.places = field_places(store, fd, sub.fields, sources, scope, params, [], first_index=2)[0]
        for p in sub.places:
            p.kind, p.why = ("blank", sub.why) if p.kind == "sql" else (p.kind, p.why)
        return
    sub.places, selected = field_places(store, fd, sub.fields, sources, scope, params, sub.problems, first_index=2)
    order = []
    for text in order_by or ([ORDER_DEFAULT] if _has_element(store, fd, sub, ORDER_DEFAULT) else []):
        try:
            order.append(_order(text, scope, params))
        except ExpressionError as exc:
            if order_by:
                sub.problems += [p.at(form_field=sub.name) for p in exc.problems]
    table = sources.table
    org = schema.org_unit.alias("org")
    low, high = subtree_range(org_path)
    stmt = (select(table.c._org_unit.label("_org"), link.label("link"), *selected)
            .select_from(sources.from_clause().join(org, org.c.code == table.c._org_unit))
            .where(and_(org.c.path >= low, org.c.path < high, *sources.where, link.in_(bindparam("links", expanding=True))))
            .order_by(link, *order, table.c._id))
    sub.stmt = stmt


def _has_element(store: LedgerStore, fd: FormDef, sub: SubTable, element: str) -> bool:
    return any((f := D.field_of(fd, tf.header)) is not None and f.element == element for tf in sub.fields)


def fetch_rows(conn, sub: SubTable, values: set[Any]) -> dict[Any, list[tuple]]:
    """The sub-table's rows of every given link value, grouped by it, in order."""
    out: dict[Any, list[tuple]] = {}
    ordered = sorted(values, key=str)
    for i in range(0, len(ordered), LINK_CHUNK):
        for row in conn.execute(sub.stmt, {"links": ordered[i:i + LINK_CHUNK]}):
            out.setdefault(row[1], []).append(tuple(row))
    return out
