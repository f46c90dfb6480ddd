"""Consolidation and burden figures of a database (what `ybt stats` and the dashboard show).

The clerk time saved is an estimate whose method and constants are data (packs/<pack>/burden.yaml):
per reporting unit (village/community for rosters and records, town for statistics tables),
each form is submitted `frequency` times a year (default: the article's 1,337 submissions over
178 forms); filling it by hand costs `minutes_per_field` per field; once generated from ledgers
only the fields no ledger serves are typed, plus `minutes_to_confirm_generated_form`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Engine, func, select, text

from yibiaotong.forms.definition import FormDef
from yibiaotong.forms.store import load_forms
from yibiaotong.ledgers.store import LedgerStore
from yibiaotong.packs import read_yaml, resolve_packs
from yibiaotong.store import schema

DEFAULT_BURDEN = {"forms_per_unit": 178, "submissions_per_year_per_unit": 1337, "minutes_per_field": 0.9,
                  "minutes_to_confirm_generated_form": 2, "frequency_per_year": {}}


def burden_constants(pack: str | Path | None) -> dict[str, Any]:
    constants = dict(DEFAULT_BURDEN)
    if pack:
        for p in resolve_packs(pack):
            path = p.path / "burden.yaml"
            if path.exists():
                constants.update(read_yaml(path))
    return constants


def stats(engine: Engine, pack: str | Path | None = None) -> dict[str, Any]:
    forms = load_forms(engine)
    store = LedgerStore(engine)
    ledgers = store.ledgers()
    per_ledger = {d.id: _count(engine, d.table_name) for d in ledgers}
    with engine.connect() as conn:
        units = dict(conn.execute(select(schema.org_unit.c.level, func.count()).group_by(schema.org_unit.c.level)).all())
    return {
        **form_burden(forms, burden_constants(pack)),
        "ledgers": len(ledgers),
        "ledger_fields": sum(len(d.columns) for d in ledgers),
        "records": sum(per_ledger.values()),
        "records_per_ledger": per_ledger,
        "org_units_by_level": {str(k): v for k, v in sorted(units.items())},
    }


def form_burden(forms: list[FormDef], c: dict[str, Any]) -> dict[str, Any]:
    """The figures that follow from the form definitions alone (no record is counted): fields,
    how many ledgers serve, and the clerk minutes by hand and saved per month (constants ``c``)."""
    fields = [f for fd in forms for f in fd.fields]
    served = sum(1 for f in fields if f.served and f.element)
    elements = {f.element for f in fields if f.element}
    saved_per_unit_year = 0.0
    default_per_form = c["submissions_per_year_per_unit"] / max(c["forms_per_unit"], 1)
    for fd in forms:
        per_year = c["frequency_per_year"].get(fd.extra.get("frequency"), default_per_form)
        by_hand = len(fd.fields) * c["minutes_per_field"]
        generated = sum(1 for f in fd.fields if not (f.served and f.element)) * c["minutes_per_field"] \
            + c["minutes_to_confirm_generated_form"]
        saved_per_unit_year += per_year * max(by_hand - generated, 0)
    minutes_by_hand_year = sum(len(fd.fields) for fd in forms) * c["minutes_per_field"] * default_per_form
    return {
        "forms": len(forms),
        "fields": len(fields),
        "fields_served": served,
        "elements": len(elements),
        "fields_served_share": round(served / len(fields), 4) if fields else 0.0,
        "forms_fully_served": sum(1 for fd in forms if fd.fields and all(f.served and f.element for f in fd.fields)),
        "clerk_minutes_saved_per_month": round(saved_per_unit_year / 12, 1),
        "clerk_minutes_by_hand_per_month": round(minutes_by_hand_year / 12, 1),
        "method": {k: c[k] for k in ("forms_per_unit", "submissions_per_year_per_unit", "minutes_per_field",
                                     "minutes_to_confirm_generated_form")},
    }


def _count(engine: Engine, table: str) -> int:
    with engine.connect() as conn:
        return int(conn.execute(text(f'SELECT COUNT(*) FROM "{table}"')).scalar_one())
