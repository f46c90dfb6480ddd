from __future__ import annotations

import pytest

from yibiaotong.errors import YbtError
from yibiaotong.orgunits import read_csv, write_csv
from yibiaotong.packs import load_pack


def test_round_trip_csv(tmp_path):
    tree = read_csv(load_pack("yongchuan").orgunits_csv)
    out = tmp_path / "out.csv"
    write_csv(tree, out)
    again = read_csv(out)
    assert [(u.code, u.name, u.kind, u.parent_code, u.level) for u in again] == \
           [(u.code, u.name, u.kind, u.parent_code, u.level) for u in tree]


def test_gbk_csv_from_excel_is_accepted(tmp_path):
    path = tmp_path / "gbk.csv"
    path.write_bytes("code,name,kind,parent_code\n500118000000,永川区,district,\n500118103000,临江镇,town,500118000000\n".encode("gbk"))
    assert read_csv(path)["500118103000"].name == "临江镇"


def test_missing_columns_and_missing_file(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("编码,名称\n1,甲\n", encoding="utf-8")
    with pytest.raises(YbtError) as info:
        read_csv(path)
    assert info.value.problems[0].code == "invalid-org-tree" and "code" in info.value.problems[0].message_zh
    with pytest.raises(YbtError) as info:
        read_csv(tmp_path / "nope.csv")
    assert info.value.problems[0].code == "file-not-found"
