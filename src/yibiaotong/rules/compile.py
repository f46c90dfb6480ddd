"""Compiling a rule into one SELECT that runs inside SQLite or PostgreSQL.

    SELECT <keys and org units of the from/join records>, <subject's org unit>, <group_by>, <evidence>
    FROM <from> JOIN <alias> ON <join condition> …
    WHERE <where> AND EXISTS (…) AND NOT EXISTS (…) [AND <subject in the org unit>]

Every condition is compiled by the shared expression compiler against a scope that holds only
the aliases it may see (a join condition sees the aliases before it, an exists/missing condition
the main aliases and its own), so a misplaced name is reported, not silently cross-joined.
The equality and range comparisons of join/exists/missing conditions also tell which ledger
columns the database looks records up by: :mod:`yibiaotong.rules.indexes` indexes them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, and_, literal, select
from sqlalchemy.sql import ColumnElement, FromClause, operators, visitors
from sqlalchemy.sql.elements import BinaryExpression, Grouping, Label, TypeCoerce

from yibiaotong.elements.model import Element
from yibiaotong.errors import Problem, YbtError
from yibiaotong.expressions import ExpressionError, compile, compile_filter
from yibiaotong.rules.binding import Bound, Catalog, bind, scope_of, used_elements
from yibiaotong.rules.definitions import RuleDef
from yibiaotong.store import schema


@dataclass(frozen=True)
class EvidenceColumn:
    label: str
    type: str  # expression type
    element: Element | None  # the element when the evidence is one column (masking, code labels)
    # every ledger column the value is read or computed from: (ledger id, column, its element), so that
    # an alert shows it only to who may read them, masked as they are (rules.evidence)
    reads: tuple[tuple[str, str, Element], ...] = ()
    # the rule's aliases it is read from: a viewer sees it only where their records lie in its org units
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class Lookup:
    """Records of a ledger looked up by these columns (equalities first, then one range)."""

    ledger_id: str
    table_name: str
    columns: tuple[str, ...]


@dataclass
class CompiledRule:
    rule: RuleDef
    bound: dict[str, Bound]
    statement: Select
    evidence: list[EvidenceColumn]
    groups: int
    lookups: list[Lookup] = field(default_factory=list)

    @property
    def main(self) -> list[str]:
        return self.rule.main_aliases

    @property
    def ledgers(self) -> dict[str, str]:
        return {a: b.ledger.id for a, b in self.bound.items()}

    @property
    def absent(self) -> dict[str, list[str]]:
        """Optional elements read as empty because the bound ledger lacks them, by alias."""
        return {a: list(b.absent) for a, b in self.bound.items() if b.absent}


def parameters(rule: RuleDef, as_of: date) -> dict[str, Any]:
    """What ``:as_of``, ``:period``, ``today()`` and the rule's own parameters mean in this run."""
    own = {k: Decimal(str(v)) if isinstance(v, float) else v for k, v in rule.params.items()}
    return {**own, "as_of": as_of, "today": as_of, "period": f"{as_of.year:04d}-{as_of.month:02d}"}


def bind_rule(rule: RuleDef, catalog: Catalog) -> tuple[dict[str, Bound], list[Problem]]:
    parsed = rule.parsed()
    needed = used_elements(catalog, parsed.values(), [r.alias for r in rule.ledgers])
    return bind(catalog, rule.ledgers, needed, {"rule": rule.id})


def compile_rule(rule: RuleDef, catalog: Catalog, *, as_of: date, org_unit_path: str | None = None) -> CompiledRule:
    """The rule as one SELECT; raises one error with every binding and expression problem."""
    bound, problems = bind_rule(rule, catalog)
    if problems:
        raise YbtError(problems)
    params = parameters(rule, as_of)
    main = rule.main_aliases
    problems = []

    def condition(where: str, text: str, aliases: list[str]) -> ColumnElement | None:
        try:
            return compile_filter(text, scope_of(bound, aliases, catalog), params).sql
        except ExpressionError as exc:
            problems.extend(p.at(rule=rule.id, field=where, file=rule.file or None) for p in exc.problems)
            return None

    def value(where: str, text: str):
        try:
            return compile(text, scope_of(bound, main, catalog), params, allow_aggregates=False)
        except ExpressionError as exc:
            problems.extend(p.at(rule=rule.id, field=where, file=rule.file or None) for p in exc.problems)
            return None

    source: FromClause = bound[rule.from_].selectable
    lookups: list[Lookup] = []
    seen = [rule.from_]
    for alias, text in rule.join:
        seen.append(alias)
        on = condition(f"join.{alias}", text, seen)
        if on is not None:
            source = source.join(bound[alias].selectable, on)
            lookups += _lookup(bound[alias], on)
    filters: list[ColumnElement] = []
    if rule.where:
        w = condition("where", rule.where, main)
        if w is not None:
            filters.append(w)
    for kind, items in (("exists", rule.exists), ("missing", rule.missing)):
        for alias, text in items:
            c = condition(f"{kind}.{alias}", text, [*main, alias])
            if c is None:
                continue
            sub = select(literal(1)).select_from(bound[alias].selectable).where(c).exists()
            filters.append(sub if kind == "exists" else ~sub)
            lookups += _lookup(bound[alias], c)
    groups = [value(f"group_by[{i}]", t) for i, t in enumerate(rule.group_by)]
    evidence = [(e, value(f"evidence.{e.label}", e.expression)) for e in rule.evidence]
    if problems:
        raise YbtError(problems)
    subject = bound[rule.subject].selectable
    if org_unit_path:
        units = select(schema.org_unit.c.code).where(schema.org_unit.c.path.startswith(org_unit_path))
        filters.append(subject.c._org_unit.in_(units))
    columns = [bound[a].selectable.c._key.label(f"_k_{a}") for a in main]
    columns += [bound[a].selectable.c._org_unit.label(f"_u_{a}") for a in main]  # whose each record is
    columns.append(subject.c._org_unit.label("_unit"))
    columns += [g.sql.label(f"_g{i}") for i, g in enumerate(groups)]
    columns += [c.sql.label(f"_e{i}") for i, (_e, c) in enumerate(evidence)]
    statement = select(*columns).select_from(source)
    if filters:
        statement = statement.where(and_(*filters))
    shown = [EvidenceColumn(e.label, c.type, _element_of(c.sql, bound), _reads(c.sql, bound), _aliases(c.sql, bound))
             for e, c in evidence]
    return CompiledRule(rule, bound, statement, shown, len(groups), _merge(lookups))


# --- what the SQL reads ------------------------------------------------------------------------

def _plain(el: Any) -> Any:
    """The column under type coercions, brackets and labels."""
    while isinstance(el, (TypeCoerce, Grouping, Label)):
        el = el.clause if isinstance(el, TypeCoerce) else el.element
    return el


def _columns_of(el: Any, selectable: FromClause) -> list[str]:
    return [n.name for n in visitors.iterate(el) if getattr(n, "table", None) is selectable and hasattr(n, "name")]


def _element_of(sql: Any, bound: dict[str, Bound]) -> Element | None:
    col = _plain(sql)
    for b in bound.values():
        if getattr(col, "table", None) is b.selectable:
            return b.elements.get(col.name)
    return None


def _reads(sql: Any, bound: dict[str, Bound]) -> tuple[tuple[str, str, Element], ...]:
    """The ledger columns an expression reads (an optional column the ledger lacks reads none)."""
    out: list[tuple[str, str, Element]] = []
    for node in visitors.iterate(sql):
        for b in bound.values():
            name = getattr(node, "name", None)
            if getattr(node, "table", None) is b.selectable and name in b.columns:
                item = (b.ledger.id, b.columns[name], b.elements[name])
                if item not in out:
                    out.append(item)
    return tuple(out)


def _aliases(sql: Any, bound: dict[str, Bound]) -> tuple[str, ...]:
    """The aliases whose records an expression reads (two aliases may bind the same ledger)."""
    tables = {id(n.table) for n in visitors.iterate(sql) if getattr(n, "table", None) is not None}
    return tuple(a for a, b in bound.items() if id(b.selectable) in tables)


_RANGE = {operators.gt, operators.ge, operators.lt, operators.le}
_EQUAL = {operators.eq, operators.in_op}


def _lookup(b: Bound, condition: ColumnElement) -> list[Lookup]:
    """The columns of ``b`` the condition compares with values from elsewhere (the outer record)."""
    equal: list[str] = []
    ranged: list[str] = []
    for node in visitors.iterate(condition):
        if not isinstance(node, BinaryExpression) or node.operator not in _EQUAL | _RANGE:
            continue
        for mine, other in ((node.left, node.right), (node.right, node.left)):
            col = _plain(mine)
            if (getattr(col, "table", None) is b.selectable and col.name in b.columns
                    and not _columns_of(other, b.selectable)):
                (equal if node.operator in _EQUAL else ranged).append(b.columns[col.name])
    columns = list(dict.fromkeys(equal)) + [c for c in dict.fromkeys(ranged) if c not in equal][:1]
    return [Lookup(b.ledger.id, b.ledger.table_name, tuple(columns))] if columns else []


def _merge(lookups: list[Lookup]) -> list[Lookup]:
    """One lookup per ledger and column list; a list that starts another is served by it."""
    unique = list(dict.fromkeys(lookups))
    return [x for x in unique if not any(y != x and y.ledger_id == x.ledger_id
                                         and y.columns[:len(x.columns)] == x.columns for y in unique)]
