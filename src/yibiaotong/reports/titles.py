"""Filling the lines above a table (标题、填报单位、填报日期): the org unit and the period go where
the template leaves room for them, so a generated report names whom and when it is about.

Only blanks are filled: ``填报单位：`` followed by spaces or underscores, ``____年__月`` in a title;
text a template already carries (``单位：元``) stays as printed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from yibiaotong.reports.period import Period

_GAP = r"[\s_＿\u3000]*"
_YEAR_MONTH = re.compile(r"(?:(?:19|20)\d\d|[_＿\s\u3000XxＸ×*]{2,}|20[_＿\s\u3000]+)\s*年(?:度)?"
                         r"[_＿\s\u3000XxＸ×*\d]*月(?:份)?")
_SOME_MONTH = re.compile(r"某月|[XxＸ×]{1,2}月(?:份)?")
_PLACE = re.compile(r"(?:[_＿\u3000 XxＸ×]{2,}|某)(?:镇|乡|街道|村|社区)(?:（街道）|\(街道\)|（社区）|\(社区\))?")
_UNIT = re.compile(r"((?:填报|填表|报送|上报|报表|统计)?单位(?:名称)?(?:（盖章）|\(盖章\)|（章）)?\s*[：:])" + _GAP + r"(?=$|\s{2,})")
_DATE = re.compile(r"((?:填报|填表|报送|上报|制表)(?:日期|时间)\s*[：:])" + _GAP
                   + r"(?:(?:20)?" + _GAP + r"年" + _GAP + r"月" + _GAP + r"日)?" + _GAP + r"(?=$|\s{2,}|\S*[：:])")
_PERIOD = re.compile(r"((?:统计|报告|所属|数据)(?:时间|期|月份|期间|年月)\s*[：:])" + _GAP
                     + r"(?:(?:20)?" + _GAP + r"年" + _GAP + r"月(?:份)?)?" + _GAP + r"(?=$|\s{2,})")


@dataclass(frozen=True)
class Place:
    """The org unit a report is for, by the names its ancestors and it carry."""

    names: tuple[str, ...]  # from the top: 永川区, 临江镇, 红星村

    @property
    def full(self) -> str:
        return "".join(self.names)

    @property
    def name(self) -> str:
        return self.names[-1] if self.names else ""


def fill_title(title: str, place: Place, period: Period) -> str:
    text = title
    dated = False
    if _YEAR_MONTH.search(text):
        text, dated = _YEAR_MONTH.sub(period.zh, text, count=1), True
    elif _SOME_MONTH.search(text):
        text, dated = _SOME_MONTH.sub(f"{period.month}月", text, count=1), True
    elif re.search(r"(19|20)\d\d\s*年", text):
        dated = True  # the template names its own year: leave it
    if _PLACE.search(text):
        text = _PLACE.sub(place.name, text, count=1)
    else:
        text = _with_place(text, place)
    return text if dated else f"{text}（{period.zh}）"


def _with_place(title: str, place: Place) -> str:
    """永川区低保花名册 -> 永川区临江镇低保花名册; a title naming no place gets the full name first."""
    for i in range(len(place.names) - 1, -1, -1):
        name = place.names[i]
        if name and title.startswith(name):
            return "".join(place.names[: i + 1]) + "".join(place.names[i + 1:]) + title[len(name):]
    if any(n and n in title for n in place.names):
        return title
    return place.full + title


def fill_line(text: str, place: Place, period: Period, report_date: date) -> str:
    """填报单位：/填报日期：/统计时间： lines (wherever they are in the cell) with their blanks filled."""
    text = _UNIT.sub(lambda m: m.group(1) + place.full, text)
    text = _DATE.sub(lambda m: m.group(1) + f"{report_date.year}年{report_date.month}月{report_date.day}日", text)
    return _PERIOD.sub(lambda m: m.group(1) + period.zh, text)
