"""Setting up a database from packs: migrations, dictionary, org tree, ledgers (what `ybt init` does)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine

from yibiaotong.elements.dictionary import Dictionary
from yibiaotong.forms.definition import load_form_defs
from yibiaotong.forms.store import save_forms
from yibiaotong.ledgers.definition import LedgerDef
from yibiaotong.ledgers.store import LedgerStore
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


def install_pack(engine: Engine, pack: str | Path) -> SetupResult:
    """Load a pack (and the packs it depends on) into a migrated database.

    Each step is its own transaction and can be re-run: the dictionary is replaced, org units
    are upserted, and ledgers that already exist are left as they are.
    """
    packs = resolve_packs(pack)
    dictionary = Dictionary.from_packs(packs)
    dictionary.save(engine)
    org_units = 0
    for p in packs:
        if p.orgunits_csv:
            org_units += save_tree(engine, read_csv(p.orgunits_csv))
    store = LedgerStore(engine, dictionary)
    existing = {d.id for d in store.ledgers()}
    new = [d for p in packs for d in map(LedgerDef.from_file, p.files("ledgers")) if d.id not in existing]
    store.create_ledgers(new)
    created = [d.id for d in new]
    forms = 0
    for p in packs:
        if (p.path / "forms").is_dir():
            forms += save_forms(engine, p.id, load_form_defs(p.path / "forms"))
    return SetupResult([p.id for p in packs], len(dictionary.elements), len(dictionary.codelists), org_units, created,
                       forms)


def init_database(db: str | Path | None, pack: str | Path) -> tuple[Engine, SetupResult]:
    engine = open_store(db)
    return engine, install_pack(engine, pack)
