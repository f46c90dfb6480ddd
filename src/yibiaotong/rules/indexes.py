"""Indexes the rules need, derived from the rules themselves.

A rule that joins payments to people by ID number, or asks whether a parcel has a planting record,
makes the database look records up by those columns; without an index each lookup scans the
ledger and a district's rules take minutes instead of seconds. The compiled rules say which
columns each ledger is looked up by (:class:`yibiaotong.rules.compile.Lookup`): one index per
ledger and column list (equalities first, then one range column such as ``payment_month``).

The demo builder calls :func:`ensure_rule_indexes` after loading; ``ybt rules index`` does the same.
Ledger tables are not in Alembic's history, so these indexes are plain CREATE INDEX statements
(checked first: running it again creates nothing).
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from sqlalchemy import Engine, Index, MetaData, inspect, text

from yibiaotong.elements.dates import today as china_today
from yibiaotong.errors import YbtError
from yibiaotong.ledgers.store import LedgerStore
from yibiaotong.ledgers.tables import ledger_table
from yibiaotong.rules.binding import Catalog
from yibiaotong.rules.compile import Lookup, compile_rule
from yibiaotong.rules.definitions import RuleDef, load_rules


def needed_indexes(engine: Engine, rules: list[RuleDef], catalog: Catalog | None = None) -> list[Lookup]:
    """The lookups of every rule that can run on this database (rules that cannot are skipped)."""
    if catalog is None:
        store = LedgerStore(engine)
        catalog = Catalog(store.ledgers(), store.dictionary)
    found: list[Lookup] = []
    for rule in rules:
        try:
            found += compile_rule(rule, catalog, as_of=china_today()).lookups
        except YbtError:
            continue
    unique = list(dict.fromkeys(found))
    return [x for x in unique if not any(y != x and y.table_name == x.table_name
                                         and y.columns[:len(x.columns)] == x.columns for y in unique)]


def index_name(lookup: Lookup) -> str:
    digest = hashlib.sha1("|".join(lookup.columns).encode()).hexdigest()[:10]
    return f"ix_rule_{lookup.ledger_id[:40]}_{digest}"


def ensure_rule_indexes(engine: Engine, rules: list[RuleDef] | None = None, *, pack: str | Path = "yongchuan",
                        analyze: bool = True) -> list[str]:
    """Create the indexes the rules need that do not exist yet; returns the names created.

    ``analyze`` refreshes the planner's statistics of the tables indexed, so that the database
    knows the new indexes are selective."""
    rules = rules if rules is not None else load_rules(pack)
    store = LedgerStore(engine)
    catalog = Catalog(store.ledgers(), store.dictionary)
    created: list[str] = []
    tables: set[str] = set()
    for lookup in needed_indexes(engine, rules, catalog):
        name = index_name(lookup)
        existing = {ix["name"] for ix in inspect(engine).get_indexes(lookup.table_name)}
        if name in existing:
            continue
        table = ledger_table(catalog.ledgers[lookup.ledger_id], store.dictionary, MetaData())
        with engine.begin() as conn:
            Index(name, *(table.c[c] for c in lookup.columns)).create(conn)
        created.append(name)
        tables.add(lookup.table_name)
    if analyze and tables:
        with engine.begin() as conn:
            quote = conn.dialect.identifier_preparer.quote
            for t in sorted(tables):
                conn.execute(text(f"ANALYZE {quote(t)}"))  # a table name of ours, quoted; no user text
    return created
