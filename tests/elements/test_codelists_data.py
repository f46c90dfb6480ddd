"""Data checks for the national code lists shipped in packs/standard/codelists.

These read the YAML directly (yaml.safe_load) so they guard the data itself: shape, uniqueness,
hierarchy, and a sample of exact codes from each published standard.
"""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest
import yaml

CODELIST_DIR = Path(__file__).resolve().parents[2] / "packs" / "standard" / "codelists"
FILES = sorted(CODELIST_DIR.glob("*.yaml"))
ITEM_KEYS = {"code", "label", "aliases", "parent", "roman", "letter_code"}


def _fold(text: str) -> str:
    # same folding as yibiaotong.elements.model._fold: NFKC, no whitespace, lower case
    return "".join(unicodedata.normalize("NFKC", str(text)).split()).lower()


def _load(path: Path) -> dict:
    with path.open(encoding="utf-8") as fh:
        return yaml.safe_load(fh)


LISTS = {path.stem: _load(path) for path in FILES}


def _items(list_id: str) -> dict[str, dict]:
    return {item["code"]: item for item in LISTS[list_id]["items"]}


def test_expected_files_present():
    expected = {
        "gb_t_2261_1_sex", "gb_t_2261_2_marital_status", "gb_t_3304_ethnic_group",
        "gb_t_4761_family_relationship", "gb_t_4658_education", "gb_t_4762_political_status",
        "gb_t_26341_disability_category", "gb_t_26341_disability_level", "gb_t_2260_chongqing",
        "yes_no",
    }
    assert expected <= set(LISTS)


def test_ids_unique_and_match_file_stem():
    ids = [data["id"] for data in LISTS.values()]
    assert len(ids) == len(set(ids))
    for stem, data in LISTS.items():
        assert data["id"] == stem


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_list_shape(path: Path):
    data = _load(path)
    assert set(data) == {"id", "name", "standard", "items"}
    assert isinstance(data["name"], str) and data["name"]
    assert isinstance(data["standard"], str) and data["standard"]
    assert isinstance(data["items"], list) and data["items"]
    for item in data["items"]:
        assert set(item) <= ITEM_KEYS, item
        assert isinstance(item["code"], str) and item["code"], item
        assert item["code"] == item["code"].strip()
        assert isinstance(item["label"], str) and item["label"], item
        aliases = item.get("aliases", [])
        assert isinstance(aliases, list)
        assert all(isinstance(a, str) and a for a in aliases), item
        for key in ("parent", "roman", "letter_code"):
            if key in item:
                assert isinstance(item[key], str) and item[key], item


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_codes_labels_aliases_unique(path: Path):
    items = _load(path)["items"]
    codes = [item["code"] for item in items]
    assert len(codes) == len(set(codes)), "duplicate codes"
    labels = [item["label"] for item in items]
    assert len(labels) == len(set(labels)), "duplicate labels"
    # every spelling (label or alias) must resolve to exactly one item after folding,
    # and must not look like another item's code (codes win on lookup)
    owner: dict[str, str] = {}
    folded_codes = {_fold(c): c for c in codes}
    for item in items:
        for spelling in (item["label"], *item.get("aliases", [])):
            key = _fold(spelling)
            assert owner.get(key, item["code"]) == item["code"], f"{spelling!r} is ambiguous"
            assert folded_codes.get(key, item["code"]) == item["code"], f"{spelling!r} is another code"
            owner[key] = item["code"]
        assert len(item.get("aliases", [])) == len({_fold(a) for a in item.get("aliases", [])})
        assert _fold(item["label"]) not in {_fold(a) for a in item.get("aliases", [])}


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_parents_exist_and_precede(path: Path):
    seen: set[str] = set()
    for item in _load(path)["items"]:
        parent = item.get("parent")
        if parent is not None:
            assert parent in seen, f"{item['code']} parent {parent} missing or after child"
            assert parent != item["code"]
        seen.add(item["code"])


def test_same_length_codes_within_list():
    for list_id, data in LISTS.items():
        lengths = {len(item["code"]) for item in data["items"]}
        assert len(lengths) == 1, list_id


def test_sex():
    items = _items("gb_t_2261_1_sex")
    assert {c: i["label"] for c, i in items.items()} == {
        "0": "未知的性别", "1": "男", "2": "女", "9": "未说明的性别"}
    assert LISTS["gb_t_2261_1_sex"]["standard"] == "GB/T 2261.1-2003"


def test_marital_status():
    items = _items("gb_t_2261_2_marital_status")
    assert {c: i["label"] for c, i in items.items()} == {
        "10": "未婚", "20": "已婚", "21": "初婚", "22": "再婚", "23": "复婚",
        "30": "丧偶", "40": "离婚", "90": "未说明的婚姻状况"}
    assert items["22"]["parent"] == "20"
    assert "有配偶" in items["20"]["aliases"]


def test_ethnic_groups():
    items = _items("gb_t_3304_ethnic_group")
    numbered = [c for c in items if int(c) <= 56]
    assert numbered == [f"{n:02d}" for n in range(1, 57)]
    assert len(numbered) == 56
    assert set(items) - set(numbered) == {"97", "98"}
    expected = {
        "01": ("汉族", "Han", "HA"), "02": ("蒙古族", "Mongol", "MG"), "04": ("藏族", "Zang", "ZA"),
        "05": ("维吾尔族", "Uygur", "UG"), "06": ("苗族", "Miao", "MH"), "08": ("壮族", "Zhuang", "ZH"),
        "10": ("朝鲜族", "Chosen", "CS"), "15": ("土家族", "Tujia", "TJ"), "30": ("土族", "Tu", "TU"),
        "44": ("俄罗斯族", "Russ", "RS"), "46": ("德昂族", "Deang", "DE"), "49": ("京族", "Gin", "GI"),
        "55": ("珞巴族", "Lhoba", "LB"), "56": ("基诺族", "Jino", "JN"),
    }
    for code, (label, roman, letter) in expected.items():
        item = items[code]
        assert (item["label"], item["roman"], item["letter_code"]) == (label, roman, letter)
    assert items["98"]["label"] == "外国血统中国籍人士"
    letters = [i["letter_code"] for i in items.values() if "letter_code" in i]
    assert len(letters) == 56 and len(set(letters)) == 56
    assert "汉" in items["01"]["aliases"]


def test_family_relationship():
    items = _items("gb_t_4761_family_relationship")
    assert items["01"]["label"] == "本人"
    assert items["02"]["label"] == "户主"
    spot = {"10": "配偶", "11": "夫", "12": "妻", "20": "子", "21": "独生子", "28": "女婿",
            "30": "女", "38": "儿媳", "40": "孙子、孙女或外孙子、外孙女", "51": "父亲", "52": "母亲",
            "55": "岳父", "61": "祖父", "64": "外祖母", "71": "兄", "77": "妹妹", "80": "其他",
            "93": "侄子", "97": "其他亲属", "99": "非亲属"}
    for code, label in spot.items():
        assert items[code]["label"] == label
    assert items["11"]["parent"] == "10"
    assert items["95"]["parent"] == "80"
    assert "儿子" in items["20"]["aliases"] and "女儿" in items["30"]["aliases"]
    assert "丈夫" in items["11"]["aliases"] and "妻子" in items["12"]["aliases"]
    assert len(items) == 84  # 01, 02, 10-12, 20-79 (60), 80-97 (18), 99


def test_education():
    items = _items("gb_t_4658_education")
    spot = {"10": "研究生教育", "11": "博士研究生毕业", "14": "硕士研究生毕业", "19": "研究生班肄业",
            "20": "大学本科/专科教育", "21": "大学本科毕业", "28": "大学普通班毕业",
            "31": "大学专科毕业", "40": "中等职业教育", "47": "技工学校毕业",
            "60": "普通高级中学教育", "61": "普通高中毕业", "71": "初中毕业", "73": "初中肄业",
            "81": "小学毕业", "83": "小学肄业", "90": "其他"}
    for code, label in spot.items():
        assert items[code]["label"] == label
    # codes that do not exist in the 2006 edition
    for missing in ("30", "50", "72", "82", "91"):
        assert missing not in items
    assert items["31"]["parent"] == "20"
    assert "大专" in items["31"]["aliases"] and "本科" in items["21"]["aliases"]
    assert len(items) == 39


def test_political_status():
    items = _items("gb_t_4762_political_status")
    assert [c for c in items] == [f"{n:02d}" for n in range(1, 14)]
    assert items["01"]["label"] == "中国共产党党员"
    assert items["03"]["label"] == "中国共产主义青年团团员"
    assert items["10"]["label"] == "九三学社社员"
    assert items["12"]["label"] == "无党派民主人士"
    assert items["13"]["label"] == "群众"
    assert {"党员", "中共党员"} <= set(items["01"]["aliases"])
    assert {"团员", "共青团员"} <= set(items["03"]["aliases"])


def test_disability_category_and_level():
    cats = _items("gb_t_26341_disability_category")
    assert {c: i["label"] for c, i in cats.items()} == {
        "1": "视力残疾", "2": "听力残疾", "3": "言语残疾", "4": "肢体残疾",
        "5": "智力残疾", "6": "精神残疾", "7": "多重残疾"}
    levels = _items("gb_t_26341_disability_level")
    assert {c: i["label"] for c, i in levels.items()} == {"1": "一级", "2": "二级", "3": "三级", "4": "四级"}
    assert {"1级", "一级残疾"} <= set(levels["1"]["aliases"])


def test_chongqing_divisions():
    items = _items("gb_t_2260_chongqing")
    assert items["500000"]["label"] == "重庆市"
    counties = {c: i for c, i in items.items() if c != "500000"}
    assert len(counties) == 38
    assert all(i["parent"] == "500000" for i in counties.values())
    districts = [c for c, i in counties.items() if i["label"].endswith("区")]
    assert len(districts) == 26
    assert len(counties) - len(districts) == 12
    spot = {"500101": "万州区", "500103": "渝中区", "500110": "綦江区", "500111": "大足区",
            "500118": "永川区", "500120": "璧山区", "500151": "铜梁区", "500152": "潼南区",
            "500153": "荣昌区", "500154": "开州区", "500155": "梁平区", "500156": "武隆区",
            "500229": "城口县", "500233": "忠县", "500240": "石柱土家族自治县",
            "500243": "彭水苗族土家族自治县"}
    for code, label in spot.items():
        assert items[code]["label"] == label
    # abolished / renumbered codes must not be present
    for gone in ("500222", "500223", "500224", "500226", "500227", "500228", "500232", "500234"):
        assert gone not in items


def test_yes_no():
    items = _items("yes_no")
    assert {c: i["label"] for c, i in items.items()} == {"1": "是", "0": "否"}
    assert {"有", "√", "Y"} <= set(items["1"]["aliases"])
    assert {"无", "×", "N"} <= set(items["0"]["aliases"])


def test_model_lookup_roundtrip():
    """The YAML feeds the CodeList model as-is: every label/alias resolves to its own code."""
    from yibiaotong.elements.model import CodeItem, CodeList

    for list_id, data in LISTS.items():
        cl = CodeList(
            id=data["id"], name=data["name"], standard=data["standard"],
            items=tuple(
                CodeItem(code=i["code"], label=i["label"], aliases=tuple(i.get("aliases", [])),
                         parent=i.get("parent"))
                for i in data["items"]
            ),
        )
        for item in data["items"]:
            assert cl.lookup(item["code"]) == item["code"], list_id
            for spelling in (item["label"], *item.get("aliases", [])):
                assert cl.lookup(spelling) == item["code"], (list_id, spelling)
