"""Guessing the type and unit of a proposed element from how forms print it.

A person reviews these in the pack (elements/consolidated.yaml); the guess only has to be
sensible: 是否… is yes/no, …(亩) is an area, …日期 a date, 人数 a count.
"""

from __future__ import annotations

import re

from yibiaotong.elements.numbers import canonical_unit, unit_factor

MONEY = {"元", "万元", "千元", "亿元", "角", "分"}
COUNTS = {"人", "户", "个", "次", "头", "只", "家", "处", "间", "栋", "套", "辆", "名", "件", "所", "岁"}
_RATE = re.compile(r"(比例|比率|占比|率)$")


def infer_type(labels: list[str], unit: str | None, subject: str | None) -> tuple[str, str | None]:
    """(element type, unit) for a proposed element."""
    text = " ".join(labels)
    first = labels[0] if labels else ""
    if unit:
        u = canonical_unit(unit)
        if u in MONEY:
            return "amount", "元"
        if u in COUNTS:
            return "integer", u
        if unit_factor(u, u) is not None:
            return "decimal", u
        if "%" in u or "％" in u:
            return "decimal", "%"
    if first.startswith("是否") or "(是/否)" in text or "（是/否）" in text:
        return "boolean", None
    if re.search(r"(日期|时间)$", first):
        return "date", None
    if re.search(r"(年月|月份)$", first):
        return "month", None
    if re.search(r"(年份|年度)$", first):
        return "year", None
    if re.search(r"(电话|手机)", first):
        return "phone", None
    if re.search(r"身份证", first):
        return "id_number", None
    if _RATE.search(first):
        return "decimal", "%"
    if re.search(r"(金额|资金|补贴|补助|费用|收入|款)$", first):
        return "amount", "元"
    if re.search(r"(人数|户数|个数|次数|数量|头数|只数|间数)$", first) or (subject == "area" and first.endswith("数")):
        return "integer", None
    if re.search(r"面积$", first):
        return "decimal", "亩"
    return "text", None
