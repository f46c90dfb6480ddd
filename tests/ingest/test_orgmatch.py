"""Which org unit a row belongs to: a report generated for a village prints the village's town in
its 镇（街道） column, and importing it for that village places the rows there."""

from __future__ import annotations

import openpyxl

from tests.reports import conftest as report_fixtures
from tests.reports.conftest import ROSTER, VILLAGE
from yibiaotong.ingest import import_file
from yibiaotong.reports import Reporter

district_pack = report_fixtures.district_pack  # the fixtures of tests/reports, reused here
district = report_fixtures.district


def _generated(district, tmp_path):
    report = Reporter(district.engine, reveal=True).report(ROSTER, "2024-01", VILLAGE, tmp_path / "roster.xlsx")
    assert report.rows >= 1
    return report.path


def test_a_village_report_whose_town_column_names_the_villages_town_imports_back_for_the_village(district, tmp_path):
    path = _generated(district, tmp_path)
    sheet = openpyxl.load_workbook(path).active
    # 序号, 镇（街道）, 村（社区）
    assert any(row[1:3] == ("临江镇", "红星村") for row in sheet.iter_rows(values_only=True))
    imported = import_file(district.engine, path, form=ROSTER, period="2024-01", org_unit=VILLAGE)
    assert imported.ok, [p.message_zh for p in imported.problems]
    assert imported.rows_invalid == 0 and imported.rows_read == imported.rows_imported >= 1
    assert not [p for p in imported.problems if p.code.startswith("org-unit")]


def test_a_town_column_naming_another_town_is_still_refused(district, tmp_path):
    path = _generated(district, tmp_path)
    book = openpyxl.load_workbook(path)
    sheet = book.active
    rows = [r for r in sheet.iter_rows() if r[1].value == "临江镇" and r[2].value == "红星村"]
    rows[0][1].value = "朱沱镇"
    book.save(path)
    imported = import_file(district.engine, path, form=ROSTER, period="2024-01", org_unit=VILLAGE)
    assert [(p.code, p.params["name"], p.location["row"]) for p in imported.problems] == [
        ("org-unit-not-found", "朱沱镇", rows[0][1].row)]


def test_a_village_not_in_the_district_is_named_as_outside_the_district(district, tmp_path):
    """Imported for the whole district (no unit chosen, as the district's administrator does), a row
    naming no village of it was said to lie outside 全部组织机构, a word of the page's filter."""
    path = _generated(district, tmp_path)
    book = openpyxl.load_workbook(path)
    sheet = book.active
    row = next(r for r in sheet.iter_rows() if r[2].value == "红星村")
    row[2].value = "不存在村"
    book.save(path)
    imported = import_file(district.engine, path, form=ROSTER, period="2024-01")
    (problem,) = [p for p in imported.problems if p.code == "org-unit-not-found"]
    assert problem.message_zh == "“不存在村”不是永川区下的村（社区）或镇街"
