from __future__ import annotations

from yibiaotong.orgunits import OrgTree, OrgUnit, load_tree, read_csv, save_tree, subtree_codes
from yibiaotong.packs import load_pack


def test_save_load_and_subtree_on_each_database(engine):
    tree = read_csv(load_pack("yongchuan").orgunits_csv)
    assert save_tree(engine, tree) == 24
    save_tree(engine, OrgTree([*tree, OrgUnit("500118103201", "临江村", "village", "500118103000")]))
    loaded = load_tree(engine)
    assert len(loaded) == 25 and loaded["500118103201"].path == "/500118000000/500118103000/500118103201/"
    assert sorted(subtree_codes(engine, "500118103000")) == ["500118103000", "500118103201"]
    assert len(subtree_codes(engine, "500118000000")) == 25
    assert subtree_codes(engine, "nope") == []


def test_saving_again_updates_names_without_duplicates(engine):
    tree = read_csv(load_pack("yongchuan").orgunits_csv)
    save_tree(engine, tree)
    renamed = OrgTree([OrgUnit(u.code, u.name + "（新）" if u.code == "500118103000" else u.name, u.kind, u.parent_code)
                       for u in tree])
    save_tree(engine, renamed)
    loaded = load_tree(engine)
    assert len(loaded) == 24 and loaded["500118103000"].name == "临江镇（新）"
