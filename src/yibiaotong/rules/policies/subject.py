"""Who a check is about: an ID number (a person, and their household when a ledger tells) or a
household number (the household and its head).

A household is found in any ledger holding ``household_head_id_number`` (with ``household_id``
when it has it); a member who is not the head is linked to the head only by a person ledger that
records the head's ID number. What cannot be found stays unknown, and the criteria that need it
say so. With a ``reader`` (a limited user's check) only the ledgers, columns and org units that
user may read are searched: a person known only outside them is "not found", as one unknown.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, MetaData, select

from yibiaotong.elements.idnumber import check_id_number, normalize_id_number
from yibiaotong.errors import Problem, YbtError
from yibiaotong.ledgers.definition import LedgerDef
from yibiaotong.ledgers.tables import ledger_table
from yibiaotong.rules.binding import Catalog
from yibiaotong.rules.policies.reach import Reach, Reader
from yibiaotong.rules.present import scrub


@dataclass
class Subject:
    key: str
    id_number: str | None = None
    household_head_id_number: str | None = None
    household_id: str | None = None

    def params(self) -> dict[str, str]:
        return {k: v for k, v in (("id_number", self.id_number),
                                  ("household_head_id_number", self.household_head_id_number),
                                  ("household_id", self.household_id)) if v}

    @property
    def shown(self) -> str:
        return scrub(self.key)


# --- the subject --------------------------------------------------------------------------------

class _Tables:
    def __init__(self, catalog: Catalog):
        self.catalog = catalog
        self._t: dict[str, Any] = {}

    def __call__(self, d: LedgerDef):
        if d.id not in self._t:
            self._t[d.id] = ledger_table(d, self.catalog.dictionary, MetaData())
        return self._t[d.id]


def _column_of(d: LedgerDef, element: str) -> str | None:
    return next((c.column for c in d.columns if c.element == element), None)


def _find(conn, tables: _Tables, d: LedgerDef, element: str, value: str, *wanted: str,
          reader: Reader | None = None):
    """The first record of ``d`` whose ``element`` is ``value`` (by the unique key when it is the key);
    None also when the reader may not read the ledger or one of the columns."""
    t = tables(d)
    column = _column_of(d, element)
    columns = [c for c in (_column_of(d, w) for w in wanted) if c is not None]
    reach: Reach | None = reader(d.id) if reader is not None else None
    if reader is not None and (reach is None or not {column, *columns} <= set(reach.columns)):
        return None
    where = [t.c._key == value if list(d.key) == [column] else t.c[column] == value]
    if reach is not None and reach.units is not None:
        where.append(t.c._org_unit.in_(reach.units))
    return conn.execute(select(*(t.c[c] for c in columns), t.c._key).where(*where).limit(1)).first()


def resolve_subject(engine: Engine, catalog: Catalog, key: str, reader: Reader | None = None) -> Subject:
    """Who an ID number or a household number is: the person, and their household when a ledger tells."""
    tables = _Tables(catalog)
    text = normalize_id_number(key)
    valid, _problem = check_id_number(text)
    ledgers = sorted(catalog.ledgers.values(), key=lambda d: (d.subject not in ("household", "person"), d.id))

    def find(d: LedgerDef, element: str, value: str, *wanted: str):
        return _find(conn, tables, d, element, value, *wanted, reader=reader)

    with engine.connect() as conn:
        if valid:
            subject = Subject(valid, id_number=valid)
            for d in (d for d in ledgers if catalog.holds(d, ["household_head_id_number"])):
                row = find(d, "household_head_id_number", valid, "household_id")
                if row is not None:
                    subject.household_head_id_number = valid
                    if catalog.holds(d, ["household_id"]):
                        subject.household_id = row[0]
                        break
            if subject.household_head_id_number is None:  # a member: a person ledger may name the head
                for d in (d for d in ledgers if catalog.holds(d, ["id_number", "household_head_id_number"])):
                    row = find(d, "id_number", valid, "household_head_id_number")
                    if row is not None and row[0]:
                        subject.household_head_id_number = row[0]
                        break
            known = subject.household_head_id_number is not None or any(
                find(d, "id_number", valid) is not None
                for d in ledgers if catalog.holds(d, ["id_number"]) and d.subject == "person")
            if known:
                return subject
        else:
            for d in (d for d in ledgers if catalog.holds(d, ["household_id", "household_head_id_number"])):
                row = find(d, "household_id", text, "household_head_id_number")
                if row is not None:
                    return Subject(text, id_number=row[0], household_head_id_number=row[0], household_id=text)
    raise YbtError(Problem("subject-not-found", {"subject": scrub(text)}))
