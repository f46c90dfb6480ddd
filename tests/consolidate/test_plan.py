"""Consolidating rendered templates: the plan.json contract, determinism, review decisions, metrics."""

from __future__ import annotations

import json

import pytest

from yibiaotong.consolidate import Decisions, Knowledge, consolidate
from yibiaotong.forms import render_template
from yibiaotong.packs import resolve_packs

FORMS = [
    {"title": "残疾人生活补贴变化情况对比表", "layout": "roster",
     "columns": ["姓名", "身份证号码", "残疾等级", "持证状态", "补贴金额/生活补贴", "补贴金额/护理补贴", "备注"]},
    {"title": "某月残疾人生活补贴上报花名册", "layout": "roster",
     "columns": ["序号", "姓  名", "公民身份号码", "残疾类别", "残疾等级", "联系电话", "青菜头种植面积(亩)"]},
    {"title": "临时救助申请审批表", "layout": "record",
     "columns": ["户主姓名", "性别", "户主身份证号", "家庭人口", "家庭成员/姓名", "家庭成员/与户主关系",
                 "家庭成员/身份证号", "村(居)民代表评议意见"],
     "options": {"subtables": {"家庭成员": ["家庭成员/姓名", "家庭成员/与户主关系", "家庭成员/身份证号"]}}},
    {"title": "青菜头种植情况统计表", "layout": "roster", "columns": ["村名", "户主姓名", "青菜头种植面积（亩）"]},
]


@pytest.fixture(scope="module")
def templates(tmp_path_factory):
    folder = tmp_path_factory.mktemp("forms")
    for i, spec in enumerate(FORMS):
        render_template(spec, folder / f"form{i}.xlsx", style_seed=i)
    (folder / "说明.txt").write_text("not a template", encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def parts(standard_dictionary):
    return standard_dictionary, Knowledge.from_packs(resolve_packs("standard"))


def run(templates, parts, decisions=None):
    dictionary, knowledge = parts
    return consolidate([templates], dictionary, knowledge, decisions)


def test_plan_json_follows_the_contract(templates, parts, tmp_path):
    plan = run(templates, parts)
    out = tmp_path / "plan.json"
    plan.write(out)
    data = json.loads(out.read_text(encoding="utf-8"))
    assert set(data) >= {"forms", "elements", "ledgers", "metrics"}
    first = data["forms"][0]
    assert set(first) >= {"source", "sheet", "title", "layout", "fields"}
    assert first["layout"] in ("roster", "record", "indicator")
    for f in first["fields"]:
        assert set(f) >= {"header", "element", "ledger", "confidence", "reason"} and 0 <= f["confidence"] <= 1
    assert [f["header"] for f in first["fields"]][:5] == ["姓名", "身份证号码", "残疾等级", "持证状态", "补贴金额/生活补贴"]


def test_repeated_fields_of_two_departments_merge_into_one_ledger(templates, parts):
    plan = run(templates, parts)
    by_form = {f.title: {x.header: x for x in f.fields} for f in plan.forms}
    a, b = by_form["残疾人生活补贴变化情况对比表"], by_form["某月残疾人生活补贴上报花名册"]
    assert a["姓名"].element == b["姓  名"].element == "person_name"
    assert a["身份证号码"].element == b["公民身份号码"].element == "id_number"
    assert a["残疾等级"].element == b["残疾等级"].element == "disability_level"
    assert a["残疾等级"].ledger == b["残疾等级"].ledger == "person_disability"
    # an unknown field shared by two forms becomes one new element, whatever the unit spelling
    c = by_form["青菜头种植情况统计表"]
    assert b["青菜头种植面积(亩)"].element == c["青菜头种植面积（亩）"].element
    assert plan.elements[b["青菜头种植面积(亩)"].element].new and b["青菜头种植面积(亩)"].unit == "亩"
    assert b["青菜头种植面积(亩)"].element == "x_qing_cai_tou_zhong_zhi_mian_ji"
    record = by_form["临时救助申请审批表"]
    assert record["家庭成员/姓名"].element == "family_member_name"
    assert record["性别"].element == "household_head_gender"
    assert record["村(居)民代表评议意见"].served is False  # an opinion is filled per application


def test_results_are_deterministic(templates, parts):
    assert run(templates, parts).to_dict() == run(templates, parts).to_dict()


def test_metrics_describe_the_reduction(templates, parts):
    plan = run(templates, parts)
    m = plan.metrics
    # a 序号 column the writer printed (even where the spec has none) is a field too: row_no
    serials = sum(1 for f in plan.forms for x in f.fields if x.element == "row_no")
    assert m["forms"] == 4 and m["fields"] == sum(len(f["columns"]) for f in FORMS) - 1 + serials
    assert m["distinct_elements"] < m["fields"] and 0 < m["fields_served_share"] < 1
    assert m["ledgers"] >= 3 and m["forms_fully_served"] >= 1
    assert m["skipped_sheets"] == 0  # the .txt file is not a template and is not read


def test_review_decisions_are_reapplied_on_every_run(templates, parts, tmp_path):
    path = tmp_path / "decisions.yaml"
    d = Decisions.load(path)
    d.decide_field("form3.xlsx", "户主姓名", "reassign", "person_name", by="张敏", note="此表按人填报")
    d.decide_field("form0.xlsx", "持证状态", "reject")
    d.decide_field("form0.xlsx", "残疾等级", "accept")
    d.ledgers.append({"ledger": "person_disability", "rename": "残疾人信息台账"})
    d.save(path)
    for _ in range(2):  # the second run re-reads the file: nothing of the person's work is lost
        plan = run(templates, parts, Decisions.load(path))
        fields = {(f.source.rsplit("/", 1)[-1], x.header): x for f in plan.forms for x in f.fields}
        assert fields[("form3.xlsx", "户主姓名")].element == "person_name"
        assert fields[("form3.xlsx", "户主姓名")].confidence == 1.0 and "张敏" in fields[("form3.xlsx", "户主姓名")].reason
        assert fields[("form0.xlsx", "持证状态")].element is None and fields[("form0.xlsx", "持证状态")].served is False
        assert fields[("form0.xlsx", "残疾等级")].decided == "accept"
        assert {lg.id: lg.name for lg in plan.ledgers}["person_disability"] == "残疾人信息台账"


def test_bad_decisions_file_is_a_clear_error(tmp_path):
    from yibiaotong.errors import YbtError

    path = tmp_path / "d.yaml"
    path.write_text("fields:\n  - {file: a.xlsx, header: 姓名, action: move}\n", encoding="utf-8")
    with pytest.raises(YbtError) as info:
        Decisions.load(path)
    assert info.value.problems[0].location["record"] == 1


def test_household_members_do_not_decide_where_a_forms_new_fields_go(parts, tmp_path):
    members = ["家庭成员情况/姓名", "家庭成员情况/与户主关系", "家庭成员情况/身份证号码", "家庭成员情况/周岁",
               "家庭成员情况/健康状况"]
    spec = {"title": "防返贫监测对象信息采集表", "layout": "record",
            "columns": ["户主姓名", "户主身份证号", *members, "监测对象类型", "纳入监测时间", "监测识别/次要风险类型"],
            "options": {"subtables": {"家庭成员情况": members}}}
    render_template(spec, tmp_path / "monitoring.xlsx")
    dictionary, knowledge = parts
    plan = consolidate([tmp_path], dictionary, knowledge)
    by_header = {f.header: f for f in plan.forms[0].fields}
    new = by_header["监测识别/次要风险类型"]
    assert plan.elements[new.element].new
    assert plan.elements[new.element].subject == "household" and plan.elements[new.element].group == "monitoring"
    assert by_header["家庭成员情况/周岁"].element == "family_member_age"


def test_each_quantity_of_an_indicator_is_an_element_of_its_own(parts, tmp_path):
    """An indicator asked as 人数 and as 发放金额（元） is two facts: a count of people and an amount.
    One element for both stored the amounts as counts (or the other way round); each quantity gets
    its own element, the second named by its value column. 本期数/上年同期 (one quantity, two
    periods) stay one element."""
    render_template({"title": "救助金发放情况统计表", "layout": "indicator",
                     "columns": ["慢病救助对象", "慢病救助对象/其中：重度残疾", "因灾救助家庭"],
                     "options": {"value_columns": ["人数", "发放金额（元）"], "serial": True}},
                    tmp_path / "paid.xlsx")
    render_template({"title": "受灾情况统计表", "layout": "indicator", "columns": ["倒塌房屋（间）", "转移安置"],
                     "options": {"value_columns": ["本期数", "上年同期"], "serial": True}},
                    tmp_path / "disaster.xlsx")
    dictionary, knowledge = parts
    plan = consolidate([tmp_path], dictionary, knowledge)
    fields = {f.header: f for form in plan.forms for f in form.fields}
    count, paid = fields["慢病救助对象/人数"], fields["慢病救助对象/发放金额（元）"]
    assert count.element != paid.element
    assert plan.elements[count.element].unit == "人" and plan.elements[paid.element].unit == "元"
    assert plan.elements[paid.element].name == "慢病救助对象发放金额"
    assert plan.elements[count.element].name == "慢病救助对象"
    assert fields["因灾救助家庭/人数"].element != fields["因灾救助家庭/发放金额（元）"].element
    assert fields["倒塌房屋（间）/本期数"].element == fields["倒塌房屋（间）/上年同期"].element


def test_a_flag_still_answers_a_count_of_its_persons(parts, tmp_path):
    """其中：重度残疾 / 人数 counts the persons flagged severely disabled: a bare 人数 column is
    a count of people, which a person's flag answers (the report counts the flagged); its
    发放金额（元） column is no flag, and becomes an amount of its own."""
    render_template({"title": "残疾人情况统计表", "layout": "indicator",
                     "columns": ["持证残疾人总数", "持证残疾人总数/其中：重度残疾"],
                     "options": {"value_columns": ["人数", "发放金额（元）"], "serial": True}}, tmp_path / "a.xlsx")
    dictionary, knowledge = parts
    plan = consolidate([tmp_path], dictionary, knowledge)
    fields = {f.header: f for f in plan.forms[0].fields}
    assert fields["持证残疾人总数/其中：重度残疾/人数"].element == "is_severely_disabled"
    paid = fields["持证残疾人总数/其中：重度残疾/发放金额（元）"].element
    assert plan.elements[paid].new and plan.elements[paid].unit == "元"
    assert plan.elements[paid].name.endswith("发放金额")  # the row counts people: its amount is named so


def test_a_rosters_count_of_people_is_no_flag(parts, tmp_path):
    """A household roster's 家庭人口构成/重度残疾人（人） is how many of the household are severely
    disabled: written into the head's own flag, a 1 would make the head disabled and a 2 be refused.
    Only a statistics table's row counts the flagged persons."""
    render_template({"title": "低保对象花名册", "layout": "roster",
                     "columns": ["户主姓名", "户主身份证号", "家庭人口构成/重度残疾人（人）", "家庭人口构成/老年人（人）"]},
                    tmp_path / "roster.xlsx")
    dictionary, knowledge = parts
    plan = consolidate([tmp_path], dictionary, knowledge)
    fields = {f.header: f for f in plan.forms[0].fields}
    count = fields["家庭人口构成/重度残疾人（人）"].element
    assert count != "is_severely_disabled" and plan.elements[count].unit == "人"
