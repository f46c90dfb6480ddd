"""Scope (权限范围): who may see and change what, where — enforced in every query.

The web pages, the JSON API and (later) exports all ask this module, never the templates:

- admin (区大数据局): every ledger, every column, everywhere; may reveal masked values;
- department user (民政局, 农业农村委 …): only the ledgers and columns granted to its department,
  across its whole district (its org unit and below), read or read-write, reveal per grant;
- town / village / grid user: every ledger, but only the records of its own unit and below
  (the materialized org-unit path makes "and below" one prefix lookup).

Anything outside the scope is answered exactly like something that does not exist (NotInScope),
so that neither a page nor an error nor a count tells whether it is there.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import Engine, Table, select
from sqlalchemy.sql.elements import ColumnElement

from yibiaotong.access.grants import Grant, grants_for
from yibiaotong.access.users import User
from yibiaotong.elements.dictionary import Dictionary
from yibiaotong.elements.model import Element
from yibiaotong.errors import Problem, YbtError
from yibiaotong.ledgers.definition import LedgerDef
from yibiaotong.ledgers.store import LedgerStore
from yibiaotong.store.schema import org_unit as org_unit_table

AREA_ROLES = ("town", "village", "grid")
# who may show a masked value in full (always one value, with a purpose, audited); departments: per grant.
# Grid workers are often contracted staff: they verify people in person and do not need full ID numbers.
REVEAL_BY_ROLE = {"admin": True, "town": True, "village": True, "grid": False}
MASKED_TYPES = ("id_number", "phone", "mobile")


class NotInScope(YbtError):
    """Out of scope, answered like "not there" (404): no hint whether it exists."""

    def __init__(self) -> None:
        super().__init__(Problem("not-found"))


class AccessDenied(YbtError):
    """Visible, but this user may not do that (403)."""

    def __init__(self, reason: str, reason_en: str) -> None:
        super().__init__(Problem("forbidden", {"reason": reason, "reason_en": reason_en}))


def masks(element: Element | None) -> bool:
    """Is a value of this element shown masked to everyone until revealed (the same rule as ledgers.present)?"""
    return element is not None and (element.sensitivity == "sensitive" or element.type in MASKED_TYPES)


def masked_columns(definition: LedgerDef, dictionary: Dictionary) -> frozenset[str]:
    """Columns shown masked to everyone until revealed."""
    return frozenset(c.column for c in definition.columns if masks(dictionary.element(c.element)))


class OrgIndex:
    """The org tree's codes and paths, re-read at most every ``ttl`` seconds (it changes rarely)."""

    def __init__(self, engine: Engine, ttl: float = 30.0):
        self.engine, self.ttl = engine, ttl
        self._loaded = 0.0
        self._lock = threading.Lock()
        self.paths: dict[str, str] = {}
        self.children: dict[str | None, list[str]] = {}
        self._subtrees: dict[str, tuple[str, ...]] = {}
        self.names: dict[str, str] = {}
        self.kinds: dict[str, str] = {}
        self.parents: dict[str, str | None] = {}

    def refresh(self) -> OrgIndex:
        if time.monotonic() - self._loaded > self.ttl:
            with self._lock:
                if time.monotonic() - self._loaded > self.ttl:
                    with self.engine.connect() as conn:
                        rows = conn.execute(select(org_unit_table).order_by(org_unit_table.c.path)).mappings().all()
                    self.paths = {r["code"]: r["path"] for r in rows}
                    self.names = {r["code"]: r["name"] for r in rows}
                    self.kinds = {r["code"]: r["kind"] for r in rows}
                    self.parents = {r["code"]: r["parent_code"] for r in rows}
                    self.children: dict[str | None, list[str]] = {}
                    for r in rows:
                        self.children.setdefault(r["parent_code"], []).append(r["code"])
                    self._subtrees = {}
                    self._loaded = time.monotonic()
        return self

    def subtree(self, code: str) -> tuple[str, ...]:
        """The unit and every unit below it, in tree order."""
        if code not in self._subtrees:
            path = self.paths.get(code)
            if path is None:
                return ()
            self._subtrees[code] = tuple(c for c, p in self.paths.items() if p.startswith(path))
        return self._subtrees[code]

    def depth(self, code: str) -> int:
        return self.paths.get(code, "/").count("/") - 2


@dataclass(frozen=True)
class LedgerAccess:
    """What one user may do with one ledger."""

    definition: LedgerDef
    table: Table
    columns: tuple[str, ...]  # readable, in ledger order
    writable: frozenset[str]
    masked: frozenset[str]  # readable columns shown masked
    reveal: bool  # may show one masked value in full, with a purpose
    units: tuple[str, ...] | None  # org units in scope; None: all of them
    grant: Grant | None = field(default=None, compare=False)
    elements: dict[str, Element] = field(default_factory=dict, compare=False)  # readable column -> its element

    @property
    def id(self) -> str:
        return self.definition.id

    @property
    def may_write(self) -> bool:
        return bool(self.writable)

    def may_read(self, column: str) -> bool:
        return column in self.columns

    def may_reveal(self, column: str) -> bool:
        return self.reveal and column in self.masked and column in self.columns

    def condition(self, units: tuple[str, ...] | None = None) -> ColumnElement | None:
        """The WHERE clause limiting rows to the scope (narrowed to ``units`` if given)."""
        chosen = units if units is not None else self.units
        if chosen is None:
            return None
        return self.table.c._org_unit.in_(chosen)

    def narrow(self, units: tuple[str, ...]) -> tuple[str, ...]:
        """``units`` (a subtree the user picked), checked to lie within the scope."""
        if self.units is not None and not set(units) <= set(self.units):
            raise AccessDenied("该组织机构不在您的权限范围内", "this org unit is outside your scope")
        return units


class Scope:
    """One user's scope: which ledgers, columns and org units."""

    def __init__(self, user: User, orgs: OrgIndex, grants: dict[str, Grant]):
        self.user, self.orgs, self.grants = user, orgs, grants
        self.units = self._units()

    @classmethod
    def of(cls, engine: Engine, user: User, orgs: OrgIndex | None = None) -> Scope:
        orgs = (orgs or OrgIndex(engine)).refresh()
        grants = grants_for(engine, user.department) if user.role == "department" else {}
        return cls(user, orgs, grants)

    def _units(self) -> tuple[str, ...] | None:
        role, code = self.user.role, self.user.org_unit
        if role == "admin":
            return None
        if role == "department" and (not code or self.orgs.parents.get(code, "") is None):
            return None  # a department at the top of the tree sees its whole district: no filter needed
        if role not in AREA_ROLES and role != "department":
            return ()
        return self.orgs.subtree(code) if code else ()

    @property
    def is_admin(self) -> bool:
        return self.user.role == "admin"

    def require_admin(self) -> None:
        if not self.is_admin:
            raise AccessDenied("仅区大数据局管理员可以进行此操作", "only the data bureau's administrators may do this")

    def in_scope_unit(self, code: str) -> bool:
        return code in self.orgs.paths and (self.units is None or code in self.units)

    def unit_filter(self, code: str | None) -> tuple[str, ...] | None:
        """The org units of a chosen unit's subtree (checked against the scope); None for no choice."""
        if not code:
            return None
        if code not in self.orgs.paths:
            raise YbtError(Problem("unknown-org-unit", {"org_unit": code}))
        if not self.in_scope_unit(code):
            raise AccessDenied("该组织机构不在您的权限范围内", "this org unit is outside your scope")
        return self.orgs.subtree(code)

    def visible_ledger_ids(self, all_ids: list[str]) -> list[str]:
        if self.user.role == "department":
            return [i for i in all_ids if i in self.grants]
        if self.user.role == "admin" or self.units:
            return list(all_ids)
        return []

    def ledger(self, store: LedgerStore, ledger_id: str) -> LedgerAccess:
        """This user's access to a ledger; NotInScope when it is not visible (or does not exist)."""
        try:
            definition, table = store.definition_and_table(ledger_id)
        except YbtError:
            raise NotInScope() from None
        if ledger_id not in self.visible_ledger_ids([ledger_id]):
            raise NotInScope()
        masked = masked_columns(definition, store.dictionary)
        names = definition.column_names
        elements = {c.column: store.dictionary.element(c.element) for c in definition.columns}
        if self.user.role == "department":
            grant = self.grants[ledger_id]
            columns = tuple(c for c in names if grant.covers(c))
            writable = frozenset(columns) if grant.mode == "write" else frozenset()
            return LedgerAccess(definition, table, columns, writable, masked & set(columns), grant.reveal,
                                self.units, grant, {c: elements[c] for c in columns})
        return LedgerAccess(definition, table, tuple(names), frozenset(names), masked,
                            REVEAL_BY_ROLE.get(self.user.role, False), self.units, None, elements)

    def ledgers(self, store: LedgerStore) -> list[LedgerAccess]:
        ids = self.visible_ledger_ids([d.id for d in store.ledgers()])
        return [self.ledger(store, i) for i in ids]

    def reader(self, store: LedgerStore) -> Callable[[str], LedgerAccess | None]:
        """This user's access to each ledger by id, None where it is not visible: what an eligibility
        check that reads several ledgers may read (``rules.policies.reach``)."""
        seen: dict[str, LedgerAccess | None] = {}

        def read(ledger_id: str) -> LedgerAccess | None:
            if ledger_id not in seen:
                try:
                    seen[ledger_id] = self.ledger(store, ledger_id)
                except NotInScope:
                    seen[ledger_id] = None
            return seen[ledger_id]

        return read

    def reads(self, ledger_id: str, column: str) -> bool:
        """May the user read this column of the ledger (somewhere in its units)? As :meth:`ledger`
        decides, without loading the ledger: for showing values that were copied out of it (alerts)."""
        if not self.visible_ledger_ids([ledger_id]):
            return False
        return self.user.role != "department" or self.grants[ledger_id].covers(column)

    def unit_choices(self, selected: str | None = None) -> list[tuple[str, str, int]]:
        """(code, name, depth) of the org units to offer as a filter, in tree order: a drill-down, so a
        district with a thousand villages offers its towns, and a chosen town its villages."""
        orgs = self.orgs
        roots = [c for c in (orgs.paths if self.units is None else self.units)
                 if orgs.parents.get(c) is None or not self.in_scope_unit(orgs.parents[c])]
        shown = set(roots)
        for r in roots:
            shown.update(orgs.children.get(r, ()))
        if selected and self.in_scope_unit(selected):
            code = selected
            while code is not None and self.in_scope_unit(code):  # the way down from the top, with siblings
                shown.add(code)
                shown.update(orgs.children.get(orgs.parents.get(code), ()) if orgs.parents.get(code) in shown else ())
                code = orgs.parents.get(code)
            shown.update(orgs.children.get(selected, ()))
        return [(c, orgs.names[c], orgs.depth(c)) for c in orgs.paths if c in shown]
