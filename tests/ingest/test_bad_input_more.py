"""More bad input (issue #4): each case a real file; a clear Chinese problem with its place, and
nothing of the ledgers damaged."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import pytest
import xlsxwriter
from sqlalchemy import func, select

from tests.ingest.conftest import COLUMNS, TOWN, person
from yibiaotong.ingest import import_file
from yibiaotong.store import schema

HEADER = ["序号", *[c.replace("补贴金额/", "") for c in COLUMNS]]


def nothing_written(intake) -> bool:
    with intake.engine.connect() as conn:
        sources = conn.execute(select(func.count()).select_from(schema.source)).scalar_one()
    return sources == 0 and intake.store.count("person_identity") == 0


def values(n: int, **over: Any) -> list[Any]:
    row = person(n, **over)
    return [n, *[row[c] for c in COLUMNS]]


def workbook(path: Path, rows: list[list[Any]], header: list[str] = HEADER, *, hidden: bool = False) -> Path:
    """A plain roster: title, one header row, the rows (texts written as text, as typed)."""
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("Sheet1")
    for r, row in enumerate([["残疾人两项补贴发放花名册"], header, *rows]):
        for c, v in enumerate(row):
            if isinstance(v, str):
                ws.write_string(r, c, v)
            elif v is not None:
                ws.write_number(r, c, v)
    if hidden:
        wb.add_worksheet("说明").write_string(0, 0, "数据见另一张表")
        wb.worksheets()[1].activate()
        ws.hide()
    wb.close()
    return path


def csv_bytes(rows: list[list[Any]], encoding: str = "utf-8", delimiter: str = ",") -> bytes:
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter, lineterminator="\r\n").writerows([HEADER, *rows])
    return out.getvalue().encode(encoding)


def test_an_amount_too_large_for_a_ledger_is_the_cells_problem_not_the_databases(intake):
    # PostgreSQL refused 1e20 in NUMERIC(20,2) and ended the whole import with an exception
    path = workbook(intake.tmp / "金额.xlsx", [values(1), values(2, **{"补贴金额/生活补贴（元）": 1e20})])
    report = import_file(intake.engine, path, org_unit=TOWN)
    assert report.status == "imported" and report.rows_imported == 1 and report.rows_invalid == 1
    (problem,) = report.problems
    assert problem.code == "number-not-storable" and (problem.location["row"], problem.location["column"]) == (4, "K")
    assert "超出了台账能保存的范围" in problem.message_zh and "多写了位数" in problem.hint_zh
    assert intake.store.count("person_disability") == 1  # the row is rejected whole


def test_a_value_the_database_refuses_after_the_checks_fails_the_file_whole_and_says_so(intake, monkeypatch, caplog):
    """Were a check to let through a value the database refuses (here: the storable limits off), or
    another import to write the same records meanwhile, the file fails whole with a clerk's message;
    the log names the database's error class, not the value."""
    from sqlalchemy.exc import IntegrityError

    from yibiaotong.elements import validate
    from yibiaotong.ledgers.store import LedgerStore

    huge = intake.tmp / "金额过大.xlsx"
    workbook(huge, [values(1), values(2, **{"补贴金额/生活补贴（元）": 1e20})])
    if intake.engine.dialect.name == "postgresql":  # SQLite keeps such a number (as a float)
        monkeypatch.setattr(validate, "_STORABLE", {})
        report = import_file(intake.engine, huge, org_unit=TOWN)
        assert report.status == "failed" and [p.code for p in report.problems] == ["database-refused-data"]
        assert "22003" in report.problems[0].message_zh and "台账保持原样" in report.problems[0].message_zh
        assert nothing_written(intake) and "1E+20" not in caplog.text and "NumericValueOutOfRange" in caplog.text
        monkeypatch.undo()

    def collided(*_args, **_kwargs):
        # what the driver raises when another transaction committed the same key first
        raise IntegrityError("INSERT …", {}, intake.engine.dialect.loaded_dbapi.IntegrityError("duplicate key"))

    monkeypatch.setattr(LedgerStore, "insert_new", collided)
    report = import_file(intake.engine, workbook(intake.tmp / "同时.xlsx", [values(1)]), org_unit=TOWN)
    assert [p.code for p in report.problems] == ["database-write-conflict"] and report.status == "failed"
    assert "请稍后重新导入本文件" in report.problems[0].hint_zh and nothing_written(intake)


def test_two_imports_locking_each_other_out_is_a_write_conflict_and_no_counts_stand(intake, monkeypatch):
    """A deadlock between two imports updating the same people (PostgreSQL), or the write lock held
    past the wait (SQLite), is the same collision as a key written meanwhile; and the rows counted
    before the refusal were rolled back with the rest: the report counts none."""
    from sqlalchemy.exc import OperationalError

    from yibiaotong.ledgers.store import LedgerStore

    if intake.engine.dialect.name == "postgresql":
        import psycopg.errors

        locked = psycopg.errors.DeadlockDetected("deadlock detected")
    else:
        import sqlite3

        holder = sqlite3.connect(intake.tmp / "busy.db", timeout=0, isolation_level=None)
        holder.execute("CREATE TABLE t (x)")
        holder.execute("BEGIN IMMEDIATE")
        try:
            sqlite3.connect(intake.tmp / "busy.db", timeout=0).execute("INSERT INTO t VALUES (1)")
        except sqlite3.OperationalError as exc:
            locked = exc  # database is locked: SQLITE_BUSY
        holder.close()
    calls = []
    original = LedgerStore.insert_new

    def second_batch_locked(*args, **kwargs):  # the first batch is written, the next waits in vain
        calls.append(1)
        if len(calls) > 1:
            raise OperationalError("INSERT …", {}, locked)
        return original(*args, **kwargs)

    monkeypatch.setattr(LedgerStore, "insert_new", second_batch_locked)
    report = import_file(intake.engine, workbook(intake.tmp / "锁.xlsx", [values(1)]), org_unit=TOWN)
    assert report.status == "failed" and [p.code for p in report.problems] == ["database-write-conflict"]
    assert report.problems[0].params["reason"] in ("40P01", "SQLITE_BUSY") and nothing_written(intake)
    assert len(calls) > 1 and (report.rows_read, report.rows_imported) == (0, 0) and not report.sheets


def test_a_header_printed_again_on_every_page_is_skipped_not_reported_as_bad_rows(intake):
    path = workbook(intake.tmp / "分页打印.xlsx", [values(1), values(2), HEADER, values(3)])
    report = import_file(intake.engine, path, org_unit=TOWN)
    assert report.status == "imported" and report.rows_imported == 3 and not report.problems, report.problems
    (warning,) = [w for w in report.warnings if w.code == "header-repeated-in-data"]
    assert "有1行是重复的表头（第5行" in warning.message_zh and warning.location["sheet"] == "Sheet1"


def test_two_columns_with_the_same_header_are_not_guessed_between(intake):
    header = list(HEADER)
    header[7] = "姓名"  # 家庭住址 headed 姓名 too: its addresses were stored as the people's names
    path = workbook(intake.tmp / "两列姓名.xlsx", [values(1), values(2)], header)
    report = import_file(intake.engine, path, org_unit=TOWN)
    assert report.status == "failed" and [p.code for p in report.problems] == ["form-header-duplicate"]
    problem = report.problems[0]
    assert "有2列的表头都是“姓名”（B、H列）" in problem.message_zh and problem.location["sheet"] == "Sheet1"
    assert "监护人姓名" in problem.hint_zh and nothing_written(intake)


def test_two_village_columns_refuse_the_sheet_but_two_unstored_remarks_do_not(intake):
    header = list(HEADER)
    header[7] = "村（社区）"  # which village places the record would be a guess
    report = import_file(intake.engine, workbook(intake.tmp / "两列村.xlsx", [values(1)], header), org_unit=TOWN)
    assert [p.code for p in report.problems] == ["form-header-duplicate"] and nothing_written(intake)

    from yibiaotong.forms.definition import FieldDef
    from yibiaotong.forms.store import load_forms, save_forms

    form = load_forms(intake.engine)[0]
    form.fields.append(FieldDef(header="备注", element="remarks"))  # on the form, stored nowhere
    save_forms(intake.engine, "test", [form])
    rows = [[*values(n), "第一列备注", "第二列备注"] for n in (1, 2)]
    path = workbook(intake.tmp / "两列备注.xlsx", rows, [*HEADER, "备注", "备注"])
    report = import_file(intake.engine, path, org_unit=TOWN)
    assert report.status == "imported" and report.rows_imported == 2, report.message


def test_control_characters_from_other_systems_are_not_stored(intake):
    path = workbook(intake.tmp / "控制字符.xlsx", [values(1, **{"姓名": "张\x01三", "家庭住址": "红星村\x7f3组\x1f5号"})])
    report = import_file(intake.engine, path, org_unit=TOWN)
    assert report.status == "imported" and not report.problems, report.problems
    record = intake.store.get("person_identity", person(1)["身份证号码"])
    assert record["person_name"] == "张三" and record["address_current"] == "红星村3组 5号"


def test_excel_unicode_text_is_read_as_utf16_with_tabs(intake):
    path = intake.tmp / "Unicode文本.txt"
    path.write_bytes(csv_bytes([values(1)], "utf-16", "\t"))  # with its byte-order mark, as Excel saves it
    report = import_file(intake.engine, path, form="disability_roster", org_unit=TOWN)
    assert report.status == "imported" and report.rows_imported == 1, report.problems
    assert intake.store.get("person_identity", person(1)["身份证号码"])["person_name"] == person(1)["姓名"]


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
def test_utf16_without_its_byte_order_mark_is_read_by_its_zero_bytes(intake, codec):
    """A system's export in UTF-16 that left the mark out was refused as not a spreadsheet."""
    path = intake.tmp / "导出.csv"
    # 一 (U+4E00) and the ideographic space (U+3000) have a zero byte too, on the other side
    path.write_bytes(csv_bytes([values(1), values(2, 家庭住址="红星村一组　5号")], codec))
    report = import_file(intake.engine, path, form="disability_roster", org_unit=TOWN)
    assert report.status == "imported" and report.rows_imported == 2, report.problems
    assert intake.store.get("person_identity", person(2)["身份证号码"])["person_name"] == person(2)["姓名"]


def test_a_csv_row_moved_on_by_an_unquoted_comma_is_rejected_not_stored_shifted(intake):
    data = csv_bytes([values(1), values(2), values(3, 家庭住址="临江镇红星村3组12号")]).decode()
    # the third person's address typed with a comma and written without quotes: every later value
    # (残疾类别, 等级, 金额, 月份) one column on, the month past the header's last column
    data = data.replace("临江镇红星村3组12号", "临江镇红星村,3组12号")
    path = intake.tmp / "逗号.csv"
    path.write_bytes(data.encode())
    report = import_file(intake.engine, path, form="disability_roster", org_unit=TOWN)
    assert report.status == "imported" and (report.rows_imported, report.rows_invalid) == (2, 1)
    (problem,) = [p for p in report.problems if p.code == "csv-row-too-long"]
    assert (problem.location["row"], problem.location["column"]) == (4, "M")
    assert "比表头的12列多" in problem.message_zh and "加引号" in problem.message_zh
    assert intake.store.count("person_identity") == 2  # the third person is not stored with a shifted row
    # empty cells after the last column (a spreadsheet's trailing commas) are no values
    path.write_bytes(csv_bytes([[*values(4), "", ""]]))
    assert import_file(intake.engine, path, form="disability_roster", org_unit=TOWN).rows_imported == 1
    assert intake.store.count("person_identity") == 3


def test_a_csv_column_without_a_header_is_no_row_moved_on(intake):
    """Excel saves every row of a CSV as wide as the sheet: a notes column without a header (right
    of the form, under a title row) is in the header row's cells too. Its notes are no values moved
    on by an unquoted comma; a row with one cell more than the header row still is."""
    width = len(HEADER) + 1  # the form's columns and the notes column, headed by nothing
    rows = [["残疾人两项补贴发放花名册"], HEADER, [*values(1), "已入户核实"], *map(values, range(2, 10)),
            [*values(10, 家庭住址="临江镇红星村,3组12号"), ""]]
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows([row + [""] * (width - len(row)) for row in rows])
    path = intake.tmp / "带备注列.csv"
    path.write_bytes(out.getvalue().replace('"临江镇红星村,3组12号"', "临江镇红星村,3组12号").encode())
    report = import_file(intake.engine, path, form="disability_roster", org_unit=TOWN)
    assert (report.rows_imported, report.rows_invalid) == (9, 1), report.problems
    (problem,) = [p for p in report.problems if p.code == "csv-row-too-long"]
    # the row's month moved into the notes column: the row has one cell more than the header row
    assert (problem.location["row"], problem.location["column"]) == (12, "M")
    assert "这一行有13列值，比表头的12列多" in problem.message_zh
    assert intake.store.get("person_identity", person(1)["身份证号码"])["person_name"] == person(1)["姓名"]


def test_a_csv_quote_that_never_closes_says_where_instead_of_reading_the_rest_as_one_cell(intake):
    data = csv_bytes([values(1), values(2), values(3)]).decode()
    lines = data.split("\r\n")
    lines[2] = lines[2].replace(",临江镇", ',"临江镇', 1)  # the address of the second person, row 3
    path = intake.tmp / "引号.csv"
    path.write_bytes("\r\n".join(lines).encode())
    report = import_file(intake.engine, path, form="disability_roster", org_unit=TOWN)
    assert report.status == "failed" and [p.code for p in report.problems] == ["csv-quote-unclosed"]
    assert report.problems[0].location["row"] == 3 and "第3行" in report.problems[0].message_zh
    assert nothing_written(intake)
    # a quoted cell over two lines that does close, in the last row, is a cell like any other
    path.write_bytes(csv_bytes([values(1), values(2, **{"家庭住址": "红星村3组\n12号"})]))
    report = import_file(intake.engine, path, form="disability_roster", org_unit=TOWN)
    assert report.status == "imported" and report.rows_imported == 2, report.problems
    assert intake.store.get("person_identity", person(2)["身份证号码"])["address_current"] == "红星村3组 12号"


def test_a_csv_quote_closing_far_below_says_where_instead_of_a_traceback(intake):
    """A stray quote whose closing one lies 128 K characters on makes a cell the csv module will not
    read: said as that row's overlong cell, nothing written."""
    rows = [values(1 + n % 9) for n in range(2000)]
    lines = csv_bytes(rows).decode().split("\r\n")
    lines[2] = lines[2].replace(",临江镇", ',"临江镇', 1)
    lines[-2] = lines[-2] + '"'
    path = intake.tmp / "远处的引号.csv"
    path.write_bytes("\r\n".join(lines).encode())
    report = import_file(intake.engine, path, form="disability_roster", org_unit=TOWN)
    assert report.status == "failed" and [p.code for p in report.problems] == ["csv-cell-too-long"]
    assert report.problems[0].location["row"] == 3 and "第3行有一格超过13万个字符" in report.problems[0].message_zh
    assert nothing_written(intake)


def test_files_that_cannot_be_opened_say_why_in_a_clerks_words(intake, monkeypatch):
    from yibiaotong.ingest import limits

    good = workbook(intake.tmp / "好.xlsx", [values(1)])
    cut = intake.tmp / "没传完.xlsx"
    cut.write_bytes(good.read_bytes()[:len(good.read_bytes()) * 2 // 3])  # an upload cut short
    folder = intake.tmp / "五月.xlsx"
    folder.mkdir()
    said = {name: import_file(intake.engine, p, org_unit=TOWN).problems for name, p in (
        ("cut", cut), ("folder", folder))}
    assert [p.code for p in said["cut"]] == ["file-incomplete"] and "结尾部分缺失" in said["cut"][0].message_zh
    assert "重新下载" in said["cut"][0].hint_zh
    assert [p.code for p in said["folder"]] == ["file-is-folder"] and "是一个文件夹" in said["folder"][0].message_zh

    def denied(path):  # chmod cannot stop root, who runs the tests in CI: the error the OS gives instead
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr(limits, "sniff", denied)
    report = import_file(intake.engine, good, org_unit=TOWN)
    assert report.status == "failed" and [p.code for p in report.problems] == ["file-no-permission"]
    assert "没有读取文件的权限：好.xlsx" in report.problems[0].message_zh and nothing_written(intake)


def test_a_csv_line_in_another_encoding_far_down_is_named(intake):
    """Past the first megabyte (which says the encoding) a line in GBK: its line is said, nothing written."""
    rows = [values(1 + n % 9) for n in range(12_000)]
    data = csv_bytes(rows)
    assert len(data) > 1 << 20
    path = intake.tmp / "拼接.csv"
    path.write_bytes(data + "第二个文件,临江镇\r\n".encode("gb18030"))
    report = import_file(intake.engine, path, form="disability_roster", org_unit=TOWN)
    assert report.status == "failed" and [p.code for p in report.problems] == ["csv-line-undecodable"]
    assert report.problems[0].location["row"] == data.count(b"\n") + 1
    assert "文件前面是UTF-8编码" in report.problems[0].message_zh and nothing_written(intake)
    near = intake.tmp / "近处.csv"  # within the first megabyte, which says the encoding
    near.write_bytes(csv_bytes([values(1)]) + "李四,临江镇\r\n".encode("gb18030"))
    report = import_file(intake.engine, near, form="disability_roster", org_unit=TOWN)
    assert [(p.code, p.location.get("row")) for p in report.problems] == [("csv-line-undecodable", 3)]


def test_a_text_or_csv_named_as_a_workbook_is_read_as_what_it_is_and_said(intake):
    text = intake.tmp / "说明.xlsx"
    text.write_text("这是一个文本文件，不是表格。\nhello world\n", encoding="utf-8")
    report = import_file(intake.engine, text, org_unit=TOWN)
    assert report.status == "failed" and [p.code for p in report.problems] == ["file-no-form"]
    assert [w.message_zh for w in report.warnings if w.code == "file-extension-mismatch"] == [
        "文件扩展名是.xlsx，实际是CSV格式，已按实际格式读取"]
    roster = intake.tmp / "花名册.xlsx"
    roster.write_bytes(csv_bytes([values(1)]))
    report = import_file(intake.engine, roster, form="disability_roster", org_unit=TOWN)
    assert report.status == "imported" and [w.code for w in report.warnings].count("file-extension-mismatch") == 1


def test_a_file_whose_only_form_is_on_a_hidden_sheet_says_so(intake):
    path = workbook(intake.tmp / "隐藏.xlsx", [values(1)], hidden=True)
    report = import_file(intake.engine, path, org_unit=TOWN)
    assert report.status == "failed" and [p.code for p in report.problems] == ["file-no-form"]
    assert "工作表“Sheet1”是隐藏的" in report.problems[0].message_zh and "取消隐藏" in report.problems[0].hint_zh
    assert nothing_written(intake)
