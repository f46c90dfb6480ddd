from __future__ import annotations

import ast
import pathlib

from yibiaotong.errors import CATALOG, Problem, YbtError

SRC = pathlib.Path(__file__).resolve().parents[1] / "src" / "yibiaotong"


def test_problem_renders_chinese_english_hint_and_location():
    p = Problem("invalid-date", {"value": "2023-02-29"}, {"file": "a.xlsx", "sheet": "1月", "row": 5, "column": "C",
                                                          "header": "出生日期"})
    assert str(p) == "文件 a.xlsx 工作表 1月 第5行 C列（出生日期）：日期无效：2023-02-29。请写成 2024-01-05 或 2024年1月5日。"
    d = p.to_dict()
    assert d["code"] == "invalid-date" and d["message_en"] == "not a valid date: 2023-02-29"
    assert d["location"] == {"file": "a.xlsx", "sheet": "1月", "row": 5, "column": "C", "header": "出生日期"}


def test_error_carries_every_problem_in_one_json_shape():
    err = YbtError([Problem("missing-key", {"column": "id_number"}), Problem("unknown-org-unit", {"org_unit": "9"})])
    body = err.to_dict()
    assert body["ok"] is False and body["error"] == "missing-key" and len(body["details"]) == 2


def test_braces_in_user_values_never_break_messages():
    assert "{0}" in Problem("invalid-date", {"value": "{0}"}).message_zh


def test_every_problem_code_used_in_the_code_is_catalogued():
    used = set()
    for path in SRC.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            name = getattr(node, "func", None) and getattr(node.func, "id", getattr(node.func, "attr", None))
            if name in ("Problem", "of", "_problem", "_bad") and node.args and isinstance(node.args[0], ast.Constant) \
                    and isinstance(node.args[0].value, str):
                used.add(node.args[0].value)
    assert used, "the scan found no problem codes at all"
    assert used - set(CATALOG) == set()
    for code, t in CATALOG.items():
        assert code == code.lower() and " " not in code and t.zh and t.en
