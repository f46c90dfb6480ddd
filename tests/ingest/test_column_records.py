"""A form's ``column_records``: columns whose filled cells are records of their own. One row of 042
残疾人两项补贴资金发放明细表 pays 困难残疾人生活补贴 and 重度残疾人护理补贴: two payments, each of the
subsidy its amount column gives — on the Yongchuan pack."""

from __future__ import annotations

from datetime import date

import openpyxl
from sqlalchemy import select, update

from tests.ingest.conftest import YONGCHUAN, fill_roster, id_number
from yibiaotong.forms.store import get_form
from yibiaotong.ingest import confirm_link, import_file, list_links
from yibiaotong.ledgers import LedgerStore
from yibiaotong.ledgers.store import PreparedRecord
from yibiaotong.orgunits import load_tree
from yibiaotong.reports import generate_report
from yibiaotong.store import schema

FORM = "042_残疾人两项补贴资金发放明细表"
TEMPLATE = YONGCHUAN / "forms" / f"{FORM}.xlsx"
LIVING, NURSING = "困难残疾人生活补贴", "重度残疾人护理补贴"


def disabled(n: int, living, nursing, **over) -> dict:
    born = date(1950 + n, 1 + n, 2 + n)
    row = {"村社区": "新华村", "姓  名": f"陈{'一二三四'[n]}", "身份证号码（18位）": id_number(born, 30 + 2 * n),
           "残疾人证号": id_number(born, 30 + 2 * n) + "42", "残疾等级": "一级",
           "补贴金额/生活补贴（元）": living, "补贴金额/护理补贴（元）": nursing,
           "补贴金额/合计（元）": (living or 0) + (nursing or 0), "发放年月": "2024年1月", "发放状态": "已发放"}
    return {**row, **over}


def payments(engine) -> dict[tuple[str, str], dict]:
    return {(r["person_name"] or r["id_number"][-4:], r["payment_type"]): r
            for r in LedgerStore(engine).records("event_payment")}


def test_each_subsidy_a_row_pays_is_a_payment_of_its_own(yongchuan, tmp_path):
    rows = [disabled(0, 90, 80), disabled(1, 90, None), disabled(2, 0, 80)]
    path = fill_roster(TEMPLATE, tmp_path / "一月.xlsx", rows)
    report = import_file(yongchuan, path, org_unit="临江镇", period="2024-01")
    assert report.status == "imported" and report.rows_imported == 3, report.problems
    # the payment ledger's 发放类型 is given: no warning that no row can be keyed there
    assert not [w for w in report.warnings if w.code in ("ledger-key-not-in-form", "ledger-key-missing")], \
        report.warnings
    store = LedgerStore(yongchuan)
    paid = {(r["id_number"], r["payment_type"]): r for r in store.records("event_payment")}
    first, second, third = (r["身份证号码（18位）"] for r in rows)
    # no 护理补贴 (blank) or no 生活补贴 (0) paid: no payment of it
    assert sorted(paid) == sorted([(first, LIVING), (first, NURSING), (second, LIVING), (third, NURSING)])
    one = paid[(first, NURSING)]
    assert (one["paid_amount"], one["payment_month"], one["payment_status"]) == (80, "2024-01", "2")
    assert one["_key"] == f"{first}|2024-01|{NURSING}" and paid[(first, LIVING)]["paid_amount"] == 90
    # the ledgers' counts are the ledger's, both subsidies together
    assert report.sheets[0].ledgers["event_payment"].inserted == 4
    # the person's standing amounts are still the subsidy ledger's
    assert store.get("person_disability_subsidy", first)["disabled_nursing_subsidy_amount"] == 80
    # the same file again changes nothing
    again = import_file(yongchuan, path, org_unit="临江镇", period="2024-01")
    assert again.status == "already-imported" and store.count("event_payment") == 4, again.message


def test_the_forms_report_is_a_row_per_person_and_month_of_its_subsidies_only(yongchuan, tmp_path):
    rows = [disabled(0, 90, 80), disabled(2, 0, 80)]
    import_file(yongchuan, fill_roster(TEMPLATE, tmp_path / "一月.xlsx", rows), org_unit="临江镇", period="2024-01")
    store = LedgerStore(yongchuan)
    person = rows[0]["身份证号码（18位）"]
    place = store.get("event_payment", f"{person}|2024-01|{LIVING}")["_org_unit"]
    # a 低保金 paid the same month, and a back payment of 护理补贴: the one is not this form's, the other is
    store.write("event_payment", [
        PreparedRecord(f"{person}|2024-01|低保金", place, {"id_number": person, "payment_month": "2024-01",
                                                         "payment_type": "低保金", "paid_amount": 500}),
        PreparedRecord(f"{person}|2024-01|{NURSING}（补发）", place, {
            "id_number": person, "payment_month": "2024-01", "payment_type": f"{NURSING}（补发）", "paid_amount": 80})])
    out = generate_report(yongchuan, FORM, "2024-01", "临江镇", tmp_path)
    shown = [r for r in openpyxl.load_workbook(out.path).active.iter_rows(values_only=True) if r[0] == "新华村"]
    # one row each; its 合计 is the row's as imported (each payment keeps a copy: not added up twice)
    assert [(r[1], r[7], r[8], r[9]) for r in shown] == [("陈一", 170, "2024年1月", "已发放"), ("陈三", 80, "2024年1月", "已发放")]


def test_the_next_month_pays_again_and_a_changed_amount_is_that_months(yongchuan, tmp_path):
    jan = [disabled(0, 90, 80)]
    feb = [disabled(0, 95, 80, **{"发放年月": "2024年2月"})]
    for name, rows, month in (("一月", jan, "2024-01"), ("二月", feb, "2024-02")):
        report = import_file(yongchuan, fill_roster(TEMPLATE, tmp_path / f"{name}.xlsx", rows), org_unit="临江镇",
                             period=month)
        assert report.status == "imported", report.problems
    person = jan[0]["身份证号码（18位）"]
    store = LedgerStore(yongchuan)
    assert store.get("event_payment", f"{person}|2024-01|{LIVING}")["paid_amount"] == 90
    assert store.get("event_payment", f"{person}|2024-02|{LIVING}")["paid_amount"] == 95
    assert store.count("event_payment") == 4


def test_a_row_waiting_for_its_person_is_written_as_its_payments_once_confirmed(yongchuan, tmp_path):
    known = disabled(0, 90, 80)
    import_file(yongchuan, fill_roster(TEMPLATE, tmp_path / "一月.xlsx", [known]), org_unit="临江镇", period="2024-01")
    # no ID number: the name and village alone make it a question, not a link
    maybe = {**known, "身份证号码（18位）": None, "补贴金额/护理补贴（元）": None, "发放年月": "2024年2月"}
    report = import_file(yongchuan, fill_roster(TEMPLATE, tmp_path / "二月.xlsx", [maybe]), org_unit="临江镇",
                         period="2024-02")
    assert report.sheets[0].rows_queued == 1, report.warnings
    (link,) = list_links(yongchuan)
    with yongchuan.connect() as conn:
        payload = conn.execute(select(schema.link.c.payload).where(schema.link.c.id == link["id"])).scalar_one()
    # the 生活补贴's payment waits with the row; no 护理补贴 was paid, so none is made up
    assert "event_payment#1" in payload["ledgers"] and "event_payment#2" not in payload["ledgers"]
    confirmed = confirm_link(yongchuan, link["id"], by="张敏")
    assert confirmed["ledgers"]["event_payment"] == {"inserted": 1, "updated": 0}
    person = known["身份证号码（18位）"]
    store = LedgerStore(yongchuan)
    assert store.get("event_payment", f"{person}|2024-02|{LIVING}")["paid_amount"] == 90
    assert f"{person}|2024-02|{NURSING}" not in {r["_key"] for r in store.records("event_payment")}


def test_a_column_records_entry_the_form_cannot_make_is_said_once_and_the_rest_written(yongchuan, tmp_path):
    definition = get_form(yongchuan, FORM).to_dict()
    definition["column_records"]["event_payment"] += [
        {"header": "补贴金额/交通补贴（元）", "column": "paid_amount", "values": {"payment_type": "交通补贴"}},
        {"header": "发放状态", "column": "paid_amount", "values": {"payment_type": "状态"}},  # a code is no amount
    ]
    definition["column_records"]["event_payment"][1]["values"] = {"payment_type": NURSING, "no_such_column": "x"}
    with yongchuan.begin() as conn:
        conn.execute(update(schema.form).where(schema.form.c.id == FORM).values(definition=definition))
    report = import_file(yongchuan, fill_roster(TEMPLATE, tmp_path / "一月.xlsx", [disabled(0, 90, 80)]),
                         org_unit="临江镇", period="2024-01")
    said = sorted(w.params["header"] for w in report.warnings if w.code == "form-column-records-invalid")
    assert said == ["发放状态", "补贴金额/交通补贴（元）"], report.warnings
    assert [w.params["column"] for w in report.warnings if w.code == "form-value-invalid"] == ["no_such_column"]
    assert "残疾人两项补贴资金发放明细表" in next(
        w for w in report.warnings if w.code == "form-column-records-invalid").message_zh
    # both payments are written; the value of no column is not
    paid = sorted(r["payment_type"] for r in LedgerStore(yongchuan).records("event_payment"))
    assert paid == sorted([LIVING, NURSING]) and report.rows_imported == 1


def test_a_malformed_column_records_is_the_definitions_error():
    import pytest

    from yibiaotong.errors import YbtError
    from yibiaotong.forms.definition import FormDef

    fd = FormDef.from_dict({"id": "x", "title": "x", "fields": [], "column_records": {"event_payment": ["生活补贴"]}})
    with pytest.raises(YbtError) as caught:
        _ = fd.column_records
    assert caught.value.problems[0].code == "invalid-definition" and "column_records" in caught.value.problems[0].message_zh


def test_a_payment_of_a_person_kept_in_another_unit_is_refused_naming_the_record(yongchuan, tmp_path):
    """A town's import meeting a payment kept for another town: that row is refused, said as such
    (its message named the plan's ledger#n, an unknown ledger, and failed the whole file)."""
    row = disabled(0, 90, 80)
    import_file(yongchuan, fill_roster(TEMPLATE, tmp_path / "区.xlsx", [row]), org_unit="临江镇", period="2024-01")
    elsewhere = next(u for u in load_tree(yongchuan) if u.kind in ("village", "community")
                     and not u.code.startswith("500118103"))
    again = {**row, "村社区": elsewhere.name, "补贴金额/生活补贴（元）": 95}
    report = import_file(yongchuan, fill_roster(TEMPLATE, tmp_path / "外村.xlsx", [again]), org_unit=elsewhere.code,
                         period="2024-01")
    assert {p.code for p in report.problems} == {"record-outside-scope"}, report.problems
    assert LedgerStore(yongchuan).get("event_payment", f"{row['身份证号码（18位）']}|2024-01|{LIVING}")["paid_amount"] == 90


def test_two_columns_of_one_payment_that_disagree_are_said_not_a_crash(yongchuan, tmp_path):
    from tests.ingest.conftest import map_to

    map_to(yongchuan, FORM, {"领取人签字": ("payment_status", "event_payment", "payment_status")})
    rows = [disabled(0, 90, 80, **{"领取人签字": "待发放"})]
    report = import_file(yongchuan, fill_roster(TEMPLATE, tmp_path / "一月.xlsx", rows), org_unit="临江镇",
                         period="2024-01")
    assert report.status == "imported", report.problems
    (said,) = [w for w in report.warnings if w.code == "form-columns-disagree"]
    assert said.params["ledger"] == "补贴发放台账"


def test_entries_whose_records_the_key_does_not_tell_apart_are_the_definitions_error(yongchuan, tmp_path):
    """Without a 发放类型 of its own each entry's payment would be the same record (a write conflict,
    or one overwriting the other): such an entry is said and not used."""
    definition = get_form(yongchuan, FORM).to_dict()
    entries = definition["column_records"]["event_payment"]
    entries[1]["values"] = dict(entries[0]["values"])  # the 护理补贴 said to be a 生活补贴 too
    with yongchuan.begin() as conn:
        conn.execute(update(schema.form).where(schema.form.c.id == FORM).values(definition=definition))
    report = import_file(yongchuan, fill_roster(TEMPLATE, tmp_path / "一月.xlsx", [disabled(0, 90, 80)]),
                         org_unit="临江镇", period="2024-01")
    assert report.status == "imported", report.problems
    assert [w.params["header"] for w in report.warnings if w.code == "form-column-records-invalid"] == [
        "补贴金额/护理补贴（元）"]
    (paid,) = LedgerStore(yongchuan).records("event_payment")
    assert (paid["payment_type"], paid["paid_amount"]) == (LIVING, 90)


def test_the_columns_an_import_of_the_form_writes_include_its_payments(yongchuan):
    """What a user must be granted to import 042 (web.import_scope): the payments' 实发金额 and 发放类型 too."""
    from yibiaotong.web.import_scope import form_columns

    written = form_columns(get_form(yongchuan, FORM), LedgerStore(yongchuan))
    assert {"paid_amount", "payment_type", "payment_month", "id_number"} <= written["event_payment"]
