from __future__ import annotations

import pytest


@pytest.mark.parametrize("printed, normalized", [
    ("姓  名*", "姓名"),
    ("身 份 证 号", "身份证号"),
    ("公民身份号码", "身份证号"),
    ("一、基层组织", "基层组织"),
    ("（二）低保人数", "低保人数"),
    ("2、汇总村数(个)", "汇总村数"),
    ("其中：女", "女"),
    ("补贴金额（万元）", "补贴金额"),
    ("人员类别（单选）（0：未知，1：分散供养特困人员）", "人员类别"),
    ("村(社区)", "村社区"),
    ("联系电话：", "联系电话"),
    ("ＩＤ号码", "id号码"),
])
def test_label_normalization_keeps_meaning_and_drops_decoration(norm, printed, normalized):
    assert norm.label(printed) == normalized


@pytest.mark.parametrize("label, owner, base", [
    ("户主电话", "household_head", "电话"),
    ("紧急联系人电话", "contact", "电话"),
    ("监护人姓名", "guardian", "姓名"),
    ("联系人", None, "联系人"),
    ("家庭成员", None, "家庭成员"),
    ("姓名", None, "姓名"),
])
def test_owner_words_say_whose_value_a_label_is(norm, label, owner, base):
    assert norm.split_owner(norm.label(label)) == (owner, base)


def test_core_drops_modifiers(norm):
    assert norm.core("所属街道") == norm.core("街道名称") == norm.core("乡镇") == "镇街"
    assert norm.core("村组（社区）".replace("（", "").replace("）", "")) == norm.core("所属社区") == "村"
    assert norm.core("出生日期") == norm.core("生日") == "出生日期"  # one pass: 生日 inside 出生日期 is untouched
    assert norm.core("房屋类型") == norm.core("房屋种类") == "房屋类别"
    assert norm.core("流转亩数") == norm.core("流转面积") and norm.core("户口性质") == norm.core("户籍性质")
    assert norm.core("享受起始时间") == norm.core("享受开始日期")
    assert norm.core("学校全称") == norm.core("学校名称")
    assert norm.core("批准时间") == "批准日期"
