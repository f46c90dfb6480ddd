"""Importing filled rosters into the ledgers, on SQLite and PostgreSQL, with real .xlsx files."""

from __future__ import annotations

import errno
from datetime import date
from decimal import Decimal

import openpyxl
from sqlalchemy import func, select

from tests.ingest.conftest import TOWN, VILLAGE, VILLAGE2, id_number, person
from yibiaotong.ingest import import_file
from yibiaotong.store import schema


def count(engine, table) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(table)).scalar_one()


def test_a_roster_row_feeds_two_ledgers_with_labels_units_and_dates_converted(intake):
    rows = [person(1, **{"性别": "男", "出生日期": "1951年2月2日", "残疾等级": "二级", "残疾类别": "肢体",
                         "补贴金额/生活补贴（元）": "1,200", "发放月份": "2024年1月", "联系电话": "138 0000 0001"}),
            person(2, **{"出生日期": date(1952, 3, 3), "补贴金额/生活补贴（元）": "0.012万元", "残疾等级": "4级"})]
    path = intake.roster("一月.xlsx", rows)
    report = import_file(intake.engine, path, org_unit=TOWN, actor="张敏", period="2024-01")
    assert report.status == "imported" and report.rows_imported == 2 and not report.problems, report.problems
    first = intake.store.get("person_identity", rows[0]["身份证号码"])
    assert first["person_name"] == rows[0]["姓名"] and first["gender"] == "1"
    assert first["birth_date"] == date(1951, 2, 2) and first["phone"] == "13800000001"
    assert first["_org_unit"] == VILLAGE  # 红星村 found under 临江镇
    d1 = intake.store.get("person_disability", rows[0]["身份证号码"])
    assert d1["disability_level"] == "2" and d1["disability_category"] == "4"
    assert Decimal(str(d1["disabled_living_subsidy_amount"])) == Decimal("1200")
    assert d1["payment_month"] == "2024-01"
    d2 = intake.store.get("person_disability", rows[1]["身份证号码"])
    assert Decimal(str(d2["disabled_living_subsidy_amount"])) == Decimal("120")  # 0.012万元 -> 元
    assert d2["disability_level"] == "4"
    history = intake.store.history("person_identity", rows[0]["身份证号码"])
    assert history[0]["file_name"] == "一月.xlsx" and history[0]["sheet"] == "Sheet1"
    assert history[0]["actor"] == "张敏" and history[0]["period"] == "2024-01"
    assert history[0]["source_row"] == 5 and len(history[0]["file_hash"]) == 64


def test_every_problem_is_reported_with_its_place_and_a_masked_value(intake):
    good = person(1)
    rows = [good,
            person(2, **{"身份证号码": id_number(date(1960, 1, 2), 11)[:17] + "0"}),  # wrong check digit
            person(3, **{"出生日期": "2023-02-30", "残疾等级": "九级", "联系电话": "12345"}),
            person(4, **{"补贴金额/生活补贴（元）": "一百元"})]
    path = intake.roster("有错.xlsx", rows)
    report = import_file(intake.engine, path, org_unit=TOWN)
    assert report.status == "imported" and report.rows_imported == 1 and report.rows_invalid == 3
    by_place = {(p.location["row"], p.location["column"]): p for p in report.problems}
    checksum = by_place[(6, "D")]
    assert checksum.code == "id-number-checksum" and checksum.message_zh.startswith("身份证号码校验位错误")
    assert "********" in checksum.params["value"] and checksum.location["header"] == "身份证号码"
    assert by_place[(7, "E")].code == "invalid-date" and by_place[(7, "E")].message_zh == "日期无效：2023-02-30"
    assert by_place[(7, "J")].code == "not-in-codelist" and "不在代码表" in by_place[(7, "J")].message_zh
    assert by_place[(7, "F")].code == "invalid-phone" and "12345" not in by_place[(7, "F")].params["value"]
    assert by_place[(8, "K")].code == "invalid-number"
    assert str(by_place[(6, "D")]).startswith("文件 有错.xlsx 工作表 Sheet1 第6行 D列（身份证号码）")
    assert count(intake.engine, intake.store.table("person_identity")) == 1

    # the error workbook: the same header, the rejected rows as typed, bad cells red, 错误说明
    wb = openpyxl.load_workbook(report.error_workbook)
    ws = wb.active
    header = [c.value for c in ws[3]]  # a two-row header (补贴金额/生活补贴), data from row 5
    assert "身份证号码" in header and header[-1] == "错误说明" and ws.cell(4, 11).value == "生活补贴（元）"
    assert ws.cell(5, 4).value == rows[1]["身份证号码"] and ws.cell(5, 4).data_type == "s"
    assert ws.cell(5, 4).fill.fgColor.rgb.endswith("FFC7CE") and not ws.cell(5, 2).fill.fgColor.rgb.endswith("FFC7CE")
    assert ws.cell(5, len(header)).value.startswith("原第6行：身份证号码校验位错误")
    assert "日期无效" in ws.cell(6, len(header)).value and "不在代码表" in ws.cell(6, len(header)).value

    # the clerk fixes the rows in the error workbook and imports it again: it is the same form
    ws.cell(5, 4).value = id_number(date(1952, 3, 3), 12)  # her birth date and sex, as the row says them
    ws.cell(6, 5).value = "1953-04-04"
    ws.cell(6, 10).value = "三级"
    ws.cell(6, 6).value = "13812345678"
    ws.cell(7, 11).value = 100
    fixed = intake.tmp / "改好了.xlsx"
    wb.save(fixed)
    again = import_file(intake.engine, fixed, org_unit=TOWN)
    assert again.status == "imported" and again.rows_imported == 3 and not again.problems, again.problems
    assert again.sheets[0].form == "disability_roster"
    assert intake.store.get("person_disability", rows[2]["身份证号码"])["disability_level"] == "3"


def test_strict_mode_rejects_the_whole_file_and_writes_nothing(intake):
    path = intake.roster("严格.xlsx", [person(1), person(2, **{"出生日期": "明天"})])
    report = import_file(intake.engine, path, org_unit=TOWN, strict=True)
    assert report.status == "rejected" and not report.ok and report.rows_invalid == 1
    assert report.error_workbook and count(intake.engine, schema.source) == 0
    assert count(intake.engine, schema.import_batch) == 0
    # rolled back: the right row is not counted as imported, in no ledger either
    assert (report.rows_read, report.rows_imported, report.rows_invalid) == (2, 0, 1)
    (sheet,) = report.sheets
    assert sheet.ledgers and all((c.inserted, c.updated, c.unchanged) == (0, 0, 0) for c in sheet.ledgers.values())
    assert (sheet.rows_queued, sheet.conflicts, sheet.linked) == (0, 0, [])
    data = report.to_dict()
    assert data["rows_imported"] == 0 and data["sheets"][0]["rows_imported"] == 0
    assert all(c["inserted"] == 0 for c in data["sheets"][0]["ledgers"].values())
    assert [p.code for p in report.problems] == ["invalid-date"]  # what is wrong stays
    # the error workbook holds the wrong row only: the clerk corrects the original and imports all of it
    assert report.message == (
        f"文件有错误，按严格模式整体未导入：读取2行，其中1行有错误，整个文件一行也没有导入。请在原文件中改正这1行"
        f"（错误清单 {report.error_workbook} 列出了这些行），再重新导入整个原文件；只导入改好的错误清单会漏掉正确的1行")
    assert "导入1行" not in report.message and "改正后可重新导入" not in report.message


def test_the_same_file_twice_changes_nothing_the_second_time_and_says_so(intake):
    path = intake.roster("两次.xlsx", [person(1), person(2)])
    first = import_file(intake.engine, path, org_unit=TOWN)
    assert first.status == "imported"
    before = [count(intake.engine, t) for t in (schema.source, schema.change, schema.import_batch)]
    second = import_file(intake.engine, path, org_unit=TOWN)
    assert second.status == "already-imported" and second.ok
    assert second.message.startswith("该文件已导入过，数据无变化")
    assert [count(intake.engine, t) for t in (schema.source, schema.change, schema.import_batch)] == before


def test_an_amount_with_more_decimals_than_its_column_is_stored_rounded_and_changes_nothing_again(intake):
    amount = "补贴金额/生活补贴（元）"
    path = intake.roster("三位小数.xlsx", [person(1, **{amount: "120.555"}), person(2, **{amount: 33.3333})])
    assert import_file(intake.engine, path, org_unit=TOWN).status == "imported"
    stored = [intake.store.get("person_disability", person(n)["身份证号码"])["disabled_living_subsidy_amount"]
              for n in (1, 2)]
    assert stored == [Decimal("120.56"), Decimal("33.33")]  # as PostgreSQL's NUMERIC(20,2) keeps them, on both
    before = count(intake.engine, schema.change)
    again = import_file(intake.engine, intake.roster("三位小数-再次.xlsx", [person(1, **{amount: "120.555"}),
                                                                        person(2, **{amount: 33.3333})]), org_unit=TOWN)
    assert again.status == "no-change" and count(intake.engine, schema.change) == before


def test_rows_find_their_village_by_name_within_the_org_unit(intake):
    rows = [person(1, **{"村（社区）": "黄瓜山"}), person(2, **{"村（社区）": "红星村委会"}),
            person(3, **{"村（社区）": "不存在村"})]
    report = import_file(intake.engine, intake.roster("村.xlsx", rows), org_unit="临江镇")
    assert report.rows_imported == 2
    assert intake.store.get("person_identity", rows[0]["身份证号码"])["_org_unit"] == VILLAGE2
    assert intake.store.get("person_identity", rows[1]["身份证号码"])["_org_unit"] == VILLAGE
    assert [p.code for p in report.problems] == ["org-unit-not-found"]
    assert report.problems[0].location["header"] == "村（社区）"
    # without --org-unit the district's two 红星村 cannot be told apart
    other = import_file(intake.engine, intake.roster("全区.xlsx", [person(5)]))
    assert [p.code for p in other.problems] == ["org-unit-ambiguous"]


def test_csv_in_utf8_and_gbk(intake):
    from tests.ingest.conftest import COLUMNS

    for encoding, n in (("utf-8-sig", 1), ("gbk", 2)):
        row = person(n)
        header = ["序号", *[c.replace("补贴金额/", "") for c in COLUMNS]]
        values = ["1", *[str(row[c]) for c in COLUMNS]]
        path = intake.tmp / f"{encoding}.csv"
        path.write_bytes(("\n".join([",".join(header), ",".join(values)]) + "\n").encode(encoding))
        report = import_file(intake.engine, path, form="disability_roster", org_unit=TOWN)
        assert report.status == "imported", report.problems
        assert intake.store.get("person_identity", row["身份证号码"])["person_name"] == row["姓名"]
        assert intake.store.get("person_disability", row["身份证号码"])["disabled_living_subsidy_amount"] is not None


def test_a_row_missing_the_key_of_one_ledger_is_reported_not_dropped(intake):
    from tests.ingest.conftest import COLUMNS, fill_roster
    from yibiaotong.forms import render_template
    from yibiaotong.forms.store import load_forms, save_forms
    from yibiaotong.ledgers import LedgerDef

    intake.store.create_ledger(LedgerDef.from_dict({
        "id": "cert", "name": "残疾人证台账", "subject": "person", "key": ["disability_cert_number"],
        "columns": ["disability_cert_number", "disability_level"]}))
    form = load_forms(intake.engine)[0]
    form.fields.append(type(form.fields[0])(header="残疾人证号", element="disability_cert_number", ledger="cert",
                                            column="disability_cert_number"))
    save_forms(intake.engine, "test", [form])
    template = render_template({"title": "残疾人两项补贴发放花名册", "columns": [*COLUMNS, "残疾人证号"],
                                "options": {"serial": True, "total_row": None}}, intake.tmp / "t.xlsx")
    rows = [person(1, **{"残疾人证号": "50011819510202103042"}), person(2)]
    report = import_file(intake.engine, fill_roster(template, intake.tmp / "证.xlsx", rows), org_unit=TOWN)
    assert report.rows_imported == 2 and not report.problems
    missing = [w for w in report.warnings if w.code == "ledger-key-missing"]
    assert len(missing) == 1 and missing[0].location["row"] == 6
    assert missing[0].message_zh == "该行未写入台账《残疾人信息台账》：缺少“残疾人证号”".replace("残疾人信息台账", "残疾人证台账")
    assert intake.store.count("cert") == 1 and intake.store.count("person_disability") == 2


def test_another_person_under_an_id_number_already_in_the_file_is_refused_naming_the_first_row(intake,
                                                                                              monkeypatch):
    """Row 6 carries row 5's ID number (pasted one row off): merged, 张二华 would become 张三强
    with her birth date and sex. It is refused, naming row 5; row 5 and the rest go in."""
    from yibiaotong.ingest import sheet

    first, pasted = person(1), person(2, **{"身份证号码": person(1)["身份证号码"]})
    same = person(1, **{"姓名": " 张二华\n", "残疾等级": "一级"})  # the same person again, spaced: no clash
    for batch in (20_000, 1):  # one chunk, and each row a chunk of its own (a big file)
        monkeypatch.setattr(sheet, "BATCH_ROWS", batch)
        report = import_file(intake.engine, intake.roster(f"错行{batch}.xlsx", [first, pasted, person(3), same]),
                             org_unit=TOWN, period="2024-01")
        assert report.rows_imported == 3 and report.rows_invalid == 1, report.problems
        (problem,) = report.problems
        assert problem.code == "id-number-other-person" and problem.location["row"] == 6
        assert problem.location["column"] == "D" and problem.params["first_row"] == 5 and "first_sheet" not in problem.params
        assert "与第5行相同，但姓名不同" in problem.message_zh
        kept = intake.store.get("person_identity", first["身份证号码"])
        assert kept["person_name"] == first["姓名"] and kept["birth_date"].isoformat() == first["出生日期"]
        assert intake.store.get("person_disability", first["身份证号码"])["disability_level"] == "1"


def test_the_first_row_of_an_id_number_keeps_it_whichever_path_the_rows_take(intake):
    """Row 5 (计 in its first cells, as in 合计: looked at one by one) and row 6 under its ID number
    with another name (clean): row 6 is the one refused, as in a file read a row at a time; a first
    row without a name hands the ID number to the first row naming someone."""
    first = person(1, **{"姓名": "计二华"})
    pasted = person(2, **{"身份证号码": first["身份证号码"]})
    report = import_file(intake.engine, intake.roster("错行.xlsx", [first, pasted]), org_unit=TOWN)
    assert [(p.code, p.location["row"]) for p in report.problems] == [("id-number-other-person", 6)]
    assert intake.store.get("person_identity", first["身份证号码"])["person_name"] == first["姓名"]
    nameless, named, other = (person(3, **{"姓名": None}), person(3), person(4, **{"身份证号码": person(3)["身份证号码"]}))
    report = import_file(intake.engine, intake.roster("无名.xlsx", [nameless, named, other]), org_unit=TOWN)
    assert [(p.code, p.location["row"], p.params["first_row"]) for p in report.problems if p.code.startswith("id-")] == [
        ("id-number-other-person", 7, 6)]


def test_another_person_under_an_id_number_of_another_sheet_is_refused_naming_that_sheet(intake):
    """A workbook of one sheet per village: the second sheet's row under an ID number the first
    sheet gave someone else is refused, naming the sheet and row."""
    import openpyxl

    first = person(1)
    book = openpyxl.load_workbook(intake.roster("甲.xlsx", [first, person(3)]))
    second = openpyxl.load_workbook(intake.roster("乙.xlsx", [person(2, **{"身份证号码": first["身份证号码"]})]))
    book.active.title = "红星村"
    copy = book.create_sheet("新华村")
    for row in second.active.iter_rows():
        for cell in row:
            copy.cell(cell.row, cell.column, cell.value)
    path = intake.tmp / "两村.xlsx"
    book.save(path)
    report = import_file(intake.engine, path, org_unit=TOWN)
    (problem,) = [p for p in report.problems if p.code == "id-number-other-person"]
    assert problem.location["sheet"] == "新华村" and problem.params["first_sheet"] == "红星村"
    assert "工作表“红星村”第5行" in problem.message_zh and "sheet '红星村'" in problem.message_en
    assert intake.store.get("person_identity", first["身份证号码"])["person_name"] == first["姓名"]


def test_a_name_padded_to_line_up_is_stored_as_the_name(intake, monkeypatch):
    """王  五 lined up with three-character names on a printed roster is 王五, on the column-wise
    path and on the row-by-row one (a row with a problem elsewhere)."""
    padded = person(1, **{"姓名": "张  二华"})
    slow = person(2, **{"姓名": "张 三　强", "出生日期": "2023-02-30"})  # refused: its name is said as read
    report = import_file(intake.engine, intake.roster("对齐.xlsx", [padded, slow, person(3)]), org_unit=TOWN)
    assert report.rows_imported == 2
    assert intake.store.get("person_identity", padded["身份证号码"])["person_name"] == "张二华"
    linked = person(4, **{"姓名": "张 五 芳", "联系电话": "13800000009"})
    import_file(intake.engine, intake.roster("对齐2.xlsx", [linked]), org_unit=TOWN)
    assert intake.store.get("person_identity", linked["身份证号码"])["person_name"] == "张五芳"


def test_one_name_written_with_another_dot_or_width_is_the_same_person():
    from yibiaotong.ingest.sameid import IdNames

    ids = IdNames()
    assert ids.clashes(["X"] * 4, ["阿依古丽·买买提", "阿依古丽•买买提", "阿依古丽．买买提", "阿依古丽　买买提"],
                       [5, 6, 7, 8], range(3)) == {}
    assert ids.clash("X", "阿依古丽 · 买买提", 9) is None and ids.clash("X", "王五", 9) == (None, 5)
    ids.sheet("乙")  # the next sheet: the first row is said with its sheet
    assert ids.clash("X", "王五", 5) == ("", 5)


def test_a_person_listed_twice_is_one_record_whose_later_values_win(intake, monkeypatch):
    from yibiaotong.ingest import sheet

    rows = [person(1), person(2), person(1, **{"残疾等级": "一级", "联系电话": None})]
    report = import_file(intake.engine, intake.roster("重复.xlsx", rows), org_unit=TOWN)
    assert report.status == "imported" and report.rows_imported == 3
    counts = report.sheets[0].ledgers["person_disability"]
    assert (counts.inserted, counts.duplicate_keys) == (2, 1)
    record = intake.store.get("person_disability", rows[0]["身份证号码"])
    assert record["disability_level"] == "1" and record["_version"] == 1
    assert intake.store.get("person_identity", rows[0]["身份证号码"])["phone"] == "13800000001"
    # the second listing in a later chunk of a big file: the record is updated, same result
    monkeypatch.setattr(sheet, "BATCH_ROWS", 2)
    again = [person(3), person(4), person(3, **{"残疾等级": "一级", "联系电话": None})]
    report = import_file(intake.engine, intake.roster("重复2.xlsx", again), org_unit=TOWN)
    counts = report.sheets[0].ledgers["person_disability"]
    assert (counts.inserted, counts.updated) == (2, 1) and report.rows_imported == 3
    assert intake.store.get("person_disability", again[0]["身份证号码"])["disability_level"] == "1"


def test_the_history_of_an_imported_record_holds_every_value_as_json(intake):
    from yibiaotong.ledgers.store import _jsonable

    rows = [person(1, **{"出生日期": "1951年2月2日", "补贴金额/生活补贴（元）": "120.50", "联系电话": None}), person(2)]
    import_file(intake.engine, intake.roster("历史.xlsx", rows), org_unit=TOWN, period="2024-01")
    for ledger in ("person_identity", "person_disability"):
        record = intake.store.get(ledger, rows[0]["身份证号码"])
        first = intake.store.history(ledger, rows[0]["身份证号码"])[0]
        stored = {k: v for k, v in record.items() if not k.startswith("_") and v is not None}
        assert first["op"] == "insert" and first["old_value"] is None
        assert first["new_value"] == {"_org_unit": VILLAGE, **{k: _jsonable(v) for k, v in stored.items()}}
    assert "phone" not in intake.store.history("person_identity", rows[0]["身份证号码"])[0]["new_value"]


def test_a_birth_date_not_come_yet_is_refused_with_its_place(intake):
    """A birth date after today (a mistyped year) cannot be stored: the row goes back to the
    clerk with the date, its place and how to fix it; the other rows go in."""
    rows = [person(1), person(2, **{"出生日期": "2052-03-14"}), person(3)]
    report = import_file(intake.engine, intake.roster("出生日期.xlsx", rows), org_unit=TOWN)
    assert report.status == "imported" and report.rows_imported == 2 and report.rows_invalid == 1
    (problem,) = report.problems
    assert problem.code == "date-in-future" and (problem.location["row"], problem.location["column"]) == (6, "E")
    assert problem.message_zh == "日期晚于今天：2052-03-14" and problem.location["header"] == "出生日期"
    assert count(intake.engine, intake.store.table("person_identity")) == 2
    ws = openpyxl.load_workbook(report.error_workbook).active
    assert "日期晚于今天" in ws.cell(5, ws.max_column).value


def test_a_large_roster_read_in_parts_imports_like_a_small_one(intake, monkeypatch):
    from yibiaotong.ingest import workbook

    rows = [person(n) for n in range(1, 150)]
    rows[120] = person(121, **{"出生日期": "1960-02-30"})
    path = intake.roster("分段.xlsx", rows)
    monkeypatch.setattr(workbook, "PART_BYTES", 6000)  # this roster's sheet is cut into many parts
    monkeypatch.setattr(workbook, "FIRST_PART_BYTES", 2000)
    report = import_file(intake.engine, path, org_unit=TOWN)
    assert report.status == "imported" and report.rows_imported == 148 and report.rows_invalid == 1
    assert [(p.code, p.location["row"], p.location["column"]) for p in report.problems] == [
        ("invalid-date", 125, "E")]  # data from row 5: rows[120] is on row 125
    assert count(intake.engine, intake.store.table("person_disability")) == 148
    assert intake.store.history("person_identity", rows[148]["身份证号码"])[0]["source_row"] == 153


def test_a_roster_converted_by_the_reading_process_says_the_same_problems_as_read_here(intake, monkeypatch):
    from yibiaotong.ingest import reader, workbook

    rows = [person(n) for n in range(1, 120)]
    rows[3] = person(4, **{"出生日期": "1960年2月30日"})
    rows[10] = person(11, **{"残疾等级": "五级", "姓名": " 张 三 "})
    rows[20] = person(21, **{"身份证号码": rows[20]["身份证号码"][:17] + "0"})
    rows[30] = person(31, **{"联系电话": "138123", "村（社区）": "不存在村"})
    rows[40] = person(41, **{"补贴金额/生活补贴（元）": "一百"})
    rows[50] = person(51, **{"出生日期": "1951-04-04", "性别": "女"})  # neither is what the ID number says
    rows[60] = person(61, **{"出生日期": "1971年2月"})  # the ID number's month: completed
    rows[70] = person(71, **{"出生日期": "1981年3月"})  # another month
    path = intake.roster("转换.xlsx", rows)

    def said(report):
        # in row order: strict mode says a wrong ID number where it is read, not after seeking the person
        return sorted((p.code, p.location.get("row"), p.location.get("column"), p.message_zh) for p in report.problems)

    whole = import_file(intake.engine, path, org_unit=TOWN, strict=True)  # rolled back: only what it says
    assert whole.status == "rejected" and len(said(whole)) >= 6
    monkeypatch.setattr(workbook, "PART_BYTES", 5000)  # read, and converted, by a second process
    monkeypatch.setattr(workbook, "FIRST_PART_BYTES", 2000)
    received = []
    unpacked = reader._unpacked
    monkeypatch.setattr(reader, "_unpacked", lambda body: received.append(unpacked(body)) or received[-1])
    parted = import_file(intake.engine, path, org_unit=TOWN)
    assert received and all(chunk.converted is not None for chunk in received)
    assert said(parted) == said(whole)
    assert (parted.rows_read, parted.rows_invalid) == (whole.rows_read, whole.rows_invalid)
    assert parted.rows_imported == parted.rows_read - parted.rows_invalid and whole.rows_imported == 0
    assert {"birth-date-not-id", "gender-not-id", "birth-month-not-id"} <= {p.code for p in parted.problems}
    assert intake.store.get("person_identity", rows[60]["身份证号码"])["birth_date"] == date(1971, 2, 8)
    stored = intake.store.get("person_identity", rows[100]["身份证号码"])
    assert stored["birth_date"] == date.fromisoformat(rows[100]["出生日期"]) and stored["person_name"] == rows[100]["姓名"]
    assert intake.store.get("person_disability", rows[100]["身份证号码"])["disability_level"] == "2"


def test_a_masked_export_imported_back_never_overwrites_values_with_stars(intake):
    rows = [person(1, **{"家庭住址": "临江镇红星村3组12号"})]
    import_file(intake.engine, intake.roster("原表.xlsx", rows), org_unit=TOWN, actor="张敏")
    masked = [person(1, **{"家庭住址": "***", "联系电话": "138****0001"})]
    report = import_file(intake.engine, intake.roster("脱敏导出.xlsx", masked), org_unit=TOWN, actor="张敏")
    assert {p.code for p in report.problems} == {"masked-value"} and report.rows_imported == 0
    only_text = [person(1, **{"家庭住址": "临江镇***"})]  # a clean row but for the stars: the column-wise path
    report = import_file(intake.engine, intake.roster("脱敏地址.xlsx", only_text), org_unit=TOWN, actor="张敏")
    assert {p.code for p in report.problems} == {"masked-value"} and report.rows_imported == 0
    assert intake.store.get("person_identity", rows[0]["身份证号码"])["address_current"] == "临江镇红星村3组12号"


def test_progress_counts_the_whole_file_across_its_sheets(intake):
    path = intake.roster("两张表.xlsx", [person(1), person(2), person(3)])
    wb = openpyxl.load_workbook(path)
    second = wb.copy_worksheet(wb.active)
    for r in range(1, second.max_row + 1):  # other people on the second sheet (born the same day, of the same sex)
        for c in range(1, second.max_column + 1):
            if isinstance(second.cell(r, c).value, str) and second.cell(r, c).value.startswith("500118"):
                old = second.cell(r, c).value
                second.cell(r, c).value = id_number(date.fromisoformat(f"{old[6:10]}-{old[10:12]}-{old[12:14]}"),
                                                    700 + 2 * r + int(old[16]) % 2)
    wb.save(path)
    seen: list[tuple[int, int | None]] = []
    report = import_file(intake.engine, path, org_unit=TOWN, actor="张敏", progress=lambda d, t: seen.append((d, t)))
    assert report.rows_imported == 6
    done = [d for d, _t in seen]
    assert done == sorted(done)  # never goes back when the second sheet starts
    first_total = seen[0][1]  # the first sheet's rows; the second is a copy of it
    assert seen[-1] == (first_total + 3, 2 * first_total)  # its 3 people counted on top of the first sheet


def test_an_error_workbook_that_cannot_be_written_leaves_no_half_file_and_the_earlier_list(intake, monkeypatch):
    from yibiaotong.files import partial_of
    from yibiaotong.ingest import pipeline

    target = intake.tmp / "错误清单.xlsx"
    first = import_file(intake.engine, intake.roster("一.xlsx", [person(1), person(2, **{"出生日期": "明天"})]),
                        org_unit=TOWN, error_workbook=target)
    assert first.error_workbook == str(target)
    kept = target.read_bytes()

    def disk_full(path, sheets, stop=None):
        path.write_bytes(b"PK half")
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(pipeline, "write_error_workbook", disk_full)
    second = import_file(intake.engine, intake.roster("二.xlsx", [person(3), person(4, **{"出生日期": "明天"})]),
                         org_unit=TOWN, error_workbook=target)
    assert target.read_bytes() == kept and not partial_of(target).exists()
    # the good row is stored and the clerk is told where the bad one is, without a file to download
    assert second.status == "imported" and second.rows_imported == 1 and second.error_workbook is None
    assert [p.code for p in second.problems] == ["invalid-date"] and second.problems[0].location["row"] == 6
    (warning,) = [w for w in second.warnings if w.code == "error-workbook-unwritable"]
    assert "错误清单未能写出（磁盘空间不足）" in warning.message_zh and "No space left on device" in warning.message_en


def test_an_error_workbook_not_written_for_a_rejected_import_does_not_say_rows_were_stored(intake, monkeypatch):
    from yibiaotong.ingest import pipeline

    def disk_full(path, sheets, stop=None):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(pipeline, "write_error_workbook", disk_full)
    path = intake.roster("严格.xlsx", [person(1), person(2, **{"出生日期": "明天"})])
    report = import_file(intake.engine, path, org_unit=TOWN, strict=True, error_workbook=intake.tmp / "清单.xlsx")
    assert report.status == "rejected" and count(intake.engine, schema.change_run) == 0
    (warning,) = [w for w in report.warnings if w.code.startswith("error-workbook-unwritable")]
    assert "错误清单未能写出" in warning.message_zh and "已保存" not in warning.message_zh
    assert "未导入" in warning.message_zh and "stored" not in warning.message_en
    assert report.rows_imported == 0 and report.message.endswith(
        "整个文件一行也没有导入。请在原文件中改正这1行，再重新导入整个原文件")  # no list named: none was written


def test_an_error_workbook_that_cannot_take_its_place_leaves_no_hidden_copy(intake):
    from yibiaotong.files import partial_of

    target = intake.tmp / "错误清单.xlsx"
    target.mkdir()  # a folder of that name: the finished workbook cannot be moved there
    report = import_file(intake.engine, intake.roster("一.xlsx", [person(1), person(2, **{"出生日期": "明天"})]),
                         org_unit=TOWN, error_workbook=target)
    assert report.status == "imported" and report.rows_imported == 1 and report.error_workbook is None
    assert [w.code for w in report.warnings if w.code.startswith("error-workbook")] == ["error-workbook-unwritable"]
    assert not partial_of(target).exists()  # the rows to fix (with their values) are not left behind


def test_an_error_workbook_into_a_folder_that_is_not_there_is_said_not_raised(intake):
    """xlsxwriter says a file it cannot create with its own exception: said as the folder missing,
    after the good rows were stored, as any file that could not be written."""
    target = intake.tmp / "没有的文件夹" / "错误清单.xlsx"
    report = import_file(intake.engine, intake.roster("一.xlsx", [person(1), person(2, **{"出生日期": "明天"})]),
                         org_unit=TOWN, error_workbook=target)
    assert report.status == "imported" and report.rows_imported == 1 and report.error_workbook is None
    (warning,) = [w for w in report.warnings if w.code == "error-workbook-unwritable"]
    assert "错误清单未能写出（要写入的文件夹不存在）" in warning.message_zh


def test_a_row_listed_on_a_roster_is_a_record_of_its_main_ledger_even_with_its_values_blank(intake):
    """A row that gives a ledger nothing but its key writes no record there (a roster of the disabled
    does not make subsidy records) — but the roster's own ledger (here 残疾人信息) keeps everyone it
    lists: being listed is the fact."""
    blank = {"残疾类别": None, "残疾等级": None, "补贴金额/生活补贴（元）": None, "发放月份": None}
    path = intake.roster("空值.xlsx", [person(1), person(2, **blank)])
    report = import_file(intake.engine, path, org_unit=TOWN)
    assert report.status == "imported" and report.rows_imported == 2, report.message
    assert intake.store.count("person_disability") == 2 and intake.store.count("person_identity") == 2


def _field_into(intake, ledger: dict, header: str, column: str | None = None) -> None:
    """A ledger created, and the installed roster's field ``header`` mapped into it."""
    from yibiaotong.forms.store import load_forms, save_forms
    from yibiaotong.ledgers import LedgerDef

    intake.store.create_ledger(LedgerDef.from_dict(ledger))
    form = load_forms(intake.engine)[0]
    for f in form.fields:
        if f.header == header:
            f.ledger, f.column = ledger["id"], column or f.column
    save_forms(intake.engine, "test", [form])


def test_town_and_village_columns_mapped_to_an_area_ledger_place_rows_and_write_no_area_records(intake):
    """Consolidation may map 村（社区） to 行政区域统计台账 (keyed by unit and month): on a roster that
    column says where each row's records are; it writes no area record per row, nor warns on every
    row that the month is missing."""
    _field_into(intake, {"id": "area", "name": "行政区域统计台账", "subject": "area", "key": ["_org_unit", "stat_month"],
                         "columns": ["stat_month", "town", "village"]}, "村（社区）", "village")
    rows = [person(1, **{"村（社区）": "红星村"}), person(2, **{"村（社区）": "黄瓜山村"})]
    report = import_file(intake.engine, intake.roster("区域.xlsx", rows), org_unit=TOWN)
    assert report.status == "imported" and report.rows_imported == 2, report.message
    assert "ledger-key-missing" not in [w.code for w in report.warnings + report.problems]
    assert intake.store.count("area") == 0
    assert [intake.store.get("person_identity", person(n)["身份证号码"])["_org_unit"] for n in (1, 2)] == [
        VILLAGE, VILLAGE2]


def test_a_ledger_key_the_form_does_not_ask_for_is_named_in_words_a_clerk_knows(intake):
    _field_into(intake, {"id": "monthly", "name": "残疾人月度台账", "subject": "person",
                         "key": ["id_number", "stat_month"], "columns": ["id_number", "stat_month", "disability_level"]},
                "残疾等级")
    report = import_file(intake.engine, intake.roster("月度.xlsx", [person(1)]), org_unit=TOWN)
    (missing,) = [w for w in report.warnings if w.code == "ledger-key-missing"]
    assert missing.message_zh == "该行未写入台账《残疾人月度台账》：缺少“统计月份”", missing.message_zh


def test_a_monthly_ledger_s_month_comes_from_the_file_s_period_when_the_form_does_not_print_it(intake):
    """As a report for June fills a monthly ledger's month from its period, the June roster imported
    writes June's records; a year-only period makes up no month."""
    _field_into(intake, {"id": "monthly", "name": "残疾人月度台账", "subject": "person",
                         "key": ["id_number", "stat_month"], "columns": ["id_number", "stat_month", "disability_level"]},
                "残疾等级")
    path = intake.roster("六月.xlsx", [person(1), person(2)])
    report = import_file(intake.engine, path, org_unit=TOWN, period="2024-06")
    assert report.rows_imported == 2 and "ledger-key-missing" not in [w.code for w in report.warnings], report.message
    assert intake.store.count("monthly") == 2
    assert intake.store.get("monthly", f"{person(1)['身份证号码']}|2024-06")["stat_month"] == "2024-06"
    again = import_file(intake.engine, intake.roster("六月-再次.xlsx", [person(1), person(2)]), org_unit=TOWN,
                        period="2024-06")
    assert again.status == "no-change"
    yearly = import_file(intake.engine, intake.roster("全年.xlsx", [person(3)]), org_unit=TOWN, period="2024")
    assert "ledger-key-missing" in [w.code for w in yearly.warnings] and intake.store.count("monthly") == 2
