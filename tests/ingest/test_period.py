"""Rows of another month than the file's own (its title, or --period) are said once: a roster whose
title was changed and its rows not, or the other way round — on the Yongchuan 高龄津贴 roster."""

from __future__ import annotations

from tests.ingest.conftest import fill_roster
from tests.ingest.test_form_values import TEMPLATE, elder
from yibiaotong.ingest import import_file
from yibiaotong.ledgers import LedgerStore


def test_rows_of_another_month_than_the_files_are_written_with_theirs_and_said_once(yongchuan, tmp_path):
    rows = [elder(0), elder(1, **{"发放月份": "2023年12月"}), elder(2, **{"发放月份": "2023年12月"}),
            elder(3, **{"发放月份": "2023年11月"})]
    report = import_file(yongchuan, fill_roster(TEMPLATE, tmp_path / "一月.xlsx", rows), org_unit="临江镇", period="2024-01")
    assert report.status == "imported" and report.rows_imported == 4, report.problems
    (said,) = [w for w in report.warnings if w.code == "rows-of-another-month"]
    assert said.message_zh == "本表的所属期是 2024-01，但“发放月份”栏有 3 行是其他月份：2023-12（2行）、2023-11（1行）"
    assert "补发" in said.hint_zh and said.location["file"] == "一月.xlsx"
    # each row is written with its own month
    paid = LedgerStore(yongchuan).get("event_payment", f"{elder(1)['身份证号码']}|2023-12|高龄津贴")
    assert paid is not None and paid["payment_month"] == "2023-12"


def test_rows_of_the_files_month_say_nothing(yongchuan, tmp_path):
    report = import_file(yongchuan, fill_roster(TEMPLATE, tmp_path / "一月.xlsx", [elder(0), elder(1)]),
                         org_unit="临江镇", period="2024-01")
    assert report.status == "imported" and not [w for w in report.warnings if w.code == "rows-of-another-month"]
    # without a month of its own (none in the title, no --period), a file's rows are not compared
    report = import_file(yongchuan, fill_roster(TEMPLATE, tmp_path / "二月.xlsx", [elder(2, **{"发放月份": "2024年2月"})]),
                         org_unit="临江镇")
    assert not [w for w in report.warnings if w.code == "rows-of-another-month"]

