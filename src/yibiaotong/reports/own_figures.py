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
subquery per column probes the subtree once per record and column; this is one pass. The ids left
out are written into the SQL as integers (they are the ledger's own): a district's hundreds of
villages times a table's columns would pass any database's limit on bound parameters.
"""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import case, literal_column, null, select
from sqlalchemy.sql.selectable import FromClause

from yibiaotong.ledgers.definition import ORG_UNIT_KEY, LedgerDef
from yibiaotong.ledgers.store import LedgerStore
from yibiaotong.orgunits.tree import subtree_range
from yibiaotong.reports.defaults import NUMERIC
from yibiaotong.reports.period import Period
from yibiaotong.store import schema


def own_figures(store: LedgerStore, definition: LedgerDef, month: str | None, period: Period,
                within: str, used: set[str]) -> FromClause | None:
    """The area ledger as the report for the unit at path ``within`` should aggregate it: each
    number column among ``used`` (the columns the aggregates read) NULL where a unit above the
    record's, in the subtree, has its own value for the same key; aliased by the ledger id. None
    when no record of the period is overridden (the table as it is)."""
    table = store.table(definition.id)
    columns = [c.column for c in definition.columns if c.column in used and c.column not in definition.key
               and store.dictionary.element(c.element).type in NUMERIC]
    hidden = _overridden(store, definition, table, columns, month, period, within) if columns else {}
    if not hidden:
        return None
    sets: dict[tuple[int, ...], list] = {}  # columns hidden in the same records share one list
    for ids in hidden.values():
        sets.setdefault(ids, [literal_column(str(int(i))) for i in ids])
    out = [case((table.c._id.in_(sets[hidden[c.name]]), null()), else_=c).label(c.name) if c.name in hidden else c
           for c in table.columns]
    return select(*out).subquery(definition.id)


def _overridden(store: LedgerStore, definition: LedgerDef, table, data: list[str], month: str | None,
                period: Period, within: str) -> dict[str, tuple[int, ...]]:
    """Per column, the ids of the records in scope whose value a unit above them replaces."""
    org = schema.org_unit
    others = [k for k in definition.key if k != ORG_UNIT_KEY]
    low, high = subtree_range(within)
    stmt = (select(table.c._id, org.c.path, *(table.c[k] for k in others), *(table.c[c].is_not(None) for c in data))
            .select_from(table.join(org, org.c.code == table.c._org_unit))
            .where(org.c.path >= low, org.c.path < high))
    if month:
        stmt = stmt.where(table.c[month] == period.text)
    records: dict[tuple, list] = defaultdict(list)  # the key without the org unit -> its records
    with store.engine.connect() as conn:
        for row in conn.execute(stmt):
            records[tuple(row[2:2 + len(others)])].append(row)
    hidden: dict[str, list[int]] = defaultdict(list)
    first = 2 + len(others)
    for rows in records.values():
        if len(rows) < 2:
            continue
        above = [_above(row[1]) for row in rows]
        for j, column in enumerate(data):
            filled = {row[1] for row in rows if row[first + j]}
            if filled:
                hidden[column] += [row[0] for row, ups in zip(rows, above)
                                   if row[first + j] and not filled.isdisjoint(ups)]
    return {column: tuple(sorted(ids)) for column, ids in hidden.items() if ids}


def _above(path: str) -> list[str]:
    """The paths of the units above the one at ``path`` ("/d/t/v/" -> "/d/", "/d/t/")."""
    parts = path.strip("/").split("/")
    return ["/" + "/".join(parts[:i]) + "/" for i in range(1, len(parts))]
