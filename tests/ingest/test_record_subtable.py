"""A filled one-record form (申请表, 登记表) with a family sub-table: every member row is imported."""

from __future__ import annotations

from datetime import date

import openpyxl
import pytest

from tests.ingest.conftest import TOWN, id_number
from yibiaotong.forms import read_templates, render_template
from yibiaotong.forms.definition import FieldDef, FormDef
from yibiaotong.errors import YbtError
from yibiaotong.forms.store import save_forms
from yibiaotong.ingest import import_file
from yibiaotong.ledgers import LedgerDef

MEMBERS = "家庭成员情况"
FIELDS = {
    "申请人姓名": ("person_name", "person_identity"),
    "身份证号码": ("id_number", "person_identity"),
    "村（社区）": ("village", None),
    f"{MEMBERS}/姓名": ("family_member_name", "person_family_member"),
    f"{MEMBERS}/与户主关系": ("relation_to_head", "person_family_member"),
    f"{MEMBERS}/身份证号码": ("family_member_id_number", "person_family_member"),
}


@pytest.fixture
def application(intake):
    intake.store.create_ledger(LedgerDef.from_dict({
        "id": "person_family_member", "name": "家庭成员台账", "subject": "person", "key": ["family_member_id_number"],
        "columns": ["family_member_id_number", "family_member_name", "relation_to_head"]}))
    template = intake.tmp / "forms" / "低保申请表.xlsx"
    render_template({"title": "最低生活保障申请表", "columns": list(FIELDS), "layout": "record",
                     "options": {"subtables": {MEMBERS: [h for h in FIELDS if h.startswith(MEMBERS)]}}}, template)
    fd = FormDef(id="dibao_application", title="最低生活保障申请表", layout="record", template=template.name,
                 department="民政局", fields=[FieldDef(header=h, element=e, ledger=lg, column=e if lg else None)
                                              for h, (e, lg) in FIELDS.items()])
    fd.path = template.with_name("dibao_application.yaml")  # installed beside its template, as in a pack
    save_forms(intake.engine, "test", [fd])
    return template


def fill(template, out, record: dict, members: list[dict]):
    form = read_templates(template).forms[0]
    cells = {f.header: f.value_cell for f in form.fields}
    wb = openpyxl.load_workbook(template)
    ws = wb.active
    for header, value in record.items():
        ws.cell(*cells[header]).value = value
    for i, member in enumerate(members):
        for header, value in member.items():
            row, column = cells[f"{MEMBERS}/{header}"]
            ws.cell(row + i, column).value = value
    wb.properties.title = out.stem
    wb.save(out)
    return out


def test_every_family_member_row_is_kept(intake, application):
    head = id_number(date(1970, 1, 1), 1)
    members = [{"姓名": "王大", "与户主关系": "户主", "身份证号码": head},
               {"姓名": "李二", "与户主关系": "配偶", "身份证号码": id_number(date(1972, 2, 2), 2)},
               {"姓名": "王小", "与户主关系": "子", "身份证号码": id_number(date(2001, 3, 3), 3)}]
    path = fill(application, intake.tmp / "申请表-王大.xlsx",
                {"申请人姓名": "王大", "身份证号码": head, "村（社区）": "红星村"}, members)
    report = import_file(intake.engine, path, org_unit=TOWN, actor="张敏")
    assert report.status == "imported" and not report.problems, report.problems
    assert intake.store.get("person_identity", head)["person_name"] == "王大"
    kept = {m["身份证号码"]: intake.store.get("person_family_member", m["身份证号码"]) for m in members}
    assert {k: v["family_member_name"] if v else None for k, v in kept.items()} == {
        m["身份证号码"]: m["姓名"] for m in members}
    assert kept[members[1]["身份证号码"]]["relation_to_head"] == "10"  # 配偶, by its code


def test_a_bad_member_row_is_reported_at_its_own_row(intake, application):
    head = id_number(date(1970, 1, 1), 1)
    members = [{"姓名": "王大", "与户主关系": "户主", "身份证号码": head},
               {"姓名": "李二", "与户主关系": "配偶", "身份证号码": "500118197202021234"}]  # wrong checksum
    path = fill(application, intake.tmp / "申请表-错.xlsx",
                {"申请人姓名": "王大", "身份证号码": head, "村（社区）": "红星村"}, members)
    report = import_file(intake.engine, path, org_unit=TOWN, actor="张敏")
    rows = {p.location.get("row") for p in report.problems}
    form = read_templates(application).forms[0]
    first_member_row = next(f.value_cell[0] for f in form.fields if f.subtable)
    assert rows == {first_member_row + 1}, report.problems
    assert intake.store.get("person_family_member", head) is not None


def test_when_the_form_itself_is_wrong_its_members_wait_with_it(intake, application):
    head = id_number(date(1970, 1, 1), 1)
    spouse = id_number(date(1972, 2, 2), 2)
    path = fill(application, intake.tmp / "申请表-村错.xlsx",
                {"申请人姓名": "王大", "身份证号码": head, "村（社区）": "不存在村"},
                [{"姓名": "王大", "与户主关系": "户主", "身份证号码": head},
                 {"姓名": "李二", "与户主关系": "配偶", "身份证号码": spouse}])
    report = import_file(intake.engine, path, org_unit=TOWN, actor="张敏")
    assert report.rows_imported == 0 and report.rows_invalid == 2
    assert "record-rejected-with-form" in {p.code for p in report.problems}
    with pytest.raises(YbtError):
        intake.store.get("person_family_member", spouse)
    assert report.error_workbook  # both rows go back to the clerk, with what is wrong
