"""A consolidated plan written into a pack installs: new elements, ledgers and form definitions."""

from __future__ import annotations

import yaml

from yibiaotong.consolidate import run
from yibiaotong.consolidate.export import write_pack
from yibiaotong.forms import render_template
from yibiaotong.forms.definition import FormDef
from yibiaotong.forms.store import get_form, load_forms
from yibiaotong.ledgers import LedgerStore
from yibiaotong.setup import install_pack


def test_write_pack_then_install_creates_ledgers_and_forms(tmp_path, engine):
    pack = tmp_path / "district"
    (pack / "forms").mkdir(parents=True)
    (pack / "pack.yaml").write_text("id: district\nname: 测试区\ndepends_on: [standard]\n", encoding="utf-8")
    (pack / "orgunits.csv").write_text("code,name,level,parent_code,kind\n500118000000,永川区,1,,district\n", encoding="utf-8")
    render_template({"title": "残疾人花名册", "layout": "roster",
                     "columns": ["姓名", "身份证号", "残疾等级", "是否享受护理补贴", "护理补贴金额(元)", "青菜头种植面积(亩)"]},
                    pack / "forms" / "残疾人花名册.xlsx")
    render_template({"title": "青菜头种植统计表", "layout": "indicator",
                     "columns": ["种植户数(户)", "种植面积(亩)", "种植面积(亩)/其中：规模种植"]},
                    pack / "forms" / "青菜头统计表.xlsx")
    plan = run([pack / "forms"], pack=str(pack))
    written = write_pack(plan, pack)
    assert written["forms"] == 2 and written["ledgers"] == len(plan.ledgers)

    elements = yaml.safe_load((pack / "elements" / "consolidated.yaml").read_text(encoding="utf-8"))["elements"]
    area = next(e for e in elements if e["name"] == "青菜头种植面积(亩)")
    assert area["type"] == "decimal" and area["unit"] == "亩"
    fd = FormDef.load(pack / "forms" / "残疾人花名册.yaml")
    assert fd.field("身份证号").element == "id_number" and fd.field("身份证号").ledger == "person_identity"
    assert fd.template_path.exists()

    fd.filter = "disability_level in ('1', '2')"  # a person's edit survives regeneration
    fd.save()
    write_pack(run([pack / "forms"], pack=str(pack)), pack)
    assert FormDef.load(pack / "forms" / "残疾人花名册.yaml").filter == "disability_level in ('1', '2')"

    result = install_pack(engine, pack)
    assert result.forms == 2 and set(result.ledgers_created) == {lg.id for lg in plan.ledgers}
    store = LedgerStore(engine)
    assert "person_disability" in {d.id for d in store.ledgers()}
    assert [f.id for f in load_forms(engine)] == ["残疾人花名册", "青菜头统计表"]
    assert get_form(engine, "青菜头种植统计表").layout == "indicator"


def test_a_proposed_date_of_something_that_has_happened_may_not_lie_ahead():
    """发证日期, 确诊时间, 最近走访时间 are dates of events a form reports afterwards: proposed with
    not_future; a plan, a deadline or a period's start (计划完成时间, 到期日期, 待遇领取起始年月) may lie ahead."""
    from yibiaotong.consolidate.infer import infer_validation

    for label, kind in (("残疾证发证日期", "date"), ("确诊时间", "date"), ("最近走访时间", "date"),
                        ("子女死亡或伤残时间", "date"), ("入党时间", "month"), ("优待证发证日期", "date"),
                        ("待遇核定日期", "date"), ("应急救助时间", "date"), ("适应性评估日期", "date"),
                        ("供应商签约日期", "date")):
        assert infer_validation([label], kind) == {"not_future": True}, label
    for label, kind in (("计划完成时间", "date"), ("到期日期", "date"), ("风险消除预期时间", "date"),
                        ("待遇领取起始年月", "month"), ("租赁起止时间", "date"), ("确诊人数", "integer"),
                        ("下次随访日期", "date"), ("预约体检日期", "date"), ("拟纳入时间", "date"),
                        ("下一次复核时间", "date"), ("应复核日期", "date")):
        assert infer_validation([label], kind) == {}, label
    # the Yongchuan pack as generated: its proposed past-event dates carry the rule
    from yibiaotong.packs import load_pack

    path = load_pack("yongchuan").path / "elements" / "consolidated.yaml"
    elements = {e["name"]: e for e in yaml.safe_load(path.read_text(encoding="utf-8"))["elements"]}
    assert elements["残疾证发证日期"]["validation"] == {"not_future": True}
    assert "validation" not in elements["到期日期"]


def test_a_decision_takes_back_a_guessed_rule(tmp_path):
    """A reviewer who knows a date may lie ahead says so in decisions.yaml: the regenerated pack keeps it."""
    from yibiaotong.consolidate.export import _validation
    from yibiaotong.consolidate.ledgers import ElementInfo
    from yibiaotong.consolidate.review import Decisions

    issued = ElementInfo("x_fa_zheng_ri_qi", "发证日期", "person", "disability", new=True, labels=["发证日期"],
                         type="date")
    assert _validation(issued, "date") == {"not_future": True}
    path = tmp_path / "decisions.yaml"
    path.write_text("elements:\n  - {element: x_fa_zheng_ri_qi, validation: {}}\n", encoding="utf-8")
    Decisions.load(path).apply_elements({issued.id: issued})
    assert _validation(issued, "date") == {}
    # a decided rule the dictionary does not know would check nothing: refused with its place
    import pytest

    from yibiaotong.errors import YbtError

    path.write_text("elements:\n  - {element: x_fa_zheng_ri_qi, validation: {not_futrue: true}}\n", encoding="utf-8")
    with pytest.raises(YbtError) as info:
        Decisions.load(path)
    (problem,) = info.value.problems
    assert problem.code == "invalid-definition" and problem.location["record"] == 1 and "not_future" in problem.message_zh
