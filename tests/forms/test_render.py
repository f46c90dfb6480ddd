"""The template writer: realistic, varied by seed, deterministic, and readable back."""

from __future__ import annotations

import openpyxl
import pytest

from yibiaotong.forms import read_templates, render_template
from yibiaotong.forms.render import Style, split_path

SPEC = {
    "title": "某月残疾人生活补贴上报花名册",
    "columns": ["村(社区)", "姓名", "身份证号码", "残疾类别", "补贴金额/生活补贴(元)", "补贴金额/护理补贴(元)", "是否低保户", "备注"],
}


def test_split_path_keeps_slashes_inside_brackets():
    assert split_path("类型(种植/养殖/流通/加工/其他)") == ("类型(种植/养殖/流通/加工/其他)",)
    assert split_path("商标注册情况/独立注册(是/否),名称为") == ("商标注册情况", "独立注册(是/否),名称为")
    assert split_path("基本情况(2007年)/出资情况/货币出资金额(元)") == ("基本情况(2007年)", "出资情况", "货币出资金额(元)")
    assert split_path("户主姓名/管理单位") == ("户主姓名", "管理单位")


def test_same_input_same_bytes(tmp_path):
    a = render_template(SPEC, tmp_path / "a.xlsx", "record", style_seed=5).read_bytes()
    b = render_template(SPEC, tmp_path / "b.xlsx", "record", style_seed=5).read_bytes()
    assert a == b


def test_seeds_vary_cosmetics():
    styles = [Style.choose(seed, {}) for seed in range(16)]
    for attr in ("serial", "number_row", "unit_line", "pairs_per_row", "hierarchy", "total_row"):
        assert len({str(getattr(s, attr)) for s in styles}) > 1, attr


def test_roster_looks_like_a_township_template(tmp_path):
    options = {"serial": True, "number_row": True, "total_row": "bottom", "unit_line": True, "footer": True,
               "data_rows": 4, "spacer": False}
    path = render_template({**SPEC, "options": options}, tmp_path / "r.xlsx", "roster")
    ws = openpyxl.load_workbook(path).active
    merged = {str(r) for r in ws.merged_cells.ranges}
    assert "A1:I1" in merged  # title over 序号 + 8 columns
    assert ws["A2"].value.startswith("填报单位") and "填报日期" in ws["F2"].value
    assert "F3:G3" in merged and "A3:A4" in merged and "B3:B4" in merged  # parent over children, leaves merged down
    assert [ws.cell(5, c).value for c in range(1, 4)] == ["甲", "1", "2"]
    assert ws["A6"].value == 1 and ws["A10"].value == "合计"
    assert ws["A3"].border.left.style == "thin"
    (form,) = read_templates(path).forms
    assert (form.header_rows, form.number_row, form.data_first_row, form.total_row) == ((3, 4), 5, 6, 10)
    assert form.headers == SPEC["columns"] and form.serial_label == "序号"
    assert form.footer and form.footer[-1].startswith("负责人")
    assert form.fields[4].unit == "元"


def test_record_pairs_sections_and_subtable(tmp_path):
    spec = {"title": "入户调查登记表", "columns": [
        "户主姓名", "性 别", "家庭人口", "是否低保户",
        "家庭成员/姓名", "家庭成员/与户主关系", "家庭成员/年龄",
        "家庭财产状况/住房", "家庭财产状况/交通工具", "镇区核实意见"],
        "options": {"subtables": {"家庭成员": ["家庭成员/姓名", "家庭成员/与户主关系", "家庭成员/年龄"]},
                    "pairs_per_row": 2, "subtable_rows": 4, "checkboxes": True, "opinion_boxes": True, "colon": True}}
    path = render_template(spec, tmp_path / "r.xlsx", "record")
    (form,) = read_templates(path).forms
    assert form.layout == "record" and form.headers == spec["columns"]
    by = {f.header: f for f in form.fields}
    assert by["是否低保户"].choices == ("是", "否")
    assert by["家庭成员/姓名"].subtable == "家庭成员" and by["家庭财产状况/住房"].section == "家庭财产状况"
    assert by["镇区核实意见"].sample and "签字" in by["镇区核实意见"].sample
    ws = openpyxl.load_workbook(path).active
    assert ws.cell(by["户主姓名"].row, by["户主姓名"].column).value == "户主姓名："


@pytest.mark.parametrize("hierarchy", ["indent", "spaces", "serial"])
def test_indicator_hierarchy_styles_read_back(tmp_path, hierarchy):
    spec = {"title": "土地流转及规模经营情况统计表", "columns": [
        "耕地面积(亩)", "耕地面积(亩)/其中:撂荒面积(亩)", "土地流转/流转面积(亩)", "土地流转/流转户数(户)",
        "土地流转/规模经营/经营主体数(个)", "土地流转/规模经营/经营面积(亩)", "非粮化面积(亩)"],
        "units": {"非粮化面积(亩)": "亩"},
        "options": {"hierarchy": hierarchy, "value_columns": ["本期数", "上年同期"], "number_row": True}}
    path = render_template(spec, tmp_path / "i.xlsx", "indicator")
    (form,) = read_templates(path).forms
    assert form.layout == "indicator", form.layout_reason
    assert form.items == spec["columns"]
    assert form.value_columns == ["本期数", "上年同期"]
    assert form.fields[0].header == "耕地面积(亩)/本期数" and form.fields[0].unit == "亩"
    assert form.fields[2].indicator == "耕地面积(亩)/其中:撂荒面积(亩)" and form.fields[2].value_column == "本期数"


def test_a_value_column_naming_its_own_unit_measures_that(tmp_path):
    """人数 | 发放金额（元）: the row's 计量单位 (人) is its first value column's; a further column that
    names its unit (元) measures that. A column naming none takes the row's."""
    spec = {"title": "高龄津贴发放情况统计表", "columns": ["享受人数（人）", "新增人数（人）"],
            "options": {"value_columns": ["人数", "发放金额（元）"]}}
    (form,) = read_templates(render_template(spec, tmp_path / "i.xlsx", "indicator")).forms
    units = {f.header: f.unit for f in form.fields}
    assert units["享受人数（人）/人数"] == "人" and units["享受人数（人）/发放金额（元）"] == "元"
    spec["options"]["value_columns"] = ["本期数", "上年同期"]
    (form,) = read_templates(render_template(spec, tmp_path / "j.xlsx", "indicator")).forms
    assert {f.unit for f in form.fields} == {"人"}
    # a column in another scale of the same quantity keeps the row's unit: one figure, one scale
    money = {"title": "资金统计表", "columns": ["拨付资金（元）", "到位资金（元）"], "options": {"value_columns": ["本期数（万元）", "上年同期（万元）"]}}
    (form,) = read_templates(render_template(money, tmp_path / "k.xlsx", "indicator")).forms
    assert {f.unit for f in form.fields} == {"元"}


def test_unknown_layout(tmp_path):
    with pytest.raises(ValueError):
        render_template(SPEC, tmp_path / "x.xlsx", "pie-chart")
