"""A form's ``values``: what every row of it is though no column says it (a 高龄津贴 roster's rows are
高龄津贴 payments), written by an import and read by the form's report — on the Yongchuan pack."""

from __future__ import annotations

from datetime import date

import openpyxl
from sqlalchemy import update

from tests.ingest.conftest import YONGCHUAN, fill_roster, id_number
from yibiaotong.forms.store import get_form
from yibiaotong.ingest import confirm_link, import_file, list_links
from yibiaotong.ledgers import LedgerStore
from yibiaotong.ledgers.store import PreparedRecord
from yibiaotong.orgunits import load_tree
from yibiaotong.reports import generate_report
from yibiaotong.store import schema

FORM = "014_高龄津贴发放花名册"
TEMPLATE = YONGCHUAN / "forms" / f"{FORM}.xlsx"


def elder(n: int, **over) -> dict:
    born = date(1935 + n, 1 + n, 1 + n)
    row = {"乡镇（街道）": "临江镇", "所属村（社区）": "新华村", "姓名": f"王{'一二三四'[n]}福", "性 别": "男" if n % 2 else "女",
           "身份证号码": id_number(born, 10 + 2 * n + n % 2), "出生日期": born.isoformat(), "年龄（岁）": 88 - n,
           "高龄津贴（元/月）": 100, "发放月份": "2024年1月"}
    return {**row, **over}


def test_a_payment_rosters_rows_are_payments_of_its_kind_and_its_report_reads_those(yongchuan, tmp_path):
    jan = fill_roster(TEMPLATE, tmp_path / "一月.xlsx", [elder(0), elder(1)])
    report = import_file(yongchuan, jan, org_unit="临江镇", period="2024-01")
    assert report.status == "imported" and report.rows_imported == 2, report.problems
    # no warning that 发放类型 is missing on every row: the form says it
    assert not [w for w in report.warnings if w.code == "ledger-key-missing"], report.warnings
    store = LedgerStore(yongchuan)
    paid = store.get("event_payment", f"{elder(0)['身份证号码']}|2024-01|高龄津贴")
    assert paid is not None and paid["payment_type"] == "高龄津贴" and paid["payment_month"] == "2024-01"
    # 王三福 is paid 高龄津贴 in February only, and 低保金 in January: January's 高龄津贴 roster
    # does not take the 低保金 payment for its 发放月份
    feb = fill_roster(TEMPLATE, tmp_path / "二月.xlsx", [elder(n, **{"发放月份": "2024年2月"}) for n in (2, 3)])
    assert import_file(yongchuan, feb, org_unit="临江镇", period="2024-02").status == "imported"
    other, late = elder(2)["身份证号码"], elder(3)["身份证号码"]
    place = store.get("event_payment", f"{other}|2024-02|高龄津贴")["_org_unit"]
    # ... and 王四福 only a back payment of January's 高龄津贴: that is a 高龄津贴 payment of January
    store.write("event_payment", [
        PreparedRecord(f"{other}|2024-01|低保金", place, {"id_number": other, "payment_month": "2024-01",
                                                        "payment_type": "低保金"}),
        PreparedRecord(f"{late}|2024-01|高龄津贴（补发）", place, {"id_number": late, "payment_month": "2024-01",
                                                               "payment_type": "高龄津贴（补发）"})])
    out = generate_report(yongchuan, FORM, "2024-01", "临江镇", tmp_path)
    ws = openpyxl.load_workbook(out.path).active
    rows = [[c.value for c in row] for row in ws.iter_rows()]
    header = next(i for i, r in enumerate(rows) if "发放月份" in r)
    month, name = rows[header].index("发放月份"), rows[header].index("姓名")
    shown = {r[name]: r[month] for r in rows[header + 1:] if r[name]}
    assert shown == {"王一福": "2024年1月", "王二福": "2024年1月", "王三福": None, "王四福": "2024年1月"}


def test_a_form_value_the_ledger_cannot_hold_is_said_once_and_not_used(yongchuan, tmp_path):
    definition = get_form(yongchuan, FORM).to_dict()
    definition["values"] = {"event_payment": {"no_such_column": "x"}, "event_paymnt": {"payment_type": "高龄津贴"}}
    with yongchuan.begin() as conn:
        conn.execute(update(schema.form).where(schema.form.c.id == FORM).values(definition=definition))
    report = import_file(yongchuan, fill_roster(TEMPLATE, tmp_path / "一月.xlsx", [elder(0), elder(1)]),
                         org_unit="临江镇", period="2024-01")
    said = sorted((w.params["ledger"], w.params["column"]) for w in report.warnings if w.code == "form-value-invalid")
    assert said == [("event_paymnt", "payment_type"), ("补贴发放台账", "no_such_column")]  # a misspelt ledger too
    assert "高龄津贴发放花名册" in next(w for w in report.warnings if w.code == "form-value-invalid").message_zh
    assert report.rows_imported == 2 and LedgerStore(yongchuan).count("event_payment") == 0


def test_a_payment_roster_of_the_payment_ledger_lists_its_kind_back_payments_included(yongchuan, tmp_path):
    """003 城乡低保金发放花名册 lists payment records themselves: the 低保金 ones (a 低保金（补发）
    too), not the 高龄津贴 paid the same month."""
    store = LedgerStore(yongchuan)
    village = next(u.code for u in load_tree(yongchuan) if u.name == "新华村" and u.code.startswith("500118103"))  # 临江镇
    kinds = ["低保金", "低保金（补发）", "高龄津贴"]
    store.write("event_payment", [PreparedRecord(f"{elder(n)['身份证号码']}|2024-01|{kind}", village, {
        "id_number": elder(n)["身份证号码"], "payment_month": "2024-01", "payment_type": kind})
        for n, kind in enumerate(kinds)])
    out = generate_report(yongchuan, "003_城乡低保金发放花名册", "2024-01", "临江镇", tmp_path)
    ws = openpyxl.load_workbook(out.path).active
    assert sum(1 for row in ws.iter_rows(values_only=True) if "2024年1月" in row) == 2


def test_a_row_waiting_for_its_person_carries_the_forms_values_and_only_the_ledgers_it_gives(yongchuan, tmp_path):
    definition = get_form(yongchuan, FORM).to_dict()
    definition["values"] = {"event_payment": {"payment_type": "高龄津贴", "payment_date": "2024-01-15"}}
    with yongchuan.begin() as conn:
        conn.execute(update(schema.form).where(schema.form.c.id == FORM).values(definition=definition))
    known = elder(0)
    import_file(yongchuan, fill_roster(TEMPLATE, tmp_path / "底册.xlsx", [known]), org_unit="临江镇", period="2024-01")
    # no ID number and a birth date ten days off: maybe the same person, asked
    maybe = {**known, "身份证号码": None, "出生日期": known["出生日期"][:-1] + "9", "发放月份": "2024年2月"}
    report = import_file(yongchuan, fill_roster(TEMPLATE, tmp_path / "二月.xlsx", [maybe]), org_unit="临江镇",
                         period="2024-02")
    assert report.status == "imported" and report.sheets[0].rows_queued == 1, report.problems
    (link,) = list_links(yongchuan)
    confirm_link(yongchuan, link["id"], by="张敏")
    store = LedgerStore(yongchuan)
    paid = store.get("event_payment", f"{known['身份证号码']}|2024-02|高龄津贴")
    assert paid is not None and paid["payment_date"] == date(2024, 1, 15)
    assert store.count("person_health") == 0  # the row says nothing of health: no empty record made


HOUSEHOLD_PAYMENTS = "003_城乡低保金发放花名册"


def household(n: int, **over) -> dict:
    born = date(1960 + n, 2 + n, 3 + n)
    row = {"所属镇街": "临江镇", "所属村（社区）": "新华村", "发放年月": "2024年1月", "户主姓名": f"李{'一二三'[n]}贵",
           "户主身份证号": id_number(born, 20 + 2 * n + 1), "在保人数": 2, "低保类别": "农村低保",
           "发放金额/低保金（元）": 1200, "发放金额/分类施保金（元）": 60, "发放金额/合计（元）": 1260,
           "发放方式": "社会化发放", "是否到账": "是", "发放银行": "重庆农村商业银行",
           "惠民惠农一卡通账号": f"622988{n:013d}"}
    return {**row, **over}


def test_a_household_payment_roster_keeps_each_payment_as_the_heads(yongchuan, tmp_path):
    """003 城乡低保金发放花名册 pays households through their heads and prints only 户主身份证号, while
    the payment ledger is keyed by the payee's own ID number: the month's 低保金 is the head's (as the
    report reads it back), not dropped with a warning on every row. The 一卡通 account (maybe a
    designated member's) and the 低保金 column of the person ledger (a head may not be covered) stay
    unwritten, said."""
    # 一千二 in a column no ledger keeps from this roster refuses no row: the column is not read
    rows = [household(0), household(1, **{"是否到账": "未到账"}), household(2, **{"发放金额/低保金（元）": "一千二"})]
    report = import_file(yongchuan, fill_roster(YONGCHUAN / "forms" / f"{HOUSEHOLD_PAYMENTS}.xlsx", tmp_path / "一月.xlsx",
                                                rows), org_unit="临江镇", period="2024-01")
    assert report.status == "imported" and report.rows_imported == 3 and not report.problems, report.problems
    assert not [w for w in report.warnings if w.code == "ledger-key-missing"], report.warnings
    # the ledgers no row of it can be keyed in: said once each, not on every row
    assert sorted(w.params["ledger"] for w in report.warnings if w.code == "ledger-key-not-in-form") == [
        "低保（人员）台账", "银行账户台账"]
    store = LedgerStore(yongchuan)
    head = rows[0]["户主身份证号"]
    paid = store.get("event_payment", f"{head}|2024-01|低保金")
    assert (paid["payment_type"], paid["x_fa_fang_jin_e_he_ji"], paid["payment_method"]) == ("低保金", 1260, "社会化发放")
    assert store.count("event_payment") == 3 and store.count("person_dibao") == store.count("person_bank") == 0
    out = generate_report(yongchuan, HOUSEHOLD_PAYMENTS, "2024-01", "临江镇", tmp_path)
    shown = [row for row in openpyxl.load_workbook(out.path).active.iter_rows(values_only=True) if "李一贵" in row]
    assert len(shown) == 1 and 1260 in shown[0] and "社会化发放" in shown[0]


def test_a_payment_rosters_clean_rows_are_keyed_column_wise_as_row_by_row(yongchuan, tmp_path, monkeypatch):
    """A payment is keyed by ID number, month and kind (the form's value): the clean rows of a payment
    roster are keyed a chunk at a time, as one looked at alone is (the same key, a person listed
    twice in the month one payment); only the row whose 发放月份 is blank is looked at alone, said."""
    from yibiaotong.ingest.sheet import SheetImport

    alone = []
    row = SheetImport._row
    monkeypatch.setattr(SheetImport, "_row", lambda self, number, *a: (alone.append(number), row(self, number, *a))[1])
    rows = [elder(0), elder(1), elder(0, **{"高龄津贴（元/月）": 120}), elder(2, **{"发放月份": None})]
    report = import_file(yongchuan, fill_roster(TEMPLATE, tmp_path / "一月.xlsx", rows), org_unit="临江镇",
                         period="2024-01")
    assert report.status == "imported" and report.rows_imported == 4, report.problems
    first = 4  # the template's first data row; below the rows, its footer (制表人：…) is looked at alone too
    assert [n for n in alone if n < first + len(rows)] == [first + 3]
    (missing,) = [w for w in report.warnings if w.code == "ledger-key-missing"]
    assert "发放月份" in missing.message_zh and missing.location["row"] == first + 3
    store = LedgerStore(yongchuan)
    assert sorted(r["_key"] for r in store.records("event_payment")) == sorted(
        f"{elder(n)['身份证号码']}|2024-01|高龄津贴" for n in (0, 1))
    assert store.count("person_identity") == 3
    assert report.sheets[0].ledgers["event_payment"].duplicate_keys == 1


def test_a_roster_of_helpers_writes_nothing_of_the_helper_onto_the_households_head(yongchuan, tmp_path):
    """136 帮扶责任人结对帮扶台账: its rows are helpers (帮扶责任人, whose own ID number it does not print)
    beside the households they help (户主身份证号). Only a payment roster's records are the head's:
    the helper's name and phone are not written onto the head's identity and contact records."""
    head = id_number(date(1961, 3, 9), 112)
    village = next(u.code for u in load_tree(yongchuan) if u.name == "新华村" and u.code.startswith("500118103"))
    store = LedgerStore(yongchuan)
    store.upsert("person_identity", [{"id_number": head, "person_name": "李四", "_org_unit": village}])
    store.upsert("person_contact", [{"id_number": head, "phone": "13911112222", "_org_unit": village}])
    roster = fill_roster(YONGCHUAN / "forms" / "136_帮扶责任人结对帮扶台账.xlsx", tmp_path / "帮扶.xlsx", [{
        "镇（街道）": "临江镇", "所属村（社区）": "新华村", "帮扶责任人/姓名": "王干部", "帮扶责任人/工作单位": "区农业农村委",
        "帮扶责任人/联系电话": "13800001111", "帮扶户/户主姓名": "李四", "帮扶户/户主身份证号": head,
        "帮扶户/户类型": "脱贫户", "帮扶户/家庭人口": 3}])
    report = import_file(yongchuan, roster, org_unit="临江镇", period="2024-01")
    assert report.status == "imported" and report.rows_imported == 1, report.problems
    assert store.get("person_identity", head)["person_name"] == "李四"
    assert store.get("person_contact", head)["phone"] == "13911112222"


def test_an_empty_row_is_no_record_of_a_ledger_keyed_by_the_unit_and_month(yongchuan, tmp_path):
    """A village's figures of the month are keyed by its unit and the period, which an empty row (a
    numbered template row left blank) has too: it is no record, whatever the path its chunk takes."""
    from tests.ingest.conftest import install_roster

    template = install_roster(yongchuan, tmp_path, "网格户数统计表", {
        "村（社区）": ("village", None), "网格长": ("x_wang_ge_zhang", "area_population"),
        "户数（户）": ("x_hu_shu", "area_population")})
    rows = [{"村（社区）": "新华村", "网格长": "张三", "户数（户）": 120}, {}, {}]
    report = import_file(yongchuan, fill_roster(template, tmp_path / "一月.xlsx", rows), org_unit="临江镇",
                         period="2024-01")
    assert report.status == "imported" and (report.rows_read, report.rows_imported) == (1, 1), report.message
    (record,) = LedgerStore(yongchuan).records("area_population")
    assert record["x_hu_shu"] == 120 and record["_key"].endswith("|2024-01")


def test_a_key_column_the_sheet_lacks_is_the_sheets_to_mend_not_the_definitions(yongchuan, tmp_path):
    """003 prints 户主身份证号: a filled copy without that column keys none of its ledgers, but that is
    the sheet's fault (said as a missing column, and each row returned to be filled in), not the
    definition's."""
    from yibiaotong.forms import read_templates

    template = YONGCHUAN / "forms" / f"{HOUSEHOLD_PAYMENTS}.xlsx"
    path = fill_roster(template, tmp_path / "一月.xlsx", [household(0), household(1)])
    column = next(f.column for f in read_templates(template).forms[0].fields if f.header == "户主身份证号")
    wb = openpyxl.load_workbook(path)
    ws = wb.active
    for merged in list(ws.merged_cells.ranges):
        ws.unmerge_cells(str(merged))
    for r in range(1, ws.max_row + 1):
        ws.cell(r, column).value = None
    wb.save(path)
    report = import_file(yongchuan, path, org_unit="临江镇", period="2024-01")
    codes = {w.code for w in report.warnings}
    assert "ledger-key-not-in-form" not in codes and "form-fields-missing" in codes, codes
    assert report.rows_invalid == 2 and {p.code for p in report.problems} == {"ledger-key-missing"}
    assert LedgerStore(yongchuan).count("event_payment") == 0


def test_another_household_head_under_a_household_heads_id_number_is_refused(yongchuan, tmp_path):
    """On a household's roster (003: 户主姓名 beside 户主身份证号) a row naming another head under an
    ID number an earlier row gave is refused naming that row, as on a person's roster: merged, the
    first household would take the second's head and payment."""
    template = YONGCHUAN / "forms" / "003_城乡低保金发放花名册.xlsx"
    head = id_number(date(1969, 5, 30), 977)

    def household(name: str, amount: int) -> dict:
        return {"所属镇街": "临江镇", "所属村（社区）": "新华村", "发放年月": "2024年1月", "户主姓名": name,
                "户主身份证号": head, "在保人数": 2, "发放金额/低保金（元）": amount, "发放金额/合计（元）": amount}

    path = fill_roster(template, tmp_path / "低保金.xlsx", [household("刘家明", 730), household("官洪军", 2060)])
    report = import_file(yongchuan, path, org_unit="临江镇", period="2024-01")
    assert report.rows_imported == 1, report.problems
    (problem,) = [p for p in report.problems if p.code == "id-number-other-person"]
    assert problem.params["first_row"] == problem.location["row"] - 1
    paid = LedgerStore(yongchuan).get("event_payment", f"{head}|2024-01|低保金")
    assert paid is not None and paid["x_fa_fang_jin_e_he_ji"] == 730


def test_a_form_printing_none_of_its_ledgers_keys_is_said_once_not_row_by_row(yongchuan, tmp_path):
    """117 应急避难场所登记表 lists shelters, its columns consolidated into person ledgers keyed by a
    person's ID number, which it does not print (and no person's name to find one by): every row was
    refused for lacking a 公民身份号码 the clerk has no column for, and the error workbook listed them
    all. The sheet is said once, the form named as the cause."""
    template = next((YONGCHUAN / "forms").glob("117_*.xlsx"))
    rows = [{"所属镇街": "临江镇", "所属村（社区）": "新华村", "避难场所名称": f"{n}号避难场所", "场所类型（室内/室外）": "室内",
             "可容纳人数（人）": 200} for n in "一二"]
    report = import_file(yongchuan, fill_roster(template, tmp_path / "避难场所.xlsx", rows), org_unit="临江镇",
                         period="2024-01")
    (problem,) = report.problems
    assert problem.code == "form-gives-no-keys" and "公民身份号码" in problem.params["keys"], report.problems
    assert "应急避难场所登记表" in problem.message_zh and problem.location["sheet"]
    assert report.status == "failed" and report.error_workbook is None, report.status
    assert LedgerStore(yongchuan).count("person_emergency") == 0


def test_a_conscripts_family_roster_keeps_the_conscripts_record_under_his_id_number(yongchuan, tmp_path):
    """105 义务兵家庭优待金发放花名册: 义务兵身份证号 is the soldier's own ID number, which keys the
    veterans' ledger (it was consolidated as an element of its own, and no row could be written)."""
    soldier = id_number(date(2003, 5, 6), 51)
    template = next((YONGCHUAN / "forms").glob("105_*.xlsx"))
    rows = [{"社区（村）": "新华村", "义务兵姓名": "张兵", "义务兵身份证号": soldier, "入伍时间": "2022-09-01",
             "与义务兵关系": "父子", "优待金标准（元/年）": 12000, "发放年度": 2024}]
    report = import_file(yongchuan, fill_roster(template, tmp_path / "优待金.xlsx", rows), org_unit="临江镇",
                         period="2024-01")
    assert report.status == "imported" and report.rows_imported == 1, report.problems
    store = LedgerStore(yongchuan)
    record = store.get("person_veterans", soldier)
    assert (record["enlistment_date"], record["x_you_dai_jin_biao_zhun"]) == (date(2022, 9, 1), 12000)
    assert store.get("person_identity", soldier)["person_name"] == "张兵"


def test_a_roster_printing_no_id_number_finds_its_people_by_name_birth_date_and_sex(yongchuan, tmp_path):
    """087 0—6岁儿童健康管理花名册 prints 儿童姓名, 性别 and 出生日期 but no ID number: its rows are the
    registry's children found by those (sure: written under the child's ID number; no one like them:
    returned, said why), not a form refused whole."""
    village = next(u.code for u in load_tree(yongchuan) if u.name == "新华村" and u.code.startswith("500118103"))
    store = LedgerStore(yongchuan)
    child = id_number(date(2021, 3, 4), 15)
    store.upsert("person_identity", [{"id_number": child, "person_name": "王小明", "gender": "1",
                                      "birth_date": date(2021, 3, 4), "_org_unit": village}])
    template = YONGCHUAN / "forms" / "087_0—6岁儿童健康管理花名册.xlsx"
    rows = [{"村社区": "新华村", "儿童姓名": "王小明", "性别": "男", "出生日期": "2021-03-04", "出生医学证明编号": "Q500118210001",
             "母亲姓名": "李芳", "建卡日期": "2021-03-10", "健康检查次数": 3},
            {"村社区": "新华村", "儿童姓名": "赵无名", "性别": "女", "出生日期": "2022-07-01", "健康检查次数": 1}]
    report = import_file(yongchuan, fill_roster(template, tmp_path / "儿童.xlsx", rows), org_unit="临江镇",
                         period="2024-01")
    assert "form-gives-no-keys" not in {p.code for p in report.problems}
    assert "form-rows-linked-by-person" in {w.code for w in report.warnings}
    assert report.rows_imported == 1 and [p.code for p in report.problems] == ["row-person-not-found"], report.problems
    assert "找不到此人" in report.problems[0].message_zh and report.problems[0].location["row"] == 4  # the second row
    assert store.get("person_maternal_child", child)["birth_certificate_number"] == "Q500118210001"
    # the error workbook is the sheet's own columns: no column for the ID number it never had
    ws = openpyxl.load_workbook(report.error_workbook).active
    assert ws.max_column == 17  # its 16 columns and 错误说明
    # a birth date ten days off: maybe the same child, asked; confirmed, written under its ID number
    maybe = {**rows[0], "出生日期": "2021-03-14", "出生医学证明编号": "Q500118210002"}
    report = import_file(yongchuan, fill_roster(template, tmp_path / "儿童二.xlsx", [maybe]), org_unit="临江镇",
                         period="2024-02")
    assert report.sheets[0].rows_queued == 1, report.problems
    (link,) = list_links(yongchuan)
    confirm_link(yongchuan, link["id"], by="张敏")
    assert store.get("person_maternal_child", child)["birth_certificate_number"] == "Q500118210002"
