from __future__ import annotations

import pytest

from yibiaotong.errors import YbtError
from yibiaotong.orgunits import OrgTree, OrgUnit, read_csv
from yibiaotong.packs import load_pack


def test_real_yongchuan_towns_load_with_levels_and_paths():
    tree = read_csv(load_pack("yongchuan").orgunits_csv)
    assert sum(1 for u in tree if u.level <= 2) == 24
    assert 200 <= sum(1 for u in tree if u.level == 3) <= 260
    linjiang = tree["500118103000"]
    assert (linjiang.name, linjiang.kind, linjiang.level) == ("临江镇", "town", 2)
    assert linjiang.path == "/500118000000/500118103000/"
    assert tree.full_name("500118103000") == "永川区临江镇"
    assert len(tree.children("500118000000")) == 23
    assert sum(1 for u in tree if u.kind == "subdistrict") == 7


def test_deeper_trees_and_subtrees():
    tree = OrgTree([
        OrgUnit("500118000000", "永川区", "district"),
        OrgUnit("500118103000", "临江镇", "town", "500118000000"),
        OrgUnit("500118103201", "临江村", "village", "500118103000"),
        OrgUnit("500118103201-01", "第一网格", "grid", "500118103201"),
    ])
    assert tree["500118103201-01"].level == 4
    assert [u.code for u in tree.subtree("500118103000")] == ["500118103000", "500118103201", "500118103201-01"]
    assert [u.name for u in tree.ancestors("500118103201-01")] == ["永川区", "临江镇", "临江村"]


def test_bad_trees_report_every_problem_with_row_numbers():
    with pytest.raises(YbtError) as info:
        OrgTree([
            OrgUnit("1", "甲", "district"),
            OrgUnit("1", "甲二", "town", "1"),
            OrgUnit("2", "乙", "planet", "9"),
            OrgUnit("3", "丙", "town", "4"),
            OrgUnit("4", "丁", "town", "3"),
        ], source="org.csv")
    reasons = [(p.location.get("row"), p.params["reason"]) for p in info.value.problems]
    assert (3, "代码“1”与第2行重复") in reasons
    assert any(r == 4 and "planet" in t for r, t in reasons)
    assert any(r == 4 and "上级代码“9”不存在" in t for r, t in reasons)
    assert sum("形成了环" in t for _, t in reasons) == 3  # 3↔4, and the duplicate "1" that is its own parent
    assert all(p.location["file"] == "org.csv" for p in info.value.problems)


def test_unknown_code_is_a_clear_error():
    tree = OrgTree([OrgUnit("500118000000", "永川区", "district")])
    with pytest.raises(YbtError) as info:
        tree["500118999000"]
    assert info.value.problems[0].code == "unknown-org-unit"
