"""A row whose birth date or sex its ID number denies is refused, on rosters and one-record forms."""

from __future__ import annotations

from datetime import date

import openpyxl

from yibiaotong.forms import read_templates, render_template
from yibiaotong.forms.definition import FieldDef, FormDef
from yibiaotong.forms.store import save_forms
from yibiaotong.ingest import import_file
from yibiaotong.ingest.identity import IdentityCheck

from .conftest import TOWN, id_number, person

BORN = date(1961, 3, 9)
MAN, WOMAN = id_number(BORN, 111), id_number(BORN, 112)


def test_the_column_check_finds_only_the_rows_the_id_number_denies():
    check = IdentityCheck()
    ids = [MAN, MAN, None, MAN, WOMAN, MAN]
    births = [BORN, date(1961, 3, 19), date(1999, 1, 1), None, date(1961, 3, 1), date(1961, 4, 1)]
    found = check.birth_dates(ids, births)
    assert sorted(found) == [1, 5]  # the 1st of its month: a month printed alone (出生年月)
    assert found[1].params == {"value": "1961-03-19", "id_value": "1961-03-09"}
    sexes = check.sexes(ids, ["1", "2", "2", "9", "2", None])
    assert list(sexes) == [1] and sexes[1].params == {"value": "女", "id_value": "男"}
    assert check.birth_dates(ids, births) == found  # the dates met before give the same answer


def test_a_roster_row_whose_birth_date_or_sex_the_id_number_denies_is_refused(intake):
    rows = [person(1), person(2, 出生日期="1951-03-04"), person(3, 性别="女"), person(4)]
    rows[3]["出生日期"] = rows[3]["出生日期"][:8] + "01"  # the month alone, as 出生年月 keeps it
    report = import_file(intake.engine, intake.roster("花名册.xlsx", rows), org_unit=TOWN)
    assert report.rows_imported == 2 and report.rows_invalid == 2
    by_code = {p.code: p for p in report.problems}
    assert set(by_code) == {"birth-date-differs-from-id", "gender-differs-from-id"}
    birth, sex = by_code["birth-date-differs-from-id"], by_code["gender-differs-from-id"]
    assert birth.location["header"] == "出生日期" and sex.location["header"] == "性别"
    assert "1951-03-04" in birth.message_zh and "与身份证号码中的出生日期" in birth.message_zh
    assert "应为男" in sex.message_zh and "第17位" in sex.advice_zh
    for problem in report.problems:  # a clerk sees what is wrong, never a whole ID number
        assert person(2)["身份证号码"] not in str(problem.to_dict())
    assert intake.store.count("person_identity") == 2


def test_a_record_forms_birth_date_is_checked_against_its_id_number(intake):
    fields = {"姓名": ("person_name", "person_identity"), "性别": ("gender", "person_identity"),
              "身份证号码": ("id_number", "person_identity"), "出生日期": ("birth_date", "person_identity"),
              "村（社区）": ("village", None)}
    template = intake.tmp / "forms" / "高龄津贴申请表.xlsx"
    render_template({"title": "高龄津贴申请表", "columns": list(fields), "layout": "record"}, template)
    form = FormDef(id="elderly_application", title="高龄津贴申请表", layout="record", template=template.name,
                   department="民政局", fields=[FieldDef(header=h, element=e, ledger=lg, column=e if lg else None)
                                                for h, (e, lg) in fields.items()])
    form.path = template.with_name("elderly_application.yaml")
    save_forms(intake.engine, "test", [form])
    cells = {f.header: f.value_cell for f in read_templates(template).forms[0].fields}

    def filled(name: str, birth: str):
        wb = openpyxl.load_workbook(template)
        for header, value in {"姓名": "王德明", "性别": "男", "身份证号码": MAN, "出生日期": birth,
                              "村（社区）": "红星村"}.items():
            wb.active.cell(*cells[header]).value = value
        wb.save(intake.tmp / name)
        return intake.tmp / name

    report = import_file(intake.engine, filled("错.xlsx", "1961-09-03"), org_unit=TOWN)
    assert [p.code for p in report.problems] == ["birth-date-differs-from-id"] and report.rows_imported == 0
    report = import_file(intake.engine, filled("对.xlsx", "1961年3月9日"), org_unit=TOWN)
    assert report.rows_imported == 1 and not report.problems, report.problems
