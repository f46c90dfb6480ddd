"""Same meaning, different words → one element; same words, different meaning → by context."""

from __future__ import annotations

from yibiaotong.forms.model import FormTemplate, TemplateField


def form(*headers, layout="roster", title="测试表", sections=None, subtables=None) -> FormTemplate:
    fields = []
    for i, h in enumerate(headers, start=1):
        path = tuple(h.split("/"))
        fields.append(TemplateField(header=h, path=path, label=path[-1], row=3, column=i, value_cell=(4, i),
                                    section=(sections or {}).get(h), subtable=(subtables or {}).get(h)))
    return FormTemplate(source="t.xlsx", sheet="Sheet1", title=title, layout=layout, layout_reason="test", fields=fields)


def elements(matcher, f: FormTemplate) -> list[str | None]:
    return [m.element if m else None for m in matcher.match_form(f)]


def test_synonyms_of_the_id_number_are_one_element(matcher):
    got = elements(matcher, form("身份证号", "公民身份号码", "证件号码", "身 份 证 号*", "居民身份证号码"))
    assert got == ["id_number"] * 5


def test_bare_name_under_family_members_is_a_family_member(matcher):
    f = form("姓名", "身份证号", "家庭成员情况/姓名", "家庭成员情况/身份证号", "家庭成员情况/与户主关系")
    assert elements(matcher, f) == ["person_name", "id_number", "family_member_name", "family_member_id_number",
                                    "relation_to_head"]


def test_phone_right_after_contact_person_is_the_contacts(matcher):
    f = form("姓名", "联系电话", "联系人", "联系电话", "关系")
    assert elements(matcher, f) == ["person_name", "phone", "contact_person_name", "contact_person_phone",
                                    "contact_person_relation"]


def test_attributes_after_the_household_head_are_the_heads(matcher):
    f = form("户主姓名", "性别", "年龄", "家庭人口", layout="record")
    assert elements(matcher, f) == ["household_head_name", "household_head_gender", "household_head_age", "household_size"]


def test_bare_name_in_a_household_roster_is_the_head(matcher):
    f = form("姓名", "身份证号", "家庭人口", "保障金额", title="农村低保户花名册")
    got = elements(matcher, f)
    assert got[:2] == ["household_head_name", "household_head_id_number"]
    person = form("姓名", "身份证号", "年龄", title="高龄老人花名册")
    assert elements(matcher, person)[:2] == ["person_name", "id_number"]


def test_amounts_in_yuan_and_wan_yuan_are_one_element_with_their_units(matcher):
    f = form("注册资金（万元）", "注册资金(元)")
    f.fields[0].unit, f.fields[1].unit = "万元", "元"
    got = matcher.match_form(f)
    assert got[0].element == got[1].element == "registered_capital"


def test_every_match_has_a_confidence_and_a_chinese_reason(matcher):
    for m in matcher.match_form(form("户主电话", "家庭成员情况/姓名", "所属街道", "学校全称")):
        assert m is not None and 0 < m.confidence <= 1 and m.reason and any("\u4e00" <= ch <= "\u9fff" for ch in m.reason)


def test_unknown_labels_are_left_for_new_elements_and_negations_never_fuzzy_match(matcher):
    got = elements(matcher, form("有劳动能力的低保户", "无劳动能力的低保户", "青菜头种植面积"))
    assert got[0] != got[1]
    assert got[2] is None


def test_a_field_with_a_unit_of_measure_never_takes_a_text_element(matcher):
    # an indicator 流转用途 · 养殖 measured in 亩 and 户 is not the household's 养殖牲畜 (a text element)
    f = form("家庭养殖情况", "流转总面积/按流转用途分/养殖/面积（亩）", "流转总面积/按流转用途分/养殖/涉及农户（户）",
             layout="indicator")
    f.fields[1].unit, f.fields[2].unit = "亩", "户"
    f.fields[1].indicator = f.fields[2].indicator = "流转总面积/按流转用途分/养殖"
    got = elements(matcher, f)
    assert got[0] == "livestock_holdings"
    assert got[1] is None and got[2] is None


def test_another_word_for_an_attribute_under_family_members_is_the_members(matcher):
    # 周岁 is an alias of 年龄 (the subject's); under 家庭成员情况 it is the member's age, not the applicant's
    f = form("姓名", "周岁", "家庭成员情况/姓名", "家庭成员情况/周岁", layout="record",
             subtables={"家庭成员情况/姓名": "家庭成员情况", "家庭成员情况/周岁": "家庭成员情况"})
    assert elements(matcher, f) == ["person_name", "age", "family_member_name", "family_member_age"]
