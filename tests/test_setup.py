"""Installing a pack into a database that has an older version of it (ybt init again)."""

from __future__ import annotations

import shutil

import pytest
import yaml

from tests.reports.conftest import VILLAGE, build_pack
from yibiaotong.ledgers import LedgerStore
from yibiaotong.setup import install_pack


@pytest.fixture(scope="module")
def older_pack(tmp_path_factory):
    pack = tmp_path_factory.mktemp("older") / "district"
    build_pack(pack)
    return pack


def test_a_newer_pack_adds_its_columns_to_installed_ledgers_and_keeps_their_data(engine, older_pack, tmp_path):
    """A newer pack's forms feed columns its ledgers gained (an indicator's 发放金额 split from its
    人数): an installed ledger gains them, keeps every record, and a column whose element changed
    type is listed, not converted."""
    pack = tmp_path / "district"
    shutil.copytree(older_pack, pack)
    first = install_pack(engine, pack)
    assert "area_disability" in first.ledgers_created and not first.columns_added
    store = LedgerStore(engine)
    visits = next(c for c in store.ledger("area_disability").column_names if c.startswith("x_kang_fu"))
    store.upsert("area_disability", [{"stat_month": "2024-01", visits: 3, "_org_unit": VILLAGE}])

    ledger_file = pack / "ledgers" / "area_disability.yaml"
    ledger = yaml.safe_load(ledger_file.read_text(encoding="utf-8"))
    ledger["columns"].append("count_allowance_age_80_89")
    ledger_file.write_text(yaml.safe_dump(ledger, allow_unicode=True), encoding="utf-8")
    elements_file = pack / "elements" / "consolidated.yaml"
    elements = yaml.safe_load(elements_file.read_text(encoding="utf-8"))
    (element,) = [e for e in elements["elements"] if e["id"] == visits]
    element.update(type="amount", unit="元")
    elements_file.write_text(yaml.safe_dump(elements, allow_unicode=True), encoding="utf-8")

    again = install_pack(engine, pack)
    assert again.ledgers_created == [] and again.columns_added == ["area_disability.count_allowance_age_80_89"]
    assert again.columns_retyped == [f"area_disability.{visits}"]
    store = LedgerStore(engine)
    assert "count_allowance_age_80_89" in store.ledger("area_disability").column_names
    (record,) = store.records("area_disability")
    assert record[visits] == 3 and record["count_allowance_age_80_89"] is None
    assert install_pack(engine, pack).columns_added == []  # once
