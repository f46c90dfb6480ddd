"""`ybt stats`: consolidation and burden figures computed from what is installed."""

from __future__ import annotations

from yibiaotong.consolidate import run
from yibiaotong.consolidate.export import write_pack
from yibiaotong.forms import render_template
from yibiaotong.ledgers import LedgerStore
from yibiaotong.setup import install_pack
from yibiaotong.stats import stats


def test_stats_follow_the_installed_forms_ledgers_and_records(tmp_path, engine):
    pack = tmp_path / "p"
    (pack / "forms").mkdir(parents=True)
    (pack / "pack.yaml").write_text("id: p\nname: 测试\ndepends_on: [standard]\n", encoding="utf-8")
    (pack / "orgunits.csv").write_text("code,name,level,parent_code,kind\n500118000000,永川区,1,,district\n"
                                       "500118103000,临江镇,2,500118000000,town\n", encoding="utf-8")
    (pack / "burden.yaml").write_text("minutes_per_field: 1\nminutes_to_confirm_generated_form: 0\n"
                                      "forms_per_unit: 2\nsubmissions_per_year_per_unit: 24\n", encoding="utf-8")
    render_template({"title": "残疾人花名册", "layout": "roster", "columns": ["姓名", "身份证号", "残疾等级"],
                     "options": {"serial": False}}, pack / "forms" / "a.xlsx")
    render_template({"title": "临时救助申请审批表", "layout": "record",
                     "columns": ["姓名", "身份证号", "性别", "出生日期", "家庭人口", "村委会意见"]}, pack / "forms" / "b.xlsx")
    write_pack(run([pack / "forms"], pack=str(pack)), pack)
    install_pack(engine, pack)
    LedgerStore(engine).upsert("person_identity", [{"id_number": "11010519491231002X", "person_name": "王芳"}],
                               org_unit="500118103000")
    s = stats(engine, pack)
    assert s["forms"] == 2 and s["fields"] == 9 and s["elements"] == 7
    assert s["fields_served_share"] == round(8 / 9, 4) and s["forms_fully_served"] == 1
    assert s["records"] == 1 and s["records_per_ledger"]["person_identity"] == 1
    # 12 submissions a year per form; by hand 9 fields × 1 min; generated: only the opinion is typed
    assert s["clerk_minutes_by_hand_per_month"] == 9.0 and s["clerk_minutes_saved_per_month"] == 8.0
