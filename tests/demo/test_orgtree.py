"""The generated Yongchuan org tree: the real district and towns on top, plausible villages,
communities and grids below, loadable by the org tree's own checks, the same for the same seed."""

from __future__ import annotations

import csv
import re
from collections import Counter

import pytest

from tests.shared import shared_data
from yibiaotong.demo.orgtree import TOWNS, generate_org_tree, write_org_tree
from yibiaotong.orgunits import read_csv
from yibiaotong.packs import packs_root

PACK_CSV = packs_root() / "yongchuan" / "orgunits.csv"
SHARED_TOWNS = shared_data("yongchuan-towns.csv")


@pytest.fixture(scope="module")
def tree():
    return read_csv(PACK_CSV)


def test_committed_csv_loads_and_matches_the_generator(tree, tmp_path):
    assert len(tree) == len(generate_org_tree())
    out = write_org_tree(tmp_path / "orgunits.csv")
    assert out.read_bytes() == PACK_CSV.read_bytes(), "orgunits.csv is stale: run python -m yibiaotong.demo.orgtree"


def test_district_and_the_23_real_towns_keep_their_names_and_codes(tree):
    assert tree["500118000000"].name == "永川区" and tree["500118000000"].level == 1
    towns = sorted((u.code, u.name, u.kind) for u in tree if u.level == 2)
    assert towns == sorted(TOWNS) and len(towns) == 23
    assert all(tree[code].parent_code == "500118000000" for code, _, _ in towns)
    if SHARED_TOWNS is not None:  # the published list the module copies
        with open(SHARED_TOWNS, encoding="utf-8") as fh:
            assert towns == sorted((r["code"], r["name"], r["kind"]) for r in csv.DictReader(fh))


def test_village_count_and_kinds(tree):
    units = [u for u in tree if u.level == 3]
    assert 200 <= len(units) <= 260
    by_parent = Counter((tree[u.parent_code].kind, u.kind) for u in units)
    # subdistricts are mostly communities, towns mostly villages
    assert by_parent[("subdistrict", "community")] > by_parent[("subdistrict", "village")]
    assert by_parent[("town", "village")] > 4 * by_parent[("town", "community")]
    for town in (u for u in tree if u.kind == "town"):
        kids = tree.children(town.code)
        assert 1 <= sum(k.kind == "community" for k in kids) <= 2
    names = Counter((u.parent_code, u.name) for u in units)
    assert max(names.values()) == 1
    assert all(u.name.endswith("村" if u.kind == "village" else "社区") for u in units)


def test_code_format(tree):
    for u in tree:
        if u.level == 3:
            serial = int(u.code[9:])
            assert re.fullmatch(r"\d{12}", u.code) and u.code[:9] == u.parent_code[:9]
            assert (1 <= serial <= 99) if u.kind == "community" else serial >= 200
        elif u.level == 4:
            assert u.kind == "grid" and re.fullmatch(rf"{u.parent_code}-\d\d", u.code)
            assert re.fullmatch(r"第[一二三四五六七八九]网格", u.name)
    grids = Counter(u.parent_code for u in tree if u.level == 4)
    assert min(grids.values()) >= 2 and max(grids.values()) <= 6
    assert set(grids) == {u.code for u in tree if u.level == 3}


def test_same_seed_same_tree_other_seed_other_names():
    assert generate_org_tree(7) == generate_org_tree(7)
    assert generate_org_tree(7) != generate_org_tree(8)
    rows = generate_org_tree()
    codes = [r["code"] for r in rows]
    assert all(codes.index(r["parent_code"]) < i for i, r in enumerate(rows) if r["parent_code"])
