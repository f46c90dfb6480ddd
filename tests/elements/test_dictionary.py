"""Loading the dictionary from packs: the standard pack, a deployment's own additions, bad definitions."""

from __future__ import annotations

import textwrap

import pytest

from yibiaotong.elements.dictionary import Dictionary
from yibiaotong.errors import YbtError
from yibiaotong.packs import resolve_packs


def write_pack(root, name, files: dict[str, str], depends_on="[standard]"):
    pack = root / name
    for rel, text in {"pack.yaml": f"id: {name}\nname: 测试包\ndepends_on: {depends_on}\n", **files}.items():
        (pack / rel).parent.mkdir(parents=True, exist_ok=True)
        (pack / rel).write_text(textwrap.dedent(text), encoding="utf-8")
    return pack


def test_standard_dictionary_is_split_into_common_and_application(standard_dictionary):
    categories = {e.category for e in standard_dictionary.elements.values()}
    assert categories == {"common", "application"}
    id_number = standard_dictionary.element("id_number")
    assert id_number.type == "id_number" and id_number.sensitivity == "sensitive" and id_number.category == "common"
    assert standard_dictionary.codelist("gb_t_2261_1_sex").lookup("男") == "1"


def test_a_deployment_adds_its_own_elements_and_code_lists_without_code(tmp_path):
    pack = write_pack(tmp_path, "mydistrict", {
        "codelists/zhacai_grade.yaml": """\
            id: zhacai_grade
            name: 青菜头等级
            standard: 涪陵区地方规范
            items:
              - {code: "1", label: 一级}
              - {code: "2", label: 二级}
            """,
        "elements/local.yaml": """\
            category: application
            elements:
              - id: zhacai_grade
                name: 青菜头等级
                aliases: [菜头等级]
                type: code
                codelist: zhacai_grade
                sensitivity: internal
                subject: land
            """,
    })
    d = Dictionary.from_packs(resolve_packs(pack))
    assert d.element("zhacai_grade").pack == "mydistrict"
    assert d.codelist("zhacai_grade").lookup("二级") == "2"
    assert "id_number" in d  # the standard pack comes along as a dependency


def test_bad_definitions_report_every_problem_with_file_and_element(tmp_path):
    pack = write_pack(tmp_path, "broken", {
        "elements/bad.yaml": """\
            elements:
              - id: Bad-Id
                name: 坏标识
              - id: weird_type
                name: 怪类型
                type: colour
              - id: no_list
                name: 缺代码表
                type: code
              - id: missing_list
                name: 代码表不存在
                type: code
                codelist: nowhere
              - id: id_number
                name: 重复
              - name: 没有标识
              - id: misspelt_rule
                name: 规则拼错
                type: date
                validation: {not_futrue: true}
              - id: future_of_a_name
                name: 文字不能限未来
                validation: {not_future: true}
            """,
    })
    with pytest.raises(YbtError) as info:
        Dictionary.from_packs(resolve_packs(pack))
    found = {(p.code, p.location.get("element")) for p in info.value.problems}
    assert ("invalid-definition", "Bad-Id") in found
    assert ("invalid-definition", "weird_type") in found
    assert ("invalid-definition", "no_list") in found
    assert ("unknown-codelist", "missing_list") in found
    assert ("duplicate-id", None) in found
    assert ("invalid-definition", None) in found  # the element without an id
    assert ("invalid-definition", "misspelt_rule") in found  # else it would check nothing, silently
    assert ("invalid-definition", "future_of_a_name") in found
    assert all(p.location.get("file", "").endswith("bad.yaml") for p in info.value.problems if p.code != "unknown-codelist")


def test_yaml_syntax_error_names_file_and_line(tmp_path):
    pack = write_pack(tmp_path, "syntax", {"elements/x.yaml": "elements:\n  - id: a\n    name: [unclosed\n"})
    with pytest.raises(YbtError) as info:
        Dictionary.from_packs(resolve_packs(pack))
    p = info.value.problems[0]
    assert p.code == "invalid-definition" and p.location["file"].endswith("x.yaml") and p.location["row"] >= 3


def test_dictionary_round_trips_through_the_database(engine, standard_dictionary):
    standard_dictionary.save(engine)
    loaded = Dictionary.from_db(engine)
    assert loaded.elements == standard_dictionary.elements
    assert loaded.codelists.keys() == standard_dictionary.codelists.keys()
    assert loaded.codelist("gb_t_3304_ethnic_group").lookup("汉族") == "01"
