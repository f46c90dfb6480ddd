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
         "columns": ["household_head_id_number", "household_head_name", "covered_persons_count", "dibao_category"]},
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
    # said once for the form, not on every row: no row of it can have the key
    (missing,) = [w for w in report.warnings if w.code in ("ledger-key-missing", "ledger-key-not-in-form")]
    assert missing.code == "ledger-key-not-in-form" and "row" not in missing.location
    assert "银行账户台账" in missing.message_zh and "“银行账号”未写入" in missing.message_zh


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
    (missing,) = [w for w in report.warnings if w.code in ("ledger-key-missing", "ledger-key-not-in-form")]
    assert missing.code == "ledger-key-not-in-form" and "户主" in missing.message_zh and "家庭人口数" in missing.message_zh


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


def test_columns_asking_for_one_ledger_column_keep_the_last_filled_value(households):
    """低保对象增减变动情况表 asks for 低保类别 three times (as it is, 变动前, 变动后) and for 保障人数 twice:
    each row writes the right-most filled one. A blank 变动后 (the benefit stopped) does not blank what
    the other columns say, on the column-wise path and on the row-by-row one (a name with a stray
    space); rows whose columns disagree are said once, with which value was kept."""
    engine, store, tmp = households
    template = install_roster(engine, tmp, "低保对象增减变动情况表", {
        "户主": ("household_head_name", "household_dibao"),
        "户主公民身份号码": ("household_head_id_number", "household_dibao"),
        "低保类别": ("dibao_category", "household_dibao"),
        "变动前/保障人数（人）": ("covered_persons_count", "household_dibao"),
        "变动前/低保类别": ("dibao_category", "household_dibao"),
        "变动后/保障人数（人）": ("covered_persons_count", "household_dibao"),
        "变动后/低保类别": ("dibao_category", "household_dibao"),
        "社区（村）": ("village", None)})
    heads = [id_number(date(1950 + n, 2, 3), 120 + 2 * n) for n in range(4)]
    path = fill_roster(template, tmp / "增减变动.xlsx", [
        {"户主": "王德明", "户主公民身份号码": heads[0], "低保类别": "农村低保", "变动前/保障人数（人）": 3,
         "社区（村）": "红星村"},
        {"户主": "李秀英", "户主公民身份号码": heads[1], "低保类别": "农村低保", "变动前/低保类别": "农村低保",
         "变动后/低保类别": "城市低保", "变动前/保障人数（人）": 4, "变动后/保障人数（人）": 2, "社区（村）": "红星村"},
        {"户主": "张国华", "户主公民身份号码": heads[2], "变动前/低保类别": "城市低保", "变动前/保障人数（人）": 1,
         "社区（村）": "红星村"},
        {"户主": " 刘芳", "户主公民身份号码": heads[3], "低保类别": "城市低保", "变动前/保障人数（人）": 5,
         "社区（村）": "红星村"}])
    report = import_file(engine, path, org_unit=TOWN)
    assert report.status == "imported" and report.rows_imported == 4, report.problems
    kept = {head: (r["dibao_category"], r["covered_persons_count"])
            for head in heads for r in [store.get("household_dibao", head)]}
    assert kept == {heads[0]: ("2", 3), heads[1]: ("1", 2), heads[2]: ("1", 1), heads[3]: ("1", 5)}
    disagree = [w for w in report.warnings if w.code == "form-columns-disagree"]
    assert len(disagree) == 2, report.warnings
    assert {w.params["count"] for w in disagree} == {1}
    categories = next(w for w in disagree if "低保类别" in w.params["headers"])
    assert categories.params["headers"] == "“低保类别”、“变动前/低保类别”、“变动后/低保类别”"
    assert categories.params["rows"] == str(fill_row(template, 2)) and "靠右一栏" in categories.message_zh
    # a later file leaving the columns blank changes nothing
    again = fill_roster(template, tmp / "增减变动2.xlsx", [
        {"户主": "王德明", "户主公民身份号码": heads[0], "社区（村）": "红星村"}])
    import_file(engine, again, org_unit=TOWN)
    assert store.get("household_dibao", heads[0])["dibao_category"] == "2"


def fill_row(template, n: int) -> int:
    """The sheet row of the ``n``-th filled row (1-based) of a template filled by fill_roster."""
    from yibiaotong.forms import read_templates

    return read_templates(template).forms[0].data_first_row + n - 1


def test_a_column_in_another_quantity_is_not_read_and_its_ledger_gets_no_empty_record(households):
    """补贴金额（元） mapped to 家庭人口 (人): not the same fact. Not stored as a household size; the
    household ledger, given nothing else, gets no record of the household at all; said once."""
    engine, store, tmp = households
    template = install_roster(engine, tmp, "低保户花名册", {
        "户主姓名": ("household_head_name", "household_dibao"),
        "户主公民身份号码": ("household_head_id_number", "household_dibao"),
        "补贴金额（元）": ("household_size", "household"),
        "村（社区）": ("village", None)})
    path = fill_roster(template, tmp / "低保户.xlsx", [
        {"户主姓名": "王德明", "户主公民身份号码": HEAD, "补贴金额（元）": 1260, "村（社区）": "红星村"},
        {"户主姓名": "李秀英", "户主公民身份号码": MEMBER, "补贴金额（元）": 840, "村（社区）": "红星村"}])
    report = import_file(engine, path, org_unit=TOWN)
    assert report.status == "imported" and report.rows_imported == 2 and not report.problems, report.problems
    (warning,) = [w for w in report.warnings if w.code == "form-column-other-quantity"]
    assert warning.params["headers"] == "补贴金额（元）" and warning.params["unit"] == "元"
    assert warning.params["element_unit"] == "人"
    assert store.count("household") == 0 and store.count("household_dibao") == 2


def test_the_rosters_own_ledger_keeps_its_rows_when_its_only_column_is_in_another_quantity(households):
    """保障金额（元） mapped to 保障人数 of 低保（家庭户）台账, the roster's own ledger: the amount is not
    read, but each household listed is still a record of it (a roster lists its own records)."""
    engine, store, tmp = households
    template = install_roster(engine, tmp, "低保户花名册", {
        "户主公民身份号码": ("household_head_id_number", "household"),
        "家庭人口": ("household_size", "household"),
        "保障金额（元）": ("covered_persons_count", "household_dibao"),
        "村（社区）": ("village", None)})
    path = fill_roster(template, tmp / "低保户.xlsx", [
        {"户主公民身份号码": HEAD, "家庭人口": 3, "保障金额（元）": 1260, "村（社区）": "红星村"}])
    report = import_file(engine, path, org_unit=TOWN)
    assert report.status == "imported" and report.rows_imported == 1, report.problems
    assert [w.code for w in report.warnings if w.code == "form-column-other-quantity"] == ["form-column-other-quantity"]
    assert store.count("household_dibao") == 1 and store.get("household_dibao", HEAD)["covered_persons_count"] is None
    assert store.get("household", HEAD)["household_size"] == 3
