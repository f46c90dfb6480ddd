"""A form's ``values``: what every row of it is though no column says it (a 高龄津贴 roster's rows are
高龄津贴 payments), written by an import and read by the form's report — on the Yongchuan pack."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import update

from tests.ingest.conftest import fill_roster, id_number
from yibiaotong.forms.store import get_form
from yibiaotong.ingest import import_file
from yibiaotong.ledgers import LedgerStore
from yibiaotong.ledgers.store import PreparedRecord
from yibiaotong.reports import generate_report
from yibiaotong.setup import install_pack
from yibiaotong.store import schema
from yibiaotong.store.engine import connect
from yibiaotong.store.migrate import upgrade

PACK = Path(__file__).resolve().parents[2] / "packs" / "yongchuan"
FORM = "014_高龄津贴发放花名册"
TEMPLATE = PACK / "forms" / f"{FORM}.xlsx"


@pytest.fixture
def yongchuan(tmp_path):
    engine = connect(tmp_path / "yc.db")
    upgrade(engine)
    install_pack(engine, PACK)
    yield engine
    engine.dispose()


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
    feb = fill_roster(TEMPLATE, tmp_path / "二月.xlsx", [elder(2, **{"发放月份": "2024年2月"})])
    assert import_file(yongchuan, feb, org_unit="临江镇", period="2024-02").status == "imported"
    other = elder(2)["身份证号码"]
    store.write("event_payment", [PreparedRecord(f"{other}|2024-01|低保金", store.get(
        "event_payment", f"{other}|2024-02|高龄津贴")["_org_unit"], {"id_number": other, "payment_month": "2024-01",
                                                                   "payment_type": "低保金"})])
    out = generate_report(yongchuan, FORM, "2024-01", "临江镇", tmp_path)
    ws = openpyxl.load_workbook(out.path).active
    rows = [[c.value for c in row] for row in ws.iter_rows()]
    header = next(i for i, r in enumerate(rows) if "发放月份" in r)
    month, name = rows[header].index("发放月份"), rows[header].index("姓名")
    shown = {r[name]: r[month] for r in rows[header + 1:] if r[name]}
    assert shown == {"王一福": "2024年1月", "王二福": "2024年1月", "王三福": None}


def test_a_form_value_the_ledger_cannot_hold_is_said_once_and_not_used(yongchuan, tmp_path):
    definition = get_form(yongchuan, FORM).to_dict()
    definition["values"] = {"event_payment": {"no_such_column": "x"}}
    with yongchuan.begin() as conn:
        conn.execute(update(schema.form).where(schema.form.c.id == FORM).values(definition=definition))
    report = import_file(yongchuan, fill_roster(TEMPLATE, tmp_path / "一月.xlsx", [elder(0), elder(1)]),
                         org_unit="临江镇", period="2024-01")
    said = [w for w in report.warnings if w.code == "form-value-invalid"]
    assert len(said) == 1 and said[0].params["column"] == "no_such_column" and "高龄津贴发放花名册" in said[0].message_zh
    assert report.rows_imported == 2 and LedgerStore(yongchuan).count("event_payment") == 0
