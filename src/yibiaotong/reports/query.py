"""The SQL of a report (查询): one SELECT for a roster's or record form's rows, one per ledger for an
indicator table's aggregates — compiled from the definition's expressions, run in the database.

Every field becomes one place to fill: a column of the SELECT (a ledger column or a compiled
expression), or something the writer knows itself (序号, the org unit's names, the period), or a
blank with the reason it is blank.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, and_, func, literal_column, select
from sqlalchemy.sql.elements import ColumnElement

from yibiaotong.elements.model import Element
from yibiaotong.elements.numbers import other_quantity
from yibiaotong.errors import Problem, YbtError
from yibiaotong.expressions import ExpressionError, compile, compile_filter, parse
from yibiaotong.forms.definition import FieldDef, FormDef
from yibiaotong.forms.model import TemplateField
from yibiaotong.ledgers.store import LedgerStore
from yibiaotong.orgunits.tree import subtree_range
from yibiaotong.reports import defaults as D
from yibiaotong.reports.own_figures import Differs
from yibiaotong.reports.period import Period
from yibiaotong.reports.sources import Sources, build_sources
from yibiaotong.store import schema

_TEXT_LIKE = frozenset({"text", "code", "id_number", "phone", "mobile", "postcode", "month"})


@dataclass
class Place:
    """One place of the form to fill, and how."""

    header: str
    column: int  # template column
    cell: tuple[int, int] | None  # value cell (indicator, record)
    kind: str  # sql | serial | org | period | date | blank
    element: Element | None = None
    type: str = "text"  # the element's type, or the expression's
    index: int | None = None  # position in the query row
    org: int | str | None = None  # level of the ancestor whose name goes here, or "code"/"full"
    why: str | None = None  # why the place stays blank
    unit: str | None = None  # the unit printed on the form
    codelist: str | None = None
    answers: dict[str, str] | None = None  # the form answers these codes so (是/否 under 是否到账)
    ledger: str | None = None  # indicators: the ledger aggregated


@dataclass
class RowQuery:
    stmt: Select | None
    places: list[Place]
    sources: Sources | None
    problems: list[Problem] = field(default_factory=list)
    link_index: dict[str, int] = field(default_factory=dict)  # link expression -> position in the row
    link_problems: dict[str, list[Problem]] = field(default_factory=dict)  # link expressions that do not compile


def _names(texts: list[str]) -> list[str]:
    """Every name the expressions use, as written (column, ledger.column or label); an expression
    that does not parse uses none (it is said where it is compiled)."""
    out: list[str] = []
    for text in texts:
        try:
            out += parse(text).names
        except ExpressionError:
            continue
    return out


def _qualifiers(texts: list[str]) -> list[str]:
    return [n.split(".", 1)[0] for n in _names(texts) if "." in n]


def _expr_list(value: Any) -> list[str]:
    if not value:
        return []
    return [str(v) for v in value] if isinstance(value, list) else [str(value)]


def row_query(store: LedgerStore, fd: FormDef, fields: list[TemplateField], period: Period, org_path: str,
              org_code: str, links: list[str] | tuple[str, ...] = ()) -> RowQuery:
    """Rows of a roster (or of a one-record form: one form per row). ``links``: expressions selected
    after the fields, for sub-tables to find their rows by (see :mod:`yibiaotong.reports.subtables`)."""
    main = D.main_ledger(fd, store)
    places: list[Place] = []
    if main is None:
        for tf in fields:
            places.append(_fixed_place(fd, tf, store) or Place(tf.header, tf.column, tf.value_cell, "blank",
                                                                 why="报表定义没有对应任何台账"))
        return RowQuery(None, places, None, [Problem("report-no-ledger", {"form": fd.title})])
    group_by = _expr_list(fd.extra.get("group_by"))
    order_by = _expr_list(fd.extra.get("order_by"))
    texts = [f.expression for f in fd.fields if f.expression] + _expr_list(fd.filter) + group_by + \
        [re.sub(r"\s+(asc|desc)\s*$", "", o, flags=re.I) for o in order_by] + list(links)
    known = {d.id for d in store.ledgers()}
    others = [f.ledger for f in fd.fields if f.ledger and not D.placed(f.element)] + \
        [q for q in _qualifiers(texts) if q in known]
    sources = build_sources(store, main, others, period, values=fd.values, column_records=fd.column_records)
    scope = sources.scope(store, D.header_labels(fd))
    params = period.params(org_code)
    problems: list[Problem] = []
    places, selected = field_places(store, fd, fields, sources, scope, params, problems, grouped=bool(group_by),
                                    first_index=1)
    if problems:
        raise YbtError(problems)
    link_index: dict[str, int] = {}
    link_problems: dict[str, list[Problem]] = {}
    for text in links:
        try:
            c = compile(text, scope, params, allow_aggregates=False)
        except ExpressionError as exc:
            link_problems[text] = list(exc.problems)  # the sub-table stays blank and says why
            continue
        link_index[text] = len(selected) + 1
        selected.append(c.sql.label(f"c{len(selected) + 1}"))
    org = schema.org_unit.alias("org")
    main_table = sources.table
    low, high = subtree_range(org_path)
    where = [org.c.path >= low, org.c.path < high, *sources.where]
    if fd.filter:
        where.append(compile_filter(fd.filter, scope, params).sql)
    if group_by:
        keys = [compile(g, scope, params).sql for g in group_by]
        stmt = select(func.min(main_table.c._org_unit).label("_org"), *selected)
        stmt = stmt.select_from(sources.from_clause().join(org, org.c.code == main_table.c._org_unit))
        stmt = stmt.where(and_(*where)).group_by(*keys).order_by(*([_order(o, scope, params) for o in order_by] or keys))
    else:
        stmt = select(main_table.c._org_unit.label("_org"), *selected)
        stmt = stmt.select_from(sources.from_clause().join(org, org.c.code == main_table.c._org_unit))
        order = [_order(o, scope, params) for o in order_by] or [org.c.path]
        stmt = stmt.where(and_(*where)).order_by(*order, main_table.c._id)
    for ledger, why in sources.unjoinable.items():
        problems.append(Problem("report-ledger-not-joined", {"ledger": ledger, "main": main, "reason": why}))
    return RowQuery(stmt, places, sources, problems, link_index, link_problems)


def field_places(store: LedgerStore, fd: FormDef, fields: list[TemplateField], sources: Sources, scope, params: dict,
                 problems: list[Problem], *, grouped: bool = False, first_index: int = 1
                 ) -> tuple[list[Place], list[ColumnElement]]:
    """A place per field and the SELECT's columns for those that come from the ledgers; a field's
    ``index`` counts from ``first_index`` (the columns before it are the caller's)."""
    places: list[Place] = []
    selected: list[ColumnElement] = []
    for tf in fields:
        fdef = D.field_of(fd, tf.header)
        fixed = _fixed_place(fd, tf, store)
        if fixed is not None:
            places.append(fixed)
            continue
        place = Place(tf.header, tf.column, tf.value_cell, "blank", unit=(fdef.unit if fdef else None) or tf.unit)
        places.append(place)
        if fdef is None:
            place.why = "报表定义中没有该栏目"
            continue
        place.element = store.dictionary.elements.get(fdef.element) if fdef.element else None
        if place.element is not None:
            place.type, place.codelist, place.answers = place.element.type, place.element.codelist, fdef.answers
        place.why = None if fdef.expression else _other_quantity(place)
        if place.why:
            continue
        sql, why = _field_sql(store, fdef, sources, scope, params, grouped, problems)
        if sql is None:
            place.why = why
            continue
        compiled_sql, expr_type = sql
        # id_sex() gives text '1'/'2': the field's element (a code) says how to show it
        if place.element is None or not (expr_type == "text" and place.type in _TEXT_LIKE):
            place.type = expr_type
        place.kind, place.index = "sql", first_index + len(selected)
        selected.append(compiled_sql.label(f"c{place.index}"))
    return places, selected


def _other_quantity(place: Place) -> str | None:
    """Why a number the ledger keeps in a unit of one quantity is not written under a unit of another
    (蔬菜（亩）, an area, mapped to a harvest kept in 吨): no factor turns one into the other, so the
    number would be wrong on the form (and refused as unit-mismatch when the form comes back)."""
    element = place.element
    if element is None or element.type not in ("integer", "decimal", "amount") or not place.unit:
        return None
    kept = element.kept_unit
    if not other_quantity(kept, place.unit):
        return None
    return f"台账按“{kept}”记录，不能换算为表上的“{place.unit}”"


def _order(text: str, scope, params) -> ColumnElement:
    m = re.match(r"^(.*?)\s+(asc|desc)\s*$", text, flags=re.I)
    expr, direction = (m.group(1), m.group(2).lower()) if m else (text, "asc")
    sql = compile(expr, scope, params).sql
    return sql.desc() if direction == "desc" else sql.asc()


def _fixed_place(fd: FormDef, tf: TemplateField, store: LedgerStore) -> Place | None:
    """Places the writer fills itself: 序号, where, when."""
    fdef = D.field_of(fd, tf.header)
    element = fdef.element if fdef else None
    if fdef and fdef.expression:
        return None
    el = store.dictionary.elements.get(element) if element else None
    base = dict(header=tf.header, column=tf.column, cell=tf.value_cell, element=el, type=el.type if el else "text")
    if element in D.SERIAL:
        return Place(kind="serial", **base)
    if element in D.ORG_LEVEL:
        return Place(kind="org", org=D.ORG_LEVEL[element], **base)
    if element in D.ORG_OTHER:
        return Place(kind="org", org=D.ORG_OTHER[element], **base)
    if element in D.PERIOD:
        return Place(kind="period", **base)
    if element in D.REPORT_DATE:
        return Place(kind="date", **base)
    return None


def _field_sql(store: LedgerStore, fdef: FieldDef, sources: Sources, scope, params: dict, grouped: bool,
               problems: list[Problem]) -> tuple[tuple[ColumnElement, str] | None, str | None]:
    """The field's SQL and its type, or None and why the field stays blank."""
    if fdef.expression:
        try:
            c = compile(fdef.expression, scope, params, allow_aggregates=grouped)
        except ExpressionError as exc:
            problems.extend(p.at(form_field=fdef.header) for p in exc.problems)
            return None, "表达式有误"
        return (c.sql, c.type), None
    derived = D.DERIVED.get(fdef.element or "")
    if derived and fdef.element in D.ALWAYS_DERIVED:
        found = _derive(derived, scope, params)
        if found:
            return found, None
    column = _ledger_column(fdef, sources)
    if column is not None:
        kind = store.dictionary.element(fdef.element).type if fdef.element in store.dictionary.elements else "text"
        if grouped:
            return (func.max(column), kind), None
        return (column, kind), None
    if derived:
        found = _derive(derived, scope, params)
        if found:
            return found, None
    if not fdef.served:
        return None, "每次填报时填写（签字、意见等），台账不提供"
    if fdef.ledger and fdef.ledger in sources.unjoinable:
        return None, f"台账{fdef.ledger}与主台账{sources.main.id}没有共同的主键"
    return None, "没有台账提供该数据"


def _ledger_column(fdef: FieldDef, sources: Sources) -> ColumnElement | None:
    if not fdef.ledger or not (fdef.column or fdef.element):
        return None
    name = fdef.column or fdef.element
    if fdef.ledger == sources.main.id:
        table = sources.table
    elif fdef.ledger in sources.joined:
        table = sources.joined[fdef.ledger].table
    else:
        return None
    return table.c.get(name)


def _derive(candidates: tuple[str, ...], scope, params) -> tuple[ColumnElement, str] | None:
    for text in candidates:
        try:
            c = compile(text, scope, params, allow_aggregates=False)
        except ExpressionError:
            continue
        return c.sql, c.type
    return None


# --- indicator tables (统计表): aggregates per ledger over the org unit's subtree ----------------

@dataclass
class AggregateQuery:
    ledger: str
    stmt: Select
    places: list[Place]  # their ``index`` is the position in this query's row


def indicator_queries(store: LedgerStore, fd: FormDef, fields: list[TemplateField], period: Period, org_path: str,
                      org_code: str, has_data) -> tuple[list[Place], list[AggregateQuery], list[Problem]]:
    """``has_data(ledger, column)`` says whether a ledger column holds any value at all."""
    places: list[Place] = []
    by_ledger: dict[str, list[tuple[Place, str]]] = {}
    problems: list[Problem] = []
    known = {d.id for d in store.ledgers()}
    form_ledger = fd.extra.get("ledger")
    for tf in fields:
        if tf.value_cell is None:
            continue
        fdef = D.field_of(fd, tf.header)
        fixed = _fixed_place(fd, tf, store)
        if fixed is not None:
            if fixed.kind != "serial":
                places.append(fixed)
            continue
        place = Place(tf.header, tf.column, tf.value_cell, "blank", unit=(fdef.unit if fdef else None) or tf.unit)
        places.append(place)
        if fdef is None:
            place.why = "报表定义中没有该栏目"
            continue
        place.element = store.dictionary.elements.get(fdef.element) if fdef.element else None
        # 发放金额（元） mapped to a count of people: a sum of people is no amount (an aggregate written
        # by hand says itself what it sums)
        place.why = None if fdef.aggregate else _other_quantity(place)
        if place.why:
            continue
        ledger = fdef.ledger or form_ledger
        if fdef.aggregate:
            qualifiers = [q for q in _qualifiers([fdef.aggregate]) if q in known]
            ledger = ledger if ledger in known else (qualifiers[0] if qualifiers else None)
            if ledger is None:
                place.why = "汇总表达式没有指明台账"
                problems.append(Problem("report-indicator-no-ledger", {"header": tf.header}))
                continue
            by_ledger.setdefault(ledger, []).append((place, fdef.aggregate))
            continue
        if not ledger or ledger not in known or not fdef.column:
            place.why = "没有台账提供该指标" if fdef.served else "每次填报时填写，台账不提供"
            continue
        if not has_data(ledger, fdef.column):
            place.why = "台账中该数据元还没有数据"
            continue
        kind = place.element.type if place.element else "integer"
        by_ledger.setdefault(ledger, []).append((place, D.default_aggregate(fdef.column, kind)))
    queries: list[AggregateQuery] = []
    for ledger, items in by_ledger.items():
        texts = [a for _p, a in items] + _expr_list(fd.filter)
        others = [q for q in _qualifiers(texts) if q in known and q != ledger]
        labels = D.header_labels(fd)
        sources = build_sources(store, ledger, others, period, within=org_path, names=set(_names(texts)),
                                labels=labels, values=fd.values)
        scope = sources.scope(store, labels)
        problems += [_differs(d) for d in sources.differs]
        params = period.params(org_code)
        selected = []
        for place, text in items:
            try:
                c = compile(text, scope, params)
            except ExpressionError as exc:
                problems.extend(p.at(form_field=place.header) for p in exc.problems)
                continue
            place.kind, place.type, place.index, place.ledger = "sql", c.type, len(selected), ledger
            selected.append(c.sql.label(f"c{len(selected)}"))
        if not selected:
            continue
        org = schema.org_unit.alias("org")
        low, high = subtree_range(org_path)
        where = [org.c.path >= low, org.c.path < high, *sources.where]
        if fd.filter:
            try:
                where.append(compile_filter(fd.filter, scope, params).sql)
            except ExpressionError:
                problems.append(Problem("report-filter-not-applied", {"ledger": ledger, "filter": fd.filter}))
        stmt = (select(*selected)
                .select_from(sources.from_clause().join(org, org.c.code == sources.table.c._org_unit))
                .where(and_(*where)))
        queries.append(AggregateQuery(ledger, stmt, [p for p, _a in items if p.kind == "sql"]))
    return places, queries, problems


def _differs(d: Differs) -> Problem:
    """A unit's own figures that are not its parts' sums: the report uses its own (see own_figures)."""
    shown = "；".join(f"{name} 本级{_number(own)}，下级合计{_number(parts)}" for name, own, parts in d.columns[:3])
    return Problem("report-own-figures-differ", {"unit": d.unit, "count": len(d.columns),
                                                 "details": shown + ("…" if len(d.columns) > 3 else "")})


def _number(value: Decimal) -> str:
    return f"{value.normalize():f}" if value == value.to_integral() else f"{value:f}"


def totals_query(stmt: Select, indexes: list[int]) -> Select:
    """Sums of the given columns over a roster's rows (for a 合计 row printed above them)."""
    sub = stmt.order_by(None).subquery()
    return select(*(func.sum(sub.c[f"c{i}"]) for i in indexes)) if indexes else select(literal_column("0"))
