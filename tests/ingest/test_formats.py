"""The same roster saved in another format imports the same: .xlsx, a CSV as Excel saves it (the
values as shown, UTF-8 with a byte-order mark or GBK) and .xls. Real files, written in the test."""

from __future__ import annotations

import csv
import os
import shutil
import subprocess
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import select

from tests.ingest.conftest import TOWN, person
from yibiaotong.ingest import import_file
from yibiaotong.store import schema

AMOUNT = "补贴金额/生活补贴（元）"


def save_as_csv(xlsx: Path, out: Path, encoding: str = "utf-8-sig") -> Path:
    """The sheet as Excel's "CSV (逗号分隔)" holds it: every cell as shown (a date 2024/1/5, a whole
    number without .0), every row as wide as the used range."""
    ws = openpyxl.load_workbook(xlsx).active

    def shown(value) -> str:
        if value is None:
            return ""
        if isinstance(value, (datetime, date)):
            return f"{value.year}/{value.month}/{value.day}"
        if isinstance(value, float) and value.is_integer():
            return str(int(value))
        return str(value)

    with out.open("w", encoding=encoding, newline="") as fh:
        csv.writer(fh, lineterminator="\r\n").writerows([shown(c.value) for c in row] for row in ws.iter_rows())
    return out


def save_as_xls(xlsx: Path, out_dir: Path) -> Path:
    """The workbook saved as Excel 97-2003 (.xls) by LibreOffice, as a clerk's office suite saves it."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        if os.environ.get("YBT_REQUIRE_LIBREOFFICE"):
            pytest.fail("YBT_REQUIRE_LIBREOFFICE is set but soffice is not installed")
        pytest.skip("LibreOffice (soffice) is not installed: apt-get install libreoffice-calc-nogui")
    proc = subprocess.run([soffice, "--headless", f"-env:UserInstallation=file://{out_dir}/lo", "--convert-to", "xls",
                           "--outdir", str(out_dir), str(xlsx)], capture_output=True, text=True, timeout=180)
    assert proc.returncode == 0, proc.stderr
    return out_dir / f"{xlsx.stem}.xls"


def saved_as(fmt: str, xlsx: Path) -> Path:
    if fmt == "xls":
        return save_as_xls(xlsx, xlsx.parent / "xls")
    if fmt == "xlsx":
        return xlsx
    return save_as_csv(xlsx, xlsx.with_suffix(".csv"), {"csv-utf8": "utf-8-sig", "csv-gbk": "gbk"}[fmt])


def changes(engine, column: str) -> list[tuple]:
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(
            select(schema.change.c.old_value, schema.change.c.new_value, schema.source.c.file_name)
            .join(schema.source).where(schema.change.c.column_name == column).order_by(schema.change.c.id))]


# the same 101 as each format's reader gives it: an .xls's whole number (int), an .xlsx's number
# (float), a CSV's text as Excel shows a 0.00 cell, and as it shows a General one
@pytest.mark.parametrize("typed", [101, 101.0, "101.00", "101"], ids=["int", "float", "text-0.00", "text-general"])
def test_a_changed_amount_is_one_history_value_whatever_format_carried_it(intake, typed):
    """2401 (an .xls), 2401.0 (an .xlsx) and "2401.00" (a CSV) are one amount: the history's new
    value reads as the old one does (the column's two decimals), whichever the file gave."""
    rows = [person(1), person(2)]
    assert import_file(intake.engine, intake.roster("一月.xlsx", rows), org_unit=TOWN).status == "imported"
    path = intake.roster("二月.xlsx", [person(1, **{AMOUNT: typed}), person(2)])
    report = import_file(intake.engine, path, org_unit=TOWN)
    assert report.status == "imported" and not report.problems, report.problems
    assert changes(intake.engine, "disabled_living_subsidy_amount") == [("100.00", "101.00", path.name)]


@pytest.mark.parametrize("fmt", ["xlsx", "csv-utf8", "csv-gbk", "xls"])
def test_a_roster_saved_in_another_format_imports_the_same(intake, fmt):
    """The roster's 补贴金额 groups one column, 生活补贴（元）: in a CSV (no merged cells) that label
    stands alone under 补贴金额, with blanks under the labels beside it. It is the header's second
    row, as the workbook's merges say: the amounts are read, in every format."""
    rows = [person(1, **{AMOUNT: 120, "出生日期": date(1951, 2, 2)}), person(2, **{AMOUNT: 80.5})]
    first = saved_as(fmt, intake.roster("一月.xlsx", rows))
    report = import_file(intake.engine, first, org_unit=TOWN)
    assert report.status == "imported" and report.rows_imported == 2, report.problems
    assert not report.problems and not [w for w in report.warnings if w.code == "form-fields-missing"], report.warnings
    stored = [intake.store.get("person_disability", r["身份证号码"])["disabled_living_subsidy_amount"] for r in rows]
    assert stored == [Decimal("120.00"), Decimal("80.50")]
    assert intake.store.get("person_identity", rows[0]["身份证号码"])["birth_date"] == date(1951, 2, 2)

    edited = saved_as(fmt, intake.roster("二月.xlsx", [person(1, **{AMOUNT: 130, "出生日期": date(1951, 2, 2)}),
                                                       person(2, **{AMOUNT: 80.5})]))
    again = import_file(intake.engine, edited, org_unit=TOWN)
    assert again.status == "imported" and again.rows_imported == 2 and not again.problems
    assert changes(intake.engine, "disabled_living_subsidy_amount") == [("120.00", "130.00", edited.name)]
