"""Importing a generated report back (through the intake package) reproduces the ledger values."""

from __future__ import annotations

from tests.reports.conftest import ROSTER, TOWN
from yibiaotong.ledgers import LedgerStore
from yibiaotong.reports import Reporter

COMPARED = {"person_identity": ["person_name", "gender", "birth_date"], "person_contact": ["phone"],
            "person_address": ["address_current"], "person_disability": ["disability_category", "disability_level"]}


def _snapshot(store: LedgerStore, town_path: str) -> dict[str, dict[str, tuple]]:
    out = {}
    for ledger, columns in COMPARED.items():
        records = store.records(ledger, org_unit_path=town_path, limit=1000)
        out[ledger] = {r["_key"]: (r["_org_unit"], *(r[c] for c in columns)) for r in records}
    return out


def test_generated_roster_imports_back_to_the_same_values(district, tmp_path):
    report = Reporter(district.engine, reveal=True).report(ROSTER, "2024-01", TOWN, tmp_path / "roster.xlsx")
    fresh = district.import_into_fresh(report.path, ROSTER, TOWN)
    town_path = f"/500118000000/{TOWN}/"
    expected = _snapshot(district.store, town_path)
    got = _snapshot(LedgerStore(fresh), town_path)
    # every disabled person of the town came back with the same values (赵六 has no disability and
    # is not on the roster, so only the roster's people are compared)
    roster_keys = set(expected["person_disability"])
    assert roster_keys and set(got["person_disability"]) == roster_keys
    for ledger in COMPARED:
        assert {k: v for k, v in got[ledger].items() if k in roster_keys} == \
            {k: v for k, v in expected[ledger].items() if k in roster_keys}, ledger
    fresh.dispose()
