"""Setting up a database from packs: migrations, dictionary, org tree, ledgers (what `ybt init` does)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Engine

from yibiaotong.elements.dictionary import Dictionary
from yibiaotong.forms.definition import load_form_defs
from yibiaotong.forms.store import save_forms
from yibiaotong.ledgers.definition import LedgerDef
from yibiaotong.ledgers.store import LedgerStore
from yibiaotong.ledgers.tables import sql_type
from yibiaotong.orgunits.csvio import read_csv
from yibiaotong.orgunits.store import save_tree
from yibiaotong.packs import resolve_packs
from yibiaotong.store.engine import open_store


@dataclass
class SetupResult:
    packs: list[str]
    elements: int
    codelists: int
    org_units: int
    ledgers_created: list[str]
    forms: int = 0
    columns_added: list[str] = field(default_factory=list)  # ledger.column the pack added to an installed ledger
    # ledger.column whose element now asks for another SQL type than the installed column has: not
    # converted (its values may not be), said
    columns_retyped: list[str] = field(default_factory=list)


def install_pack(engine: Engine, pack: str | Path) -> SetupResult:
    """Load a pack (and the packs it depends on) into a migrated database.

    Each step is its own transaction and can be re-run: the dictionary is replaced, org units
    are upserted, a ledger that already exists gains the columns the pack added to it (a newer
    pack's forms use them) and keeps every column and value it has; a column whose element now
    has another type keeps its own and is listed.
    """
    packs = resolve_packs(pack)
    dictionary = Dictionary.from_packs(packs)
    before = Dictionary.from_db(engine)  # the element types the installed ledgers' columns were made with
    dictionary.save(engine)
    org_units = 0
    for p in packs:
        if p.orgunits_csv:
            org_units += save_tree(engine, read_csv(p.orgunits_csv))
    store = LedgerStore(engine, dictionary)
    existing = {d.id: d for d in store.ledgers()}
    defined = [d for p in packs for d in map(LedgerDef.from_file, p.files("ledgers"))]
    new = [d for d in defined if d.id not in existing]
    store.create_ledgers(new)
    created = [d.id for d in new]
    added, retyped = [], []
    for d in defined:
        if d.id in existing:
            a, r = _upgrade(store, before, existing[d.id], d)
            added += a
            retyped += r
    forms = 0
    for p in packs:
        if (p.path / "forms").is_dir():
            forms += save_forms(engine, p.id, load_form_defs(p.path / "forms"))
    return SetupResult([p.id for p in packs], len(dictionary.elements), len(dictionary.codelists), org_units, created,
                       forms, added, retyped)


def _upgrade(store: LedgerStore, before: Dictionary, installed: LedgerDef, pack: LedgerDef
             ) -> tuple[list[str], list[str]]:
    """An installed ledger against the pack's definition of it: the columns added to it, and those
    whose element's SQL type is no longer the one the column was made with."""
    added = []
    for column in pack.columns:
        if column.column not in installed.column_names:
            store.add_column(installed.id, column)
            added.append(f"{installed.id}.{column.column}")
    dialect = store.engine.dialect
    retyped = [f"{installed.id}.{c.column}" for c in installed.columns
               if c.element in before.elements and c.element in store.dictionary.elements
               and sql_type(before.element(c.element)).compile(dialect)
               != sql_type(store.dictionary.element(c.element)).compile(dialect)]
    return added, retyped


def init_database(db: str | Path | None, pack: str | Path) -> tuple[Engine, SetupResult]:
    engine = open_store(db)
    return engine, install_pack(engine, pack)
