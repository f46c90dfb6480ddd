"""Guessing the type and unit of a proposed element from how forms print it.

A person reviews these in the pack (elements/consolidated.yaml); the guess only has to be
sensible: 是否… is yes/no, …(亩) is an area, …日期 a date, 人数 a count; a date of something
that has happened (发证日期, 确诊时间, 最近走访时间) may not lie ahead.
"""

from __future__ import annotations

import re

from yibiaotong.elements.model import DATE_TYPES
from yibiaotong.elements.numbers import canonical_unit, unit_factor

MONEY = {"元", "万元", "千元", "亿元", "角", "分"}
COUNTS = {"人", "户", "个", "次", "头", "只", "家", "处", "间", "栋", "套", "辆", "名", "件", "所", "岁"}
_RATE = re.compile(r"(比例|比率|占比|率)$")
# dates of events a form reports once they have happened; a plan, a deadline or a term may lie ahead
_HAPPENED = re.compile(r"出生|死亡|去世|伤残|发证|确诊|发病|入党|迁出|入院|认定|认证|受灾|失业登记|体检|随访|探访|走访"
                       r"|复核|核定|最近|首次|签订|签约|缴费日期|放款|公示|办理|加入|纳入|列管|发现|反馈|核验|核算|化解|验收"
                       r"|救助|结对|帮扶|劝返|聘用|评估|变动|任职|适配|悬挂|外出|消除")
_AHEAD = re.compile(r"计划|预期|预计|到期|截止|期限|起止|起始|有效期|下次|下一次|预约|^拟|应于|应当|^应[复核完办]|待定|^待[复核审办]")


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


def infer_validation(labels: list[str], kind: str) -> dict[str, bool]:
    """The rules a proposed element's values are checked by: ``not_future`` for the date of
    something that has happened (see :data:`_HAPPENED`), never for a plan or a deadline."""
    first = labels[0] if labels else ""
    if kind in DATE_TYPES and _HAPPENED.search(first) and not _AHEAD.search(first):
        return {"not_future": True}
    return {}
