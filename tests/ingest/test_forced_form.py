"""A form chosen by hand (``--form``, the web's choice) that the sheet is not: said once, with the
cause, instead of every row refused for a missing key."""

from __future__ import annotations

import pytest

from yibiaotong.ingest import import_file

from .conftest import TOWN, fill_roster, install_roster, person


@pytest.fixture
def elderly_form(intake):
    """A second roster form sharing only 姓名 and 村（社区） with the disability roster."""
    return install_roster(intake.engine, intake.tmp, "高龄津贴发放花名册", {
        "老人姓名": ("person_name", "person_identity"),
        "公民身份号码": ("id_number", "person_identity"),
        "性别": ("gender", "person_identity"),
        "村（社区）": ("village", None),
        "年龄": ("age", None),
        "领取人签字": ("remarks", None)})


def test_a_sheet_that_is_another_form_is_refused_naming_that_form(intake, elderly_form):
    path = intake.roster("残疾人补贴.xlsx", [person(1), person(2)])
    report = import_file(intake.engine, path, form="高龄津贴发放花名册", org_unit=TOWN)
    assert report.rows_imported == 0 and intake.store.count("person_identity") == 0
    assert [p.code for p in report.problems] == ["form-chosen-is-another"]
    problem = report.problems[0]
    assert problem.params["best"] == "残疾人两项补贴发放花名册" and problem.location["sheet"]
    assert "《残疾人两项补贴发放花名册》" in problem.advice_zh and "未导入" in problem.message_zh
    # recognised without the choice, the same file imports
    assert import_file(intake.engine, path, org_unit=TOWN).rows_imported == 2


def test_a_chosen_form_whose_keys_the_sheet_lacks_is_refused_once(intake, elderly_form):
    """No installed form is what the sheet is, and the chosen one finds no column to tell its records
    apart by: one problem naming the missing column, not one missing-key error per row."""
    path = fill_roster(elderly_form, intake.tmp / "名单.xlsx", [
        {"老人姓名": "王德明", "村（社区）": "红星村"}, {"老人姓名": "李秀英", "村（社区）": "红星村"}])
    import openpyxl

    wb = openpyxl.load_workbook(path)
    ws = wb.active
    header = next(r for r in range(1, 10) if any(c.value == "公民身份号码" for c in ws[r]))
    renamed = {"老人姓名": "姓名", "公民身份号码": "联系人", "性别": "住址", "年龄": "备注"}
    for title, new in renamed.items():
        ws.cell(header, next(c.column for c in ws[header] if c.value == title)).value = new
    wb.save(path)
    report = import_file(intake.engine, path, form="disability_roster", org_unit=TOWN)
    assert [p.code for p in report.problems] == ["form-chosen-lacks-keys"]
    assert report.problems[0].params["headers"] == "身份证号码"
    assert intake.store.count("person_identity") == 0


def test_a_chosen_form_the_sheet_matches_well_is_read_as_chosen(intake, elderly_form):
    """Choosing the form the sheet is reads it as recognition would."""
    path = intake.roster("残疾人补贴.xlsx", [person(1)])
    report = import_file(intake.engine, path, form="disability_roster", org_unit=TOWN)
    assert report.status == "imported" and report.rows_imported == 1, report.problems


def test_the_wrong_choice_is_said_before_the_missing_village_column_it_causes(intake):
    """A chosen form without a 村（社区） column, on a sheet that is another form: the choice is the
    cause, not the missing unit."""
    install_roster(intake.engine, intake.tmp, "人员名单", {
        "姓名": ("person_name", "person_identity"), "公民身份号码": ("id_number", "person_identity"),
        "工作单位": ("remarks", None), "职务": ("remarks", None)})
    report = import_file(intake.engine, intake.roster("残疾人补贴.xlsx", [person(1)]), form="人员名单")
    assert [p.code for p in report.problems] == ["form-chosen-is-another"]
