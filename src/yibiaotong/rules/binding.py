"""Binding a rule's (or a policy's) aliases to the ledgers of one database.

Packs name ledgers differently (the proposed ``person_hukou`` today, Yongchuan's own catalogue
tomorrow), so an alias names a ledger id, or asks for "the ledger that holds these elements".
The elements an alias uses in its expressions are always required: a rule never binds to a
ledger that lacks a column it reads. Inside expressions every column is known by its element id
(a ledger column renamed in a pack is read through a sub-select that names it by its element).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from sqlalchemy import MetaData, cast, null, select
from sqlalchemy.sql import FromClause

from yibiaotong.elements.dictionary import Dictionary
from yibiaotong.elements.model import Element
from yibiaotong.errors import Problem
from yibiaotong.expressions import Expression, Scope
from yibiaotong.ledgers.definition import LedgerDef
from yibiaotong.ledgers.tables import ledger_table, sql_type
from yibiaotong.rules.definitions import LedgerRef

SYSTEM = ("_id", "_key", "_org_unit", "_updated_at")


@dataclass
class Bound:
    """One alias bound to one ledger."""

    alias: str
    ledger: LedgerDef
    selectable: FromClause  # the aliased table, or a sub-select naming columns by element
    elements: dict[str, Element]  # selectable column -> its element
    columns: dict[str, str] = field(default_factory=dict)  # selectable column -> the table's real column
    chosen_by: str = "ledger"  # ledger | holding: how the ledger was found
    absent: tuple[str, ...] = ()  # optional elements the ledger lacks: read as empty values

    @property
    def element_types(self) -> dict[str, str]:
        return {c: e.type for c, e in self.elements.items()}


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text).strip().casefold()


class Catalog:
    """The ledgers of a database and the dictionary, with the lookups binding needs."""

    def __init__(self, ledgers: Iterable[LedgerDef], dictionary: Dictionary):
        self.ledgers = {d.id: d for d in ledgers}
        self.dictionary = dictionary
        labels: dict[str, set[str]] = {}
        for e in dictionary.elements.values():
            for label in e.labels:
                labels.setdefault(_fold(label), set()).add(e.id)
        self._labels = {k: next(iter(v)) for k, v in labels.items() if len(v) == 1}

    def element_id(self, name: str) -> str | None:
        """The element a name in an expression means: an element id, or a label only it has."""
        if name in self.dictionary.elements:
            return name
        return self._labels.get(_fold(name))

    def holds(self, definition: LedgerDef, elements: Iterable[str]) -> bool:
        have = {c.element for c in definition.columns}
        return all(e in have for e in elements)


def used_elements(catalog: Catalog, expressions: Iterable[Expression], aliases: Iterable[str]) -> dict[str, set[str]]:
    """Per alias, the elements its qualified names (``p.death_date``, ``p.死亡日期``) mean.

    Names that mean no element are left for the compiler to report with suggestions."""
    aliases = set(aliases)
    single = next(iter(aliases)) if len(aliases) == 1 else None
    out: dict[str, set[str]] = {a: set() for a in aliases}
    for expr in expressions:
        for name in expr.names:
            qualifier, _, column = name.rpartition(".")
            alias = qualifier or single
            if alias in aliases and not column.startswith("_"):
                element = catalog.element_id(column)
                if element:
                    out[alias].add(element)
    return out


def choose_ledger(catalog: Catalog, ref: LedgerRef, needed: set[str]) -> tuple[LedgerDef | None, str]:
    """The named ledger that exists and holds what is needed, else the most specific ledger that
    holds it (fewest columns: a ledger about exactly this, not a catch-all); ties go by id."""
    need = (set(ref.holding) | needed) - set(ref.optional)
    for ledger_id in ref.ledgers:
        d = catalog.ledgers.get(ledger_id)
        if d is not None and catalog.holds(d, need):
            return d, "ledger"
    if not need:
        return None, ""
    fits = [d for d in catalog.ledgers.values()
            if catalog.holds(d, need) and (not ref.subject or d.subject == ref.subject)]
    if not fits:
        return None, ""
    return min(fits, key=lambda d: (len(d.columns), d.id)), "holding"


def bind(catalog: Catalog, refs: Iterable[LedgerRef], needed: Mapping[str, set[str]], owner: Mapping[str, str],
         code: str = "rule-ledger-not-found") -> tuple[dict[str, Bound], list[Problem]]:
    """Bind every alias; returns the bound aliases and a problem for each that found no ledger.

    ``owner`` is put into each problem ({"rule": id} or {"policy": id})."""
    bound, problems = {}, []
    for ref in refs:
        need = needed.get(ref.alias, set())
        definition, how = choose_ledger(catalog, ref, need)
        if definition is None:
            elements = sorted((set(ref.holding) | need) - set(ref.optional))
            names = _named(catalog, elements)
            tried = ""
            for ledger_id in ref.ledgers:
                d = catalog.ledgers.get(ledger_id)
                if d is None:
                    tried += f"台账 {ledger_id} 不存在；"
                else:
                    lacking = sorted(set(elements) - {c.element for c in d.columns})
                    tried += f"台账 {ledger_id} 缺少 {_named(catalog, lacking)}；"
            problems.append(Problem(code, {
                **owner, "alias": ref.alias, "need": f"{tried}没有台账同时含有数据元 {names}",
                "need_en": f"no ledger holds all of {', '.join(elements)}" + (f" (tried {', '.join(ref.ledgers)})" if ref.ledgers else "")}))
            continue
        bound[ref.alias] = _bound(catalog, ref.alias, definition, how, ref.optional)
    return bound, problems


def _named(catalog: Catalog, elements: Iterable[str]) -> str:
    """Element ids with their Chinese names: hukou_status（户籍状态）、…"""
    return "、".join(f"{e}（{catalog.dictionary.elements[e].name}）" if e in catalog.dictionary.elements else e
                    for e in elements)


def _bound(catalog: Catalog, alias: str, definition: LedgerDef, how: str, optional: Iterable[str] = ()) -> Bound:
    table = ledger_table(definition, catalog.dictionary, MetaData())
    elements: dict[str, Element] = {}
    columns: dict[str, str] = {}
    for c in definition.columns:
        if c.element in elements or c.element not in catalog.dictionary.elements:
            continue  # a second column of the same element: expressions see the first
        elements[c.element] = catalog.dictionary.element(c.element)
        columns[c.element] = c.column
    absent = tuple(e for e in optional if e not in elements and e in catalog.dictionary.elements)
    if not absent and all(name == column for name, column in columns.items()):
        selectable = table.alias(alias)
    else:  # a renamed or absent column: a sub-select names every column by its element
        selectable = select(*(table.c[s] for s in SYSTEM),
                            *(table.c[column].label(name) for name, column in columns.items()),
                            *(cast(null(), sql_type(catalog.dictionary.element(e))).label(e) for e in absent)
                            ).subquery(alias)
        elements.update({e: catalog.dictionary.element(e) for e in absent})
    return Bound(alias, definition, selectable, elements, columns, how, absent)


def scope_of(bound: Mapping[str, Bound], aliases: Iterable[str], catalog: Catalog) -> Scope:
    """A scope over some bound aliases; an element's Chinese name works where only one alias has it."""
    aliases = list(aliases)
    tables = {a: (bound[a].selectable, bound[a].element_types) for a in aliases}
    labels: dict[str, str] = {}
    seen: dict[str, int] = {}
    for a in aliases:
        for column, element in bound[a].elements.items():
            for label in element.labels:
                seen[label] = seen.get(label, 0) + 1
                labels[label] = f"{a}.{column}"
    labels = {k: v for k, v in labels.items() if seen[k] == 1 and k not in catalog.dictionary.elements}
    return Scope(tables, default=aliases[0] if len(aliases) == 1 else None, labels=labels)
