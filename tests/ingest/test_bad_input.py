"""Bad input gets a clear Chinese error and nothing is damaged."""

from __future__ import annotations

import shutil
import struct
import zipfile
from datetime import date
from pathlib import Path

import openpyxl
import pytest
import xlsxwriter
from sqlalchemy import func, select

from tests.forms.biff import write_xls
from tests.ingest.conftest import COLUMNS, TOWN, id_number, person
from yibiaotong.ingest import Limits, import_file
from yibiaotong.store import schema


def nothing_written(engine) -> bool:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(schema.source)).scalar_one() == 0


def test_empty_file(intake):
    path = intake.tmp / "空.xlsx"
    path.write_bytes(b"")
    report = import_file(intake.engine, path, org_unit=TOWN)
    assert report.status == "failed" and report.problems[0].code == "file-empty"
    assert report.message.startswith("文件未能导入：文件是空的") and nothing_written(intake.engine)


def test_a_sheet_without_a_recognisable_header(intake):
    wb = openpyxl.Workbook()
    ws = wb.active
    for r, row in enumerate([["品名", "规格", "单价"], ["铁锹", "大", 25], ["锄头", "小", 18]], start=1):
        for c, v in enumerate(row, start=1):
            ws.cell(r, c).value = v
    path = intake.tmp / "别的表.xlsx"
    wb.save(path)
    report = import_file(intake.engine, path, org_unit=TOWN)
    assert report.status == "failed" and report.problems[0].code == "form-not-recognised"
    assert "无法识别工作表“Sheet”是哪张报表" in report.problems[0].message_zh and nothing_written(intake.engine)


def test_merged_cells_in_the_data_are_read_as_a_person_sees_them(intake):
    path = intake.roster("合并.xlsx", [person(1), person(2, **{"村（社区）": None}), person(3, **{"村（社区）": None})])
    wb = openpyxl.load_workbook(path)
    wb.active.cell(5, 7).value = "黄瓜山村"
    wb.active.merge_cells("G5:G7")  # the village written once for three rows
    wb.save(path)
    report = import_file(intake.engine, path, org_unit=TOWN)
    assert report.rows_imported == 3 and not report.problems
    assert "merged-cells-in-data" in [w.code for w in report.warnings]
    assert {intake.store.get("person_identity", person(n)["身份证号码"])["_org_unit"] for n in (1, 2, 3)} == \
        {"500118103002"}


def test_formulas_use_cached_values_and_say_when_there_is_none(intake):
    path = intake.tmp / "公式.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("Sheet1")
    ws.write_row(0, 0, ["残疾人两项补贴发放花名册"])
    ws.write_row(1, 0, ["序号", *[c.replace("补贴金额/", "") for c in COLUMNS]])
    for r, n in ((2, 1), (3, 2)):
        row = person(n)
        ws.write_row(r, 0, [n, *[str(row[c]) for c in COLUMNS]])
    ws.write_formula(2, 10, "=50*2", None, 100)  # Excel saved its value: 100
    ws.write_formula(3, 10, "=50*3", None, "")  # never calculated
    wb.close()
    # xlsxwriter writes <v></v> for an empty result: a formula without a cached value
    report = import_file(intake.engine, path, form="disability_roster", org_unit=TOWN)
    assert report.rows_imported == 1 and report.rows_invalid == 1
    (problem,) = report.problems
    assert problem.code == "formula-no-cached-value" and problem.location["column"] == "K"
    assert "公式" in problem.message_zh and "保存一次" in problem.hint_zh
    assert intake.store.get("person_disability", person(1)["身份证号码"])["disabled_living_subsidy_amount"] == 100


def test_numbers_stored_as_text_full_width_digits_spaces_and_line_breaks(intake):
    born = date(1960, 1, 2)
    idn = id_number(born, 123)
    full_width = idn.translate({ord(c): ord(c) + 0xFEE0 for c in "0123456789"})
    row = person(1, **{"身份证号码": f" {full_width[:6]} {full_width[6:]}\n", "姓名": "  张三\n", "出生日期": "１９６０年１月２日",
                       "补贴金额/生活补贴（元）": " 120 ", "联系电话": 13800000001.0})
    report = import_file(intake.engine, intake.roster("杂乱.xlsx", [row]), org_unit=TOWN)
    assert report.rows_imported == 1 and not report.problems, report.problems
    record = intake.store.get("person_identity", idn)
    assert record["person_name"] == "张三" and record["birth_date"] == born and record["phone"] == "13800000001"


def test_an_id_number_that_excel_turned_into_a_float(intake):
    row = person(1, **{"身份证号码": 5.00118195001e17})
    report = import_file(intake.engine, intake.roster("科学计数.xlsx", [row]), org_unit=TOWN)
    assert report.rows_invalid == 1
    problem = next(p for p in report.problems if p.code == "id-number-mangled")
    assert "科学计数法" in problem.message_zh and "文本" in problem.hint_zh


def test_a_file_over_the_size_limit_is_refused_before_it_is_opened(intake):
    path = intake.tmp / "大文件.xlsx"
    with path.open("wb") as fh:
        fh.truncate(200 * 1024 * 1024)  # 200 MB (sparse: costs no disk)
    report = import_file(intake.engine, path, org_unit=TOWN)
    assert report.problems[0].code == "file-too-large"
    assert "超过导入上限 150.0 MB" in report.problems[0].message_zh and nothing_written(intake.engine)
    small = import_file(intake.engine, intake.roster("小.xlsx", [person(1)]), org_unit=TOWN,
                        limits=Limits(max_bytes=1000))
    assert small.problems[0].code == "file-too-large"


def test_a_zip_bomb_disguised_as_xlsx(intake):
    path = intake.tmp / "炸弹.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("xl/workbook.xml", "<workbook/>")
        zf.writestr("xl/worksheets/sheet1.xml", b"\0" * (64 * 1024 * 1024))  # 64 MB of zeros in ~64 KB
    report = import_file(intake.engine, path, org_unit=TOWN)
    assert report.problems[0].code == "file-zip-bomb" and "恶意文件" in report.problems[0].message_zh


def test_a_password_protected_file(intake):
    path = intake.tmp / "加密.xlsx"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 1000 + "EncryptedPackage".encode("utf-16-le"))
    report = import_file(intake.engine, path, org_unit=TOWN)
    assert report.problems[0].code == "file-encrypted" and "密码" in report.problems[0].message_zh


# saved by LibreOffice Calc as Excel 97-2003 with the open password abc123 (a real encrypted .xls:
# an OLE file whose workbook stream starts with FILEPASS and RC4-encrypts the rest)
ENCRYPTED_XLS = Path(__file__).parent / "files" / "password-abc123.xls"


def test_a_password_protected_xls(intake):
    path = intake.tmp / "加密花名册.xls"
    shutil.copy(ENCRYPTED_XLS, path)
    report = import_file(intake.engine, path, org_unit=TOWN)
    assert report.status == "failed" and [p.code for p in report.problems] == ["file-encrypted"]
    assert "密码" in report.problems[0].message_zh and nothing_written(intake.engine)


@pytest.mark.parametrize("damage", ["encrypted", "truncated"])
def test_an_old_bare_biff_xls_that_is_encrypted_or_cut_short_is_said_so(intake, damage):
    """An .xls as old tools write it (a bare BIFF stream, read by xlrd): its FILEPASS record (a password)
    or a stream cut short is said as file-encrypted / file-unreadable, not an error of the program."""
    path = intake.tmp / "老表格.xls"
    write_xls(path, {(1, c): h for c, h in enumerate(["序号", *COLUMNS], start=1)})
    data = path.read_bytes()
    head = 4 + struct.unpack("<HH", data[:4])[1]  # the BOF record
    if damage == "encrypted":
        data = data[:head] + struct.pack("<HH", 0x002F, 6) + bytes(6) + data[head:]
    else:
        data = data[:len(data) // 2]
    path.write_bytes(data)
    report = import_file(intake.engine, path, org_unit=TOWN)
    code = {"encrypted": "file-encrypted", "truncated": "file-unreadable"}[damage]
    assert report.status == "failed" and [p.code for p in report.problems] == [code]
    assert nothing_written(intake.engine)


def test_an_xls_renamed_xlsx_is_read_as_what_it_is(intake):
    row = person(1)
    header = ["序号", *[c.replace("补贴金额/", "") for c in COLUMNS]]
    cells = {(1, c): h for c, h in enumerate(header, start=1)}
    cells.update({(2, c): v for c, v in enumerate(["1", *[str(row[h]) for h in COLUMNS]], start=1)})
    path = intake.tmp / "老表格.xlsx"
    write_xls(path, cells)
    report = import_file(intake.engine, path, form="disability_roster", org_unit=TOWN)
    assert report.status == "imported" and report.rows_imported == 1, report.problems
    assert intake.store.get("person_identity", row["身份证号码"])["person_name"] == row["姓名"]


def test_a_total_row_and_the_footer_are_not_records(intake):
    path = intake.roster("合计.xlsx", [person(1), person(2)])
    wb = openpyxl.load_workbook(path)
    wb.active.cell(7, 1).value = "合计"
    wb.active.cell(7, 11).value = 200
    wb.save(path)
    report = import_file(intake.engine, path, org_unit=TOWN)
    assert report.rows_read == 2 and report.rows_imported == 2 and not report.problems


@pytest.mark.parametrize("in_parts", [False, True])
def test_a_roster_damaged_inside_its_sheet_is_said_to_be_unreadable(intake, monkeypatch, in_parts):
    from yibiaotong.ingest import workbook

    path = intake.roster("损坏.xlsx", [person(n) for n in range(1, 120)])
    with zipfile.ZipFile(path) as zf:
        info = zf.getinfo("xl/worksheets/sheet1.xml")
    data = bytearray(path.read_bytes())
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    middle = start + info.compress_size // 2
    data[middle:middle + 64] = bytes(64)  # a run of zeros inside the compressed rows
    path.write_bytes(bytes(data))
    if in_parts:
        monkeypatch.setattr(workbook, "PART_BYTES", 4000)
        monkeypatch.setattr(workbook, "FIRST_PART_BYTES", 1500)
    report = import_file(intake.engine, path, org_unit=TOWN)
    assert report.status == "failed" and [p.code for p in report.problems] == ["file-unreadable"]
    assert intake.store.count("person_identity") == 0


@pytest.mark.parametrize(("merged", "rows_merged"), [(True, 0), (True, 1), (False, 0)])
def test_a_footer_note_below_a_long_roster_is_not_a_record(intake, merged, rows_merged):
    """A roster longer than the rows read to find its header keeps its 注： note and signature line
    below the data, where only the rows themselves say they are no records (a note merged over two
    rows is carried into every cell of both, the village column too)."""
    rows = [person(n) for n in range(1, 131)]
    path = intake.roster("长花名册.xlsx", rows)
    wb = openpyxl.load_workbook(path)
    ws = wb.active
    last = max(r for r in range(1, ws.max_row + 1) if ws.cell(r, 4).value)  # the last person's row
    for r in range(last + 1, ws.max_row + 1):  # the template's own footer, as fill_roster wrote it
        for c in range(1, ws.max_column + 1):
            ws.cell(r, c).value = None
    note = "注：1.本表由村（社区）填报，镇（街道）审核汇总；2.请勿改动表格格式。"
    # as the reporter writes it: the 序号 column left blank, the note merged over the rest
    ws.cell(last + 2, 2).value = note
    if merged:
        ws.merge_cells(start_row=last + 2, start_column=2, end_row=last + 2 + rows_merged, end_column=12)
    ws.cell(last + 4, 2).value = "填表人："
    ws.cell(last + 4, 6).value = "审核人："
    ws.cell(last + 4, 10).value = "填报日期：    年  月  日"
    wb.save(path)
    report = import_file(intake.engine, path, org_unit=TOWN)
    assert report.status == "imported", report.problems
    assert (report.rows_read, report.rows_imported, report.rows_invalid) == (130, 130, 0), report.problems
    assert not report.problems and not report.error_workbook


def test_a_footer_merged_across_the_sheet_is_no_merged_cell_in_the_data(intake):
    """The signature line under a roster (负责人： merged over a few columns, as the reporter and many
    templates write it) is not what merged-cells-in-data warns of; a village merged down the rows is."""
    rows = [person(n) for n in range(1, 131)]
    path = intake.roster("页脚合并.xlsx", rows)
    wb = openpyxl.load_workbook(path)
    ws = wb.active
    last = max(r for r in range(1, ws.max_row + 1) if ws.cell(r, 4).value)
    for r in range(last + 1, ws.max_row + 1):
        for c in range(1, ws.max_column + 1):
            ws.cell(r, c).value = None
    ws.cell(last + 2, 1).value = "负责人："
    ws.merge_cells(start_row=last + 2, start_column=1, end_row=last + 2, end_column=4)
    ws.cell(last + 2, 5).value = "填表人："
    ws.merge_cells(start_row=last + 2, start_column=5, end_row=last + 2, end_column=8)
    wb.save(path)
    report = import_file(intake.engine, path, org_unit=TOWN)
    assert report.rows_imported == 130 and not report.problems
    assert "merged-cells-in-data" not in [w.code for w in report.warnings]
    ws.merge_cells(start_row=10, start_column=7, end_row=12, end_column=7)  # 村（社区） for three rows
    wb.save(path)
    report = import_file(intake.engine, path, org_unit=TOWN)
    assert [w.params["count"] for w in report.warnings if w.code == "merged-cells-in-data"] == [1]
