"""The error workbook (错误清单): the rows not imported, for the clerk to fix and import again."""

from __future__ import annotations

import openpyxl

from tests.ingest.conftest import TOWN, person
from yibiaotong.ingest import import_file
from yibiaotong.ingest.errors_workbook import EXPLAIN, RejectedRow, SheetErrors, write_error_workbook

RED = "FFC7CE"


def _red(cell) -> bool:
    return bool(cell.fill.fgColor.rgb) and str(cell.fill.fgColor.rgb).endswith(RED)


def test_an_error_workbook_partly_fixed_and_imported_again_lists_only_what_is_still_wrong(intake):
    """The first list's 错误说明 column comes back with the rows: the second list does not copy it
    (it still names the error fixed since) but writes its own in its place."""
    rows = [person(1), person(2, **{"出生日期": "2023-02-30"}), person(3, **{"联系电话": "12345"})]
    first = import_file(intake.engine, intake.roster("有错.xlsx", rows), org_unit=TOWN)
    assert first.rows_imported == 1 and first.rows_invalid == 2
    wb = openpyxl.load_workbook(first.error_workbook)
    ws = wb.active
    header = [c.value for c in ws[3]]
    explain = header.index(EXPLAIN) + 1
    assert header.count(EXPLAIN) == 1 and explain == len(header)
    assert ws.cell(5, explain).value.startswith("原第6行：日期无效") and "电话号码无效" in ws.cell(6, explain).value
    ws.cell(5, 5).value = "1952-03-03"  # the date fixed; the phone of the next row left wrong
    fixed = intake.tmp / "改了一半.xlsx"
    wb.save(fixed)

    second = import_file(intake.engine, fixed, org_unit=TOWN)
    assert second.status == "imported" and second.rows_imported == 1 and second.rows_invalid == 1
    assert "错误说明" not in second.sheets[0].extra_columns
    ws = openpyxl.load_workbook(second.error_workbook).active
    again = [c.value for c in ws[3]]
    assert again.count(EXPLAIN) == 1 and again == header  # the other columns where they were
    assert ws.max_row == 5 and ws.cell(5, 4).value == rows[2]["身份证号码"]
    note = ws.cell(5, explain).value
    assert note.startswith("原第6行：电话号码无效") and "日期" not in note and "\n" not in note
    assert _red(ws.cell(5, 6)) and not any(_red(ws.cell(5, c)) for c in range(1, explain) if c != 6)
    # the ID number and phone columns are text cells, the wrong one red, and so are the rows below
    # them: an ID number typed there anew stays 18 digits, not 5.00118E+17
    assert ws.cell(5, 4).number_format == "@" and ws.cell(5, 6).number_format == "@"
    assert ws.cell(5, 2).number_format != "@" and ws.column_dimensions["D"].number_format == "@"


def test_two_stale_explanation_columns_give_way_to_one_and_the_red_cells_stay_in_place(tmp_path):
    """A list written before a fix held two 错误说明 columns: the new one takes the first's place, the
    other is left empty, and a wrong cell is red in its own column still."""
    head = {(1, 1): "姓名", (1, 2): "联系电话", (1, 3): EXPLAIN, (1, 4): f" {EXPLAIN} "}
    sheet = SheetErrors("花名册", head, [], 2, 1, 4, {2},
                        [RejectedRow(2, ["张三", "abc", "原第2行：旧的说明", "原第2行：更旧的说明"], {2}, ["电话号码无效：abc"])])
    ws = openpyxl.load_workbook(write_error_workbook(tmp_path / "清单.xlsx", [sheet])).active
    assert [c.value for c in ws[1]] == ["姓名", "联系电话", EXPLAIN]
    assert [c.value for c in ws[2]] == ["张三", "abc", "原第2行：电话号码无效：abc"]
    assert _red(ws.cell(2, 2)) and not _red(ws.cell(2, 1)) and not _red(ws.cell(2, 3))


def test_a_workbook_no_longer_wanted_stops_being_written_and_leaves_nothing(tmp_path):
    """Ctrl+C while a big error workbook is written: discarding it no longer waits for all its rows."""
    import threading
    import time

    import pytest

    from yibiaotong.files import partial_of
    from yibiaotong.ingest.errors_workbook import WritingStopped
    from yibiaotong.ingest.pipeline import _RejectedRows

    head = {(1, 1): "姓名", (1, 2): "联系电话"}
    rows = [RejectedRow(n + 2, [f"张{n}", "abc"], {2}, ["电话号码无效：abc"]) for n in range(200_000)]
    sheet = SheetErrors("花名册", head, [], 2, 1, 2, {2}, rows)
    stop = threading.Event()
    stop.set()
    with pytest.raises(WritingStopped):
        write_error_workbook(tmp_path / "清单.xlsx", [sheet], stop)
    assert not (tmp_path / "清单.xlsx").exists()

    target = tmp_path / "错误清单.xlsx"
    writing = _RejectedRows(target, [sheet])
    writing.start()
    time.sleep(0.2)  # under way (200,000 rows take seconds to write whole)
    writing.discard()
    # stopped among the rows, not waited for to the end: no clock in the test, the writing says so
    assert isinstance(writing._error, WritingStopped)
    assert not target.exists() and not partial_of(target).exists()
