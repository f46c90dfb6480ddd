"""The Yongchuan demo org tree (组织机构): the real district and its 23 towns/subdistricts, with
generated villages/communities (村社区) and grids (网格) under them.

Only the top two levels are real (yongchuan-towns data below). Village and community names are
composed from the parts Chongqing place names are made of (地貌 + 吉祥字: 石梯子村, 临江村, 萱花社区),
so the demo looks like a district without claiming to be its actual village list. Everything is
drawn from ``random.Random(seed)``: the same seed gives the same tree, byte for byte.

Codes follow the statistical division codes (统计用区划代码): a town's first 9 digits plus a 3-digit
serial, communities (居委会) 001–099 and villages (村委会) 200+; grids add ``-NN``.
"""

from __future__ import annotations

import random
from pathlib import Path

from yibiaotong.orgunits import OrgTree, OrgUnit, write_csv

DISTRICT = ("500118000000", "永川区")
# (code, name, kind) of the real 23 towns and subdistricts of 重庆市永川区
TOWNS = [
    ("500118001000", "中山路街道", "subdistrict"), ("500118002000", "胜利路街道", "subdistrict"),
    ("500118003000", "南大街街道", "subdistrict"), ("500118004000", "茶山竹海街道", "subdistrict"),
    ("500118005000", "大安街道", "subdistrict"), ("500118006000", "陈食街道", "subdistrict"),
    ("500118007000", "卫星湖街道", "subdistrict"), ("500118100000", "青峰镇", "town"),
    ("500118102000", "金龙镇", "town"), ("500118103000", "临江镇", "town"), ("500118104000", "何埂镇", "town"),
    ("500118105000", "松溉镇", "town"), ("500118106000", "仙龙镇", "town"), ("500118107000", "吉安镇", "town"),
    ("500118108000", "五间镇", "town"), ("500118109000", "来苏镇", "town"), ("500118110000", "宝峰镇", "town"),
    ("500118111000", "双石镇", "town"), ("500118112000", "红炉镇", "town"), ("500118113000", "永荣镇", "town"),
    ("500118114000", "三教镇", "town"), ("500118115000", "板桥镇", "town"), ("500118116000", "朱沱镇", "town"),
]
# the three old-town subdistricts are fully urban; the other four still have villages
URBAN = {"500118001000", "500118002000", "500118003000"}

# village names: a ready-made local name, or a modifier + a landform (双河, 石桥, 桂花湾)
VILLAGE_NAMES = [
    "黄瓜山", "石梯子", "观音岩", "大石盘", "燕子岩", "狮子岩", "猫儿沟", "凉水井", "马鞍山", "青杠坡", "白鹤林",
    "黄桷树", "老鹰岩", "水井湾", "龙井湾", "高洞子", "天堂坝", "牛角湾", "花果山", "梨子坝", "桂花湾", "向家沟",
    "五星", "红旗", "团结", "胜利", "新华", "太平", "永和", "复兴", "兴隆", "和平", "建设", "前进", "长春",
]
MODIFIERS = list("大小石龙凤金银青白红黄双三五高长新老桂茶松竹梨桃荷柏杨玉万天马鹤狮古兴安永福寿")
LANDFORMS = list("山河桥湾坝岩林塘沟坪岭寺堰井滩坡嘴垭田庙溪池冲岗")
# community names: the characters of old Yongchuan (棠城, 昌州, 萱花) and of new estates
COMMUNITY_NAMES = [
    "萱花", "红河", "玉屏", "凤凰", "文曲", "兴龙", "昌州", "棠城", "和顺", "人民", "新城", "双竹", "桂山", "星光",
    "汇龙", "鹤鸣", "宝珠", "南华", "东岳", "西湖", "北山", "光彩", "永兴", "渝西", "关帝", "文昌", "望城", "御临",
    "金科", "凤鸣", "卧龙", "竹溪", "双湖", "枫林", "兴旺", "红星", "康庄", "映天", "圣水", "翰林", "紫薇", "学府",
    "青年", "官渡", "临渡", "大河", "九龙", "朝阳", "中山", "胜利", "城南", "城北", "城东", "城西", "南门", "北门",
    "东门", "西门", "大南", "桥南", "桥北", "花园", "锦绣", "天府", "新民", "建设", "光明", "明珠", "黄瓜山", "萱花桥",
    "茶竹", "云谷", "湖光", "滨江", "塘坊", "石脚", "双龙", "上游", "神女", "五一",
]
# a town's centre (场镇) has one or two communities named after its streets or the town itself
TOWN_CENTRE = ["正街", "新街", "场镇", "滨河", "新城", "老街"]
GRID_NUMBERS = "一二三四五六七八九"


def generate_org_tree(seed: int = 2024) -> list[dict]:
    """Units as rows {code, name, level, parent_code, kind}, parents before children."""
    rnd = random.Random(seed)
    rows = [_row(DISTRICT[0], DISTRICT[1], 1, None, "district")]
    used: set[str] = set()  # names are unique district-wide, so an address never needs its town to be read
    for code, name, kind in TOWNS:
        rows.append(_row(code, name, 2, DISTRICT[0], kind))
        if kind == "subdistrict":
            communities = rnd.randint(8, 12) if code in URBAN else rnd.randint(4, 6)
            villages = 0 if code in URBAN else rnd.randint(3, 7)
        else:
            communities, villages = rnd.choice([1, 1, 2]), rnd.randint(8, 12)
        units = []
        for i in range(communities):
            units.append((f"{code[:9]}{i + 1:03d}", _community_name(rnd, used, name, kind, i), "community"))
        for i in range(villages):
            units.append((f"{code[:9]}{201 + i:03d}", _village_name(rnd, used, name, kind, i), "village"))
        for unit_code, unit_name, unit_kind in units:
            rows.append(_row(unit_code, unit_name, 3, code, unit_kind))
            # city communities are denser and get more grids than villages
            grids = rnd.randint(4, 6) if unit_kind == "community" and kind == "subdistrict" else rnd.randint(2, 4)
            for g in range(grids):
                rows.append(_row(f"{unit_code}-{g + 1:02d}", f"第{GRID_NUMBERS[g]}网格", 4, unit_code, "grid"))
    return rows


def write_org_tree(path: str | Path, seed: int = 2024) -> Path:
    """Write the tree as orgunits.csv (docs/pack-format.md), checked by the org tree itself."""
    rows = generate_org_tree(seed)
    tree = OrgTree(OrgUnit(r["code"], r["name"], r["kind"], r["parent_code"]) for r in rows)
    path = Path(path)
    write_csv(tree, path)
    return path


def _row(code: str, name: str, level: int, parent: str | None, kind: str) -> dict:
    return {"code": code, "name": name, "level": level, "parent_code": parent, "kind": kind}


def _village_name(rnd: random.Random, used: set[str], town: str, kind: str, i: int) -> str:
    stem = town[:-1]
    if kind == "town" and i == 0 and f"{stem}村" not in used and rnd.random() < 0.4:
        return _take(used, f"{stem}村")  # the village at the town centre often carries the town's name
    while True:
        if rnd.random() < 0.35:
            base = rnd.choice(VILLAGE_NAMES)
        else:
            base = rnd.choice(MODIFIERS) + rnd.choice(LANDFORMS)
        if f"{base}村" not in used:
            return _take(used, f"{base}村")


def _community_name(rnd: random.Random, used: set[str], town: str, kind: str, i: int) -> str:
    if kind == "town":
        first = f"{town[:-1]}社区"
        if i == 0 and first not in used:
            return _take(used, first)
        pool = [f"{w}社区" for w in TOWN_CENTRE + COMMUNITY_NAMES]
    else:
        pool = [f"{w}社区" for w in COMMUNITY_NAMES]
    free = [n for n in pool if n not in used]
    if not free:  # the pools are larger than any town needs; this only guards edits to them
        free = [f"{rnd.choice(MODIFIERS)}{rnd.choice(LANDFORMS)}社区"]
    return _take(used, rnd.choice(free))


def _take(used: set[str], name: str) -> str:
    used.add(name)
    return name


if __name__ == "__main__":
    import sys

    out = write_org_tree(sys.argv[1] if len(sys.argv) > 1 else "packs/yongchuan/orgunits.csv")
    print(f"wrote {out}")
