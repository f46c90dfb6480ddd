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
    "联系电话": ("phone", "person_identity"),  # below the sub-table: moves when rows are added
}
TITLE = "永川区最低生活保障申请表"


def install(intake, fields: dict, form_id: str = "dibao_application"):
    intake.store.create_ledger(LedgerDef.from_dict({
        "id": "person_family_member", "name": "家庭成员台账", "subject": "person", "key": ["family_member_id_number"],
        "columns": ["family_member_id_number", "family_member_name", "relation_to_head"]}))
    template = intake.tmp / "forms" / f"{form_id}.xlsx"
    render_template({"title": TITLE, "columns": list(FIELDS), "layout": "record",
                     "options": {"subtables": {MEMBERS: [h for h in FIELDS if h.startswith(MEMBERS)]}}}, template)
    fd = FormDef(id=form_id, title=TITLE, layout="record", template=template.name, department="民政局",
                 fields=[FieldDef(header=h, element=e, ledger=lg, column=e if lg else None)
                         for h, (e, lg) in fields.items()])
    fd.path = template.with_name(f"{form_id}.yaml")  # installed beside its template, as in a pack
    save_forms(intake.engine, "test", [fd])
    return template


@pytest.fixture
def application(intake):
    return install(intake, FIELDS)


def fill(template, out, record: dict, members: list[dict], *, rows_added: int = 0, gap: bool = False,
         title: str | None = None):
    """The template filled in as a clerk does: ``rows_added`` rows inserted into the sub-table (a bigger
    family; negative: unused rows deleted), a blank row left after the first member when ``gap``."""
    form = read_templates(template).forms[0]
    cells = {f.header: f.value_cell for f in form.fields}
    first = cells[f"{MEMBERS}/姓名"][0]
    wb = openpyxl.load_workbook(template)
    ws = wb.active
    if rows_added > 0:
        ws.insert_rows(first + 1, rows_added)
    elif rows_added < 0:
        ws.delete_rows(first + 1, -rows_added)
    if title:
        ws.cell(1, 1).value = title
    for header, value in record.items():
        row, column = cells[header]
        ws.cell(row + (rows_added if row > first else 0), column).value = value
    for i, member in enumerate(members):
        for header, value in member.items():
            row, column = cells[f"{MEMBERS}/{header}"]
            ws.cell(row + i + (1 if gap and i else 0), column).value = value
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
    assert report.rows_imported == 0 and report.rows_invalid == report.rows_read == 2
    assert "record-rejected-with-form" in {p.code for p in report.problems}
    with pytest.raises(YbtError):
        intake.store.get("person_family_member", spouse)
    assert report.error_workbook  # both rows go back to the clerk, with what is wrong


def family(n: int) -> list[dict]:
    relations = ["户主", "配偶", "子", "女", "父亲", "母亲"]
    return [{"姓名": f"王{'一二三四五六'[i]}", "与户主关系": relations[i], "身份证号码": id_number(date(1970 + i, 1, 1), i + 1)}
            for i in range(n)]


@pytest.mark.parametrize("rows_added, gap", [(3, False), (-1, False), (0, True)])
def test_rows_added_deleted_or_left_blank_in_the_sub_table(intake, application, rows_added, gap):
    members = family(5 if rows_added > 0 else 2)
    head = members[0]["身份证号码"]
    path = fill(application, intake.tmp / f"申请表-{rows_added}-{gap}.xlsx",
                {"申请人姓名": "王一", "身份证号码": head, "村（社区）": "红星村", "联系电话": "13800000001"},
                members, rows_added=rows_added, gap=gap, title="永川区临江镇最低生活保障申请表（2024年6月）")
    report = import_file(intake.engine, path, org_unit=TOWN, actor="张敏")
    assert report.status == "imported" and not report.problems, report.problems
    applicant = intake.store.get("person_identity", head)
    assert applicant["person_name"] == "王一" and applicant["phone"] == "13800000001"  # read where it moved to
    for m in members:
        assert intake.store.get("person_family_member", m["身份证号码"])["family_member_name"] == m["姓名"]


def test_a_member_cell_mapped_to_the_applicants_ledger_never_overwrites_the_applicant(intake):
    wrong = {**FIELDS, f"{MEMBERS}/姓名": ("person_name", "person_identity")}  # a definition that errs
    template = install(intake, wrong, "dibao_wrong")
    members = family(3)
    head = members[0]["身份证号码"]
    path = fill(template, intake.tmp / "申请表-定义错.xlsx",
                {"申请人姓名": "王大", "身份证号码": head, "村（社区）": "红星村"}, members)
    report = import_file(intake.engine, path, org_unit=TOWN, actor="张敏")
    assert intake.store.get("person_identity", head)["person_name"] == "王大"
    assert "subtable-column-not-kept" in {p.code for p in report.warnings}
    assert intake.store.get("person_family_member", members[2]["身份证号码"])["relation_to_head"]


def test_members_are_kept_when_the_applicants_own_id_number_is_wrong(intake, application):
    members = family(3)
    path = fill(application, intake.tmp / "申请表-申请人号码错.xlsx",
                {"申请人姓名": "王一", "身份证号码": "500118197001011235", "村（社区）": "红星村"}, members)
    report = import_file(intake.engine, path, org_unit=TOWN, actor="张敏")
    # the applicant's row waits for a person (or comes back with its ID problem); the members, keyed by
    # their own ID numbers, are written once each and never queued for linking
    assert sum(s.rows_queued for s in report.sheets) <= 1 and {p.location.get("row") for p in report.problems} <= {3}
    for m in members[1:]:
        assert intake.store.get("person_family_member", m["身份证号码"])["family_member_name"] == m["姓名"]


def test_a_record_form_whose_template_file_is_gone_is_said(intake, application):
    members = family(2)
    path = fill(application, intake.tmp / "申请表-模板丢失.xlsx",
                {"申请人姓名": "王一", "身份证号码": members[0]["身份证号码"], "村（社区）": "红星村"}, members)
    application.unlink()  # the installed template is no longer on disk
    report = import_file(intake.engine, path, org_unit=TOWN, actor="张敏")
    assert "form-template-missing" in {p.code for p in report.warnings}


def test_a_record_form_saved_as_csv_is_read_by_its_value_cells_not_refused_as_rows_moved_on(intake):
    """A record form has more fields than columns (values beside their labels, two a line): the
    check for CSV rows longer than their header is a roster's, not a record form's."""
    import csv

    fields = {"申请人姓名": ("person_name", "person_identity"), "性别": ("gender", "person_identity"),
              "出生日期": ("birth_date", "person_identity"), "身份证号码": ("id_number", "person_identity"),
              "镇（街道）": ("town", None), "村（社区）": ("village", None),
              "家庭住址": ("address_current", "person_identity"), "联系电话": ("phone", "person_identity")}
    template = intake.tmp / "forms" / "dibao_plain.xlsx"
    render_template({"title": TITLE, "columns": list(fields), "layout": "record"}, template)
    fd = FormDef(id="dibao_plain", title=TITLE, layout="record", template=template.name, department="民政局",
                 fields=[FieldDef(header=h, element=e, ledger=lg, column=e if lg else None)
                         for h, (e, lg) in fields.items()])
    fd.path = template.with_name("dibao_plain.yaml")
    save_forms(intake.engine, "test", [fd])
    labels = read_templates(template).forms[0].fields
    cells = {f.header: f.value_cell for f in labels}
    assert len(fields) > max(f.column for f in labels)  # more fields than columns of labels
    head = id_number(date(1970, 1, 1), 1)
    ws = openpyxl.load_workbook(template).active
    for header, value in {"申请人姓名": "王大", "性别": "男", "出生日期": "1970-01-01", "身份证号码": head,
                          "镇（街道）": "临江镇", "村（社区）": "红星村", "家庭住址": "红星村3组",
                          "联系电话": "13812345678"}.items():
        ws.cell(*cells[header]).value = value
    path = intake.tmp / "申请表-王大.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:  # as Excel saves it: every row as wide as the sheet
        csv.writer(fh).writerows([["" if v is None else v for v in row] for row in ws.iter_rows(values_only=True)])
    report = import_file(intake.engine, path, form="dibao_plain", org_unit=TOWN, actor="张敏")
    assert report.status == "imported" and report.rows_imported == 1 and not report.problems, report.problems
    applicant = intake.store.get("person_identity", head)
    assert (applicant["person_name"], applicant["address_current"], applicant["phone"]) == ("王大", "红星村3组", "13812345678")
