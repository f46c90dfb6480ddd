"""Reading a large .xlsx sheet in parts gives exactly what calamine gives reading it whole."""

from __future__ import annotations

import subprocess
from datetime import date, datetime

import openpyxl
import xlsxwriter

from yibiaotong.ingest import workbook
from yibiaotong.ingest.workbook import Workbook


def sheets(path):
    out = []
    for sheet in Workbook(path, "xlsx").sheets():
        out.append({"name": sheet.name, "hidden": sheet.hidden, "head": sheet.head_values, "merges": sheet.merges,
                    "formulas": sheet.uncached_formulas, "rows": _trimmed(sheet.rows(1))})
    return out


def _trimmed(rows):
    """Rows without their trailing empty cells (a part's rows are as wide as that part's cells)."""
    out = []
    for number, values in rows:
        values = list(values)
        while values and values[-1] in ("", None):
            values.pop()
        out.append((number, values))
    while out and not out[-1][1]:
        out.pop()
    return out


def _parted(monkeypatch, path, parts: int = 3):
    """The sheets read with tiny parts; at least ``parts`` of them for the first sheet."""
    monkeypatch.setattr(workbook, "PART_BYTES", 3000)
    monkeypatch.setattr(workbook, "FIRST_PART_BYTES", 700)
    read = []
    real = workbook._parts

    def counted(*args):
        for part in real(*args):
            read.append(args[1])
            yield part

    monkeypatch.setattr(workbook, "_parts", counted)
    out = sheets(path)
    assert len(read) >= parts
    return out


def test_an_openpyxl_roster_with_shared_strings_dates_merges_and_gaps_reads_the_same_in_parts(tmp_path, monkeypatch):
    path = tmp_path / "大表.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "花名册"
    ws["A1"] = "2024年1月花名册"
    ws.merge_cells("A1:F1")
    ws.append(["序号", "姓名", "出生日期", "金额", "村", "备注"])
    for i in range(1, 400):
        if i % 97 == 0:
            ws.append([])  # an empty row inside the data
            continue
        ws.append([i, f"张{i % 50}", date(1950 + i % 40, 1 + i % 12, 1 + i % 27), i * 1.5, "红星村" if i % 3 else None,
                   True if i % 50 == 0 else None])
    ws.merge_cells("E100:E110")  # a village merged down over its rows
    ws["F200"] = "=1/0"  # a formula openpyxl stores without a value
    ws.cell(300, 8).value = "远处的一格"
    hidden = wb.create_sheet("隐藏")
    hidden.sheet_state = "hidden"
    hidden["A1"] = "x"
    wb.save(path)
    whole = sheets(path)
    assert whole[0]["merges"] and whole[0]["formulas"] == {(200, 6)}
    parted = _parted(monkeypatch, path)
    assert parted == whole
    first = Workbook(path, "xlsx").sheets().__next__()
    assert first.total_rows == whole[0]["rows"][-1][0]


def test_an_xlsxwriter_roster_with_inline_strings_and_date_cells_reads_the_same_in_parts(tmp_path, monkeypatch):
    path = tmp_path / "inline.xlsx"
    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    ws = wb.add_worksheet("Sheet1")
    day = wb.add_format({"num_format": "yyyy-mm-dd"})
    ws.write_row(0, 1, ["姓名", "身份证号码", "日期", "金额"])  # the sheet starts at column B
    for r in range(1, 300):
        ws.write_row(r, 1, [f"李{r}", f"50011819600102{r:04d}"])
        ws.write_datetime(r, 3, datetime(2024, 1, 1 + r % 28), day)
        ws.write_row(r, 4, ["0.012万" if r % 7 == 0 else r * 10])
    wb.close()
    assert _parted(monkeypatch, path) == sheets(path)


def test_a_sheet_whose_rows_carry_no_numbers_reads_the_same_in_parts(tmp_path, monkeypatch):
    import zipfile

    path = tmp_path / "无行号.xlsx"
    wb = openpyxl.Workbook()
    for r in range(1, 200):
        wb.active.append([r, f"v{r}"])
    wb.save(path)
    plain = tmp_path / "plain.xlsx"
    with zipfile.ZipFile(path) as zin, zipfile.ZipFile(plain, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                import re

                data = re.sub(rb'<row r="\d+"', b"<row", data)
                data = re.sub(rb'<c r="[A-Z]+\d+"', b"<c", data)
            zout.writestr(info, data)
    whole = sheets(plain)
    assert whole[0]["rows"][-1] == (199, [199.0, "v199"])
    assert _parted(monkeypatch, plain) == whole


def test_rows_carry_the_number_excel_shows_when_the_sheet_starts_below_row_one(tmp_path, monkeypatch):
    path = tmp_path / "下移.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("S")
    ws.write_row(2, 1, ["姓名", "金额"])  # B3
    for r in range(3, 60):
        ws.write_row(r, 1, [f"王{r}", r])
    wb.close()
    whole = sheets(path)[0]
    assert whole["rows"][0] == (3, ["", "姓名", "金额"]) and whole["head"][(4, 2)] == "王3"
    assert _parted(monkeypatch, path, parts=2)[0] == whole


def test_a_large_sheet_read_by_a_second_process_gives_the_rows_read_here(tmp_path, monkeypatch):
    path = tmp_path / "大表.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("花名册")
    day = wb.add_format({"num_format": "yyyy-mm-dd"})
    ws.write_row(0, 0, ["序号", "姓名", "出生日期", "金额", "备注"])
    for r in range(1, 300):
        if r % 50 == 0:
            continue  # an empty row between others
        ws.write_row(r, 0, [r, f"王{r}", None, r * 10 if r % 3 else f"{r}.00"])
        ws.write_datetime(r, 2, datetime(1950, 1, 1 + r % 28), day)
        if r % 7 == 0:
            ws.write_string(r, 4, f"备注\x1f{r}" if r == 7 else f"备注{r}")  # the text separator in a cell
    wb.close()
    monkeypatch.setattr(workbook, "PART_BYTES", 3000)
    monkeypatch.setattr(workbook, "FIRST_PART_BYTES", 700)
    sheets = Workbook(path, "xlsx").sheets()  # the sheet's reading process lives as long as this
    sheet = next(sheets)
    assert sheet._chunks is not None  # read in parts, by a second process

    def plain(chunks):
        return [(c.numbers, [list(column) for column in c.columns]) for c in chunks]

    here = plain(workbook.chunked(sheet.rows(2), 40))
    there = plain(sheet.chunks(2, 40))
    assert there == here and len(here) == 8 and here[0][0][0] == 2
    assert any(isinstance(v, datetime | date) for v in here[0][1][2]) and "" in here[1][1][4]


def test_an_import_that_stops_early_ends_its_reading_process(tmp_path, monkeypatch):
    path = tmp_path / "大表.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("S")
    for r in range(400):
        ws.write_row(r, 0, [r, f"v{r}"])
    wb.close()
    monkeypatch.setattr(workbook, "PART_BYTES", 3000)
    monkeypatch.setattr(workbook, "FIRST_PART_BYTES", 700)
    started = []
    real = subprocess.Popen

    def popen(*args, **kwargs):
        started.append(real(*args, **kwargs))
        return started[-1]

    monkeypatch.setattr(subprocess, "Popen", popen)
    sheets = Workbook(path, "xlsx").sheets()
    chunks = next(sheets).chunks(1, 10)
    assert len(next(chunks)) == 10
    chunks.close()
    assert len(started) == 1 and started[0].poll() is not None
    sheets = Workbook(path, "xlsx").sheets()
    next(sheets)  # a sheet not imported (not a form, say): its reading process ends with the next sheet
    assert len(started) == 2 and started[1].poll() is None
    sheets.close()
    assert started[1].poll() is not None


def test_tag_search_finds_a_tag_wherever_its_letter_is_frequent():
    """The scan's quick test for a tag agrees with a plain search: at the start, at the end,
    after many of the tag's letter (the fallback), and when absent."""
    holds = workbook._holds
    assert holds(b"<f>1</f>", b"<f")
    assert holds(b'<c r="A1"><v>1</v></c><mergeCell ref="A1:B2"/>', b"<mergeCell ")
    assert not holds(b'<c r="F1" t="inlineStr"><is><t>of fifty</t></is></c>', b"<f")
    frequent = b"<t>" + b"f" * 1000 + b"</t><f>SUM(A1)</f>"
    assert holds(frequent, b"<f", tries=8) and not holds(frequent[:-14], b"<f", tries=8)
    # the tag begins just before where the counted tries stop
    assert holds(b"ff<f", b"<f", tries=2)
