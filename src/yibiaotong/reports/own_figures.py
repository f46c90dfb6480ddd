"""A unit's own figures (本级数) in an area ledger: used instead of its parts' figures, not added to them.

An area ledger keeps one record per org unit and month: a village's figures, or a town's when the
town filled the table itself (an indicator table imported at town level). The town's figure
already covers its villages, so a report that sums the town's subtree must not add the villages'
figures to it: 24 people, not 24 + 24. Column by column, a record's value is left out of an
aggregate when a unit above it, inside the report's subtree, has its own value in that column
for the same key (the same month). A column the town did not fill still sums its villages.

Only number columns are replaced (a count of filled texts counts the units that answered), and
only those the report's aggregates read. The records left out are found here, in Python, from one
small query: an area ledger holds a record per unit and month (hundreds in a report's scope), and
the ancestors of a unit are its path's prefixes. SQL that finds the same with a correlated
subquery per column probes the subtree once per record and column; this is one pass. A unit's own
figure that is not the sum of what it replaces is said (上下级不一致: a village corrected after
its town filled the table) — the report keeps the town's figure. The ids left out are written
into the SQL as integers (they are the ledger's own): a district's hundreds of villages times a
table's columns would pass any database's limit on bound parameters.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import case, literal_column, null, select
from sqlalchemy.sql.selectable import FromClause

from yibiaotong.ledgers.definition import ORG_UNIT_KEY, LedgerDef
from yibiaotong.ledgers.store import LedgerStore
from yibiaotong.orgunits.tree import subtree_range
from yibiaotong.reports.defaults import NUMERIC
from yibiaotong.reports.period import Period
from yibiaotong.store import schema


@dataclass
class Differs:
    """A unit whose own figures are not the sum of its parts' (上下级不一致): what the report used
    and what its parts say, per column."""

    unit: str  # the unit's name
    columns: list[tuple[str, Decimal, Decimal]]  # (element name, its own figure, its parts' sum)


@dataclass
class OwnFigures:
    table: FromClause | None  # None: no record is replaced (the ledger's table as it is)
    differs: list[Differs]


def own_figures(store: LedgerStore, definition: LedgerDef, month: str | None, period: Period,
                within: str, used: set[str]) -> OwnFigures:
    """The area ledger as the report for the unit at path ``within`` should aggregate it: each
    number column among ``used`` (the columns the aggregates read) NULL where a unit above the
    record's, in the subtree, has its own value for the same key; aliased by the ledger id. With it,
    the units whose own figures differ from their parts' sums."""
    table = store.table(definition.id)
    columns = [c for c in definition.columns if c.column in used and c.column not in definition.key
               and store.dictionary.element(c.element).type in NUMERIC]
    if not columns:
        return OwnFigures(None, [])
    hidden, differs = _overridden(store, definition, table, [c.column for c in columns], month, period, within)
    names = {c.column: store.dictionary.element(c.element).name for c in columns}
    report = [Differs(unit, [(names[c], own, parts) for c, own, parts in found]) for unit, found in differs.values()]
    if not hidden:
        return OwnFigures(None, report)
    sets: dict[tuple[int, ...], list] = {}  # columns hidden in the same records share one list
    for ids in hidden.values():
        sets.setdefault(ids, [literal_column(str(int(i))) for i in ids])
    out = [case((table.c._id.in_(sets[hidden[c.name]]), null()), else_=c).label(c.name) if c.name in hidden else c
           for c in table.columns]
    return OwnFigures(select(*out).subquery(definition.id), report)


def _overridden(store: LedgerStore, definition: LedgerDef, table, data: list[str], month: str | None,
                period: Period, within: str) -> tuple[dict[str, tuple[int, ...]], dict[str, tuple[str, list]]]:
    """Per column, the ids of the records in scope whose value a unit above them replaces; and per
    unit (by path: two villages may share a name) whose own value differs from the sum of the
    values it replaces, its name and the columns with its own value and that sum. A value is
    replaced by its nearest unit above that has one."""
    org = schema.org_unit
    others = [k for k in definition.key if k != ORG_UNIT_KEY]
    low, high = subtree_range(within)
    stmt = (select(table.c._id, org.c.path, org.c.name, *(table.c[k] for k in others), *(table.c[c] for c in data))
            .select_from(table.join(org, org.c.code == table.c._org_unit))
            .where(org.c.path >= low, org.c.path < high).order_by(org.c.path))
    if month:
        stmt = stmt.where(table.c[month] == period.text)
    records: dict[tuple, list] = defaultdict(list)  # the key without the org unit -> its records
    with store.engine.connect() as conn:
        for row in conn.execute(stmt):
            records[tuple(row[3:3 + len(others)])].append(row)
    hidden: dict[str, list[int]] = defaultdict(list)
    differs: dict[str, tuple[str, list]] = {}
    first = 3 + len(others)
    for rows in records.values():
        if len(rows) < 2:
            continue
        above = [_above(row[1]) for row in rows]
        for j, column in enumerate(data):
            own = {row[1]: (row[2], row[first + j]) for row in rows if row[first + j] is not None}
            parts: dict[str, Decimal] = defaultdict(Decimal)
            for row, ups in zip(rows, above):
                value = row[first + j]
                nearest = next((p for p in reversed(ups) if p in own), None) if value is not None else None
                if nearest is not None:
                    hidden[column].append(row[0])
                    parts[nearest] += Decimal(value)
            for path, total in parts.items():
                name, value = own[path]
                if Decimal(value) != total:
                    differs.setdefault(path, (name, []))[1].append((column, Decimal(value), total))
    return {column: tuple(sorted(ids)) for column, ids in hidden.items()}, differs


def _above(path: str) -> list[str]:
    """The paths of the units above the one at ``path`` ("/d/t/v/" -> "/d/", "/d/t/"), farthest first."""
    parts = path.strip("/").split("/")
    return ["/" + "/".join(parts[:i]) + "/" for i in range(1, len(parts))]
