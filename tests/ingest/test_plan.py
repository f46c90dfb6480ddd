"""Which ledger key a roster's columns give: the ID number of the form's own records keys the person
ledgers the form does not print a person's ID for, as the reporter joins them (household rosters)."""

from __future__ import annotations

from datetime import date

import pytest

from yibiaotong.ingest import import_file
from yibiaotong.ledgers import LedgerDef, LedgerStore
from yibiaotong.orgunits import OrgTree, OrgUnit, save_tree

from .conftest import DISTRICT, TOWN, VILLAGE, fill_roster, id_number, install_roster

HEAD, MEMBER = id_number(date(1961, 3, 9), 112), id_number(date(1990, 7, 1), 215)


@pytest.fixture
def households(engine, standard_dictionary, tmp_path):
    standard_dictionary.save(engine)
    save_tree(engine, OrgTree([OrgUnit(DISTRICT, "永川区", "district"), OrgUnit(TOWN, "临江镇", "town", DISTRICT),
                               OrgUnit(VILLAGE, "红星村", "village", TOWN)]))
    store = LedgerStore(engine, standard_dictionary)
    for definition in [
        {"id": "household_dibao", "name": "低保（家庭户）台账", "subject": "household",
         "key": ["household_head_id_number"],
         "columns": ["household_head_id_number", "household_head_name", "covered_persons_count"]},
        {"id": "household", "name": "家庭户台账", "subject": "household", "key": ["household_head_id_number"],
         "columns": ["household_head_id_number", "household_size"]},
        {"id": "person_identity", "name": "人口基础信息台账", "subject": "person", "group": "identity",
         "key": ["id_number"], "columns": ["id_number", "person_name", "ethnicity"]},
        {"id": "person_bank", "name": "银行账户台账", "subject": "person", "group": "bank", "key": ["id_number"],
         "columns": ["id_number", "bank_account"]},
    ]:
        store.create_ledger(LedgerDef.from_dict(definition))
    return engine, store, tmp_path


def test_a_household_rosters_person_columns_are_the_household_heads(households):
    """低保户花名册: one household a row, keyed by 户主公民身份号码; its 民族 is kept in a person ledger keyed
    by a person's own ID number, which the form does not print: it is the head's. A business ledger
    (a bank account, a benefit) is not made a record of the head's: its value is said to lack its key."""
    engine, store, tmp = households
    template = install_roster(engine, tmp, "低保户花名册", {
        "户主姓名": ("household_head_name", "household_dibao"),
        "户主公民身份号码": ("household_head_id_number", "household_dibao"),
        "保障人数": ("covered_persons_count", "household_dibao"),
        "民族": ("ethnicity", "person_identity"),
        "银行账号": ("bank_account", "person_bank"),
        "村（社区）": ("village", None)})
    path = fill_roster(template, tmp / "低保户.xlsx", [
        {"户主姓名": "王德明", "户主公民身份号码": HEAD, "保障人数": 3, "民族": "土家族",
         "银行账号": "6224020015220663714", "村（社区）": "红星村"}])
    report = import_file(engine, path, org_unit=TOWN)
    assert report.status == "imported" and report.rows_imported == 1, report.problems
    assert store.get("household_dibao", HEAD)["covered_persons_count"] == 3
    assert store.get("person_identity", HEAD)["ethnicity"] == "15"  # GB 3304: 土家族
    assert store.count("person_bank") == 0
    missing = [w for w in report.warnings if w.code == "ledger-key-missing"]
    assert len(missing) == 1 and "银行账户台账" in missing[0].message_zh


def test_a_person_rosters_household_columns_are_not_made_the_persons_household(households):
    """On a roster of persons, the household ledger keyed by 户主身份证号 is not keyed by each person's
    own ID: the person need not head the household. Its value is said to lack its key, not stored
    as a household the person heads."""
    engine, store, tmp = households
    template = install_roster(engine, tmp, "人员花名册", {
        "姓名": ("person_name", "person_identity"),
        "公民身份号码": ("id_number", "person_identity"),
        "家庭人口数": ("household_size", "household"),
        "村（社区）": ("village", None)})
    path = fill_roster(template, tmp / "人员.xlsx", [
        {"姓名": "王小红", "公民身份号码": MEMBER, "家庭人口数": 4, "村（社区）": "红星村"}])
    report = import_file(engine, path, org_unit=TOWN)
    assert report.status == "imported" and report.rows_imported == 1, report.problems
    assert store.get("person_identity", MEMBER)["person_name"] == "王小红"
    assert store.count("household") == 0
    missing = [w for w in report.warnings if w.code == "ledger-key-missing"]
    assert len(missing) == 1 and "户主" in missing[0].message_zh and missing[0].location["row"] == 4


def test_a_missing_column_is_said_only_when_its_data_would_have_been_kept(households):
    """A sheet without the form's 保障人数 loses data and says so; one without 备注 or 领取人签字, which no
    ledger keeps, loses nothing and is not warned about on every import."""
    import openpyxl

    engine, store, tmp = households
    template = install_roster(engine, tmp, "低保户花名册", {
        "户主姓名": ("household_head_name", "household_dibao"),
        "户主公民身份号码": ("household_head_id_number", "household_dibao"),
        "保障人数": ("covered_persons_count", "household_dibao"),
        "村（社区）": ("village", None),
        "领取人签字": ("remarks", None),
        "备注": ("remarks", None)})
    path = fill_roster(template, tmp / "少栏目.xlsx", [
        {"户主姓名": "王德明", "户主公民身份号码": HEAD, "保障人数": 3, "村（社区）": "红星村"}])
    wb = openpyxl.load_workbook(path)
    ws = wb.active
    header_row = next(r for r in range(1, 10) if any(c.value == "保障人数" for c in ws[r]))
    for title in ("备注", "领取人签字", "保障人数"):  # right to left: the earlier columns stay put
        ws.delete_cols(next(c.column for c in ws[header_row] if c.value == title))
    wb.save(path)
    report = import_file(engine, path, org_unit=TOWN)
    assert report.status == "imported" and report.rows_imported == 1, report.problems
    missing = [w for w in report.warnings if w.code == "form-fields-missing"]
    assert [w.params["headers"] for w in missing] == ["保障人数"]
    assert store.get("household_dibao", HEAD)["household_head_name"] == "王德明"
