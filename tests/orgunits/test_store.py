from __future__ import annotations

from yibiaotong.orgunits import OrgTree, OrgUnit, load_tree, read_csv, save_tree, subtree_codes
from yibiaotong.packs import load_pack


def towns() -> OrgTree:
    """The district and its 23 real towns and subdistricts, from the pack's tree."""
    full = read_csv(load_pack("yongchuan").orgunits_csv)
    return OrgTree(u for u in full if u.level <= 2)


def test_whole_pack_tree_saves_and_loads(engine):
    tree = read_csv(load_pack("yongchuan").orgunits_csv)
    assert save_tree(engine, tree) == len(tree) > 1000
    assert len(load_tree(engine)) == len(tree)


def test_save_load_and_subtree_on_each_database(engine):
    tree = towns()
    assert save_tree(engine, tree) == 24
    save_tree(engine, OrgTree([*tree, OrgUnit("500118103299", "临江村", "village", "500118103000")]))
    loaded = load_tree(engine)
    assert len(loaded) == 25 and loaded["500118103299"].path == "/500118000000/500118103000/500118103299/"
    assert sorted(subtree_codes(engine, "500118103000")) == ["500118103000", "500118103299"]
    assert len(subtree_codes(engine, "500118000000")) == 25
    assert subtree_codes(engine, "nope") == []


def test_saving_again_updates_names_without_duplicates(engine):
    tree = towns()
    save_tree(engine, tree)
    renamed = OrgTree([OrgUnit(u.code, u.name + "（新）" if u.code == "500118103000" else u.name, u.kind, u.parent_code)
                       for u in tree])
    save_tree(engine, renamed)
    loaded = load_tree(engine)
    assert len(loaded) == 24 and loaded["500118103000"].name == "临江镇（新）"
