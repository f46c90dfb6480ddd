"""What a row's ID number says of its person, held against the row's own 出生日期 and 性别.

An 18-digit ID number carries its holder's birth date (digits 7–14) and sex (digit 17: odd for a
man). A roster whose 出生日期 or 性别 says otherwise holds a mistake in one of the two, and a ledger
keeping both would contradict itself: the row is returned to be mended, the cell marked, both
values said. A 出生年月 filled to the month only (1950.03, 1950年3月, as the column asks) is no date;
where the month is the ID number's, the ID number completes it.

Only columns written to a ledger keyed by the row's subject ID number are held against it (the
person's own birth date, not a household head's beside a member's ID number), and only for a
valid ID number (one that is not is said already, and linked by name and birth date).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from yibiaotong.elements.dates import parse_month
from yibiaotong.elements.idnumber import birth_date_of
from yibiaotong.errors import Problem

_ODD = frozenset("13579")
ID_FACTS = frozenset({"birth-date-not-id", "birth-month-not-id", "gender-not-id"})  # the problems said here
_SEX_WORDS = {"1": "男", "2": "女"}


class IdFacts:
    """The columns of a sheet's plan that an ID number's digits say too."""

    def __init__(self, id_index: int, birth: int | None, sex: int | None):
        self.id_index, self.birth, self.sex = id_index, birth, sex

    @classmethod
    def of(cls, plan, subject_ledgers: list[str]) -> IdFacts | None:
        if plan.id_index is None:
            return None
        ledgers = {plan.ledgers[lid].ledger for lid in subject_ledgers}
        own = [i for i, c in enumerate(plan.columns) if c.ledger in ledgers and c.element.role == "subject"]
        birth = next((i for i in own if plan.columns[i].element.type == "date"
                      and plan.columns[i].element.id == "birth_date"), None)
        sex = next((i for i in own if plan.columns[i].element.id == "gender"), None)
        return cls(plan.id_index, birth, sex) if birth is not None or sex is not None else None

    def check(self, cells: list[Sequence[Any]], converted: list[tuple[list[Any], dict[int, list[Problem]]]]) -> None:
        """A chunk's columns as converted (values, problems by row), mended in place: a month-only
        birth date the ID number completes is filled in, what disagrees with it is a problem of the
        cell."""
        ids = converted[self.id_index][0]
        if self.birth is not None:
            converted[self.birth] = self._births(ids, cells[self.birth], *converted[self.birth])
        if self.sex is not None:
            converted[self.sex] = self._sexes(ids, *converted[self.sex])

    def check_row(self, cells: Sequence[Any], results: list[tuple[Any, list[Problem]]]) -> list[tuple[Any, list[Problem]]]:
        """:meth:`check` for one row's cells and their (value, problems), as a record form's are."""
        converted = [([value], {0: problems} if problems else {}) for value, problems in results]
        self.check([[cell] for cell in cells], converted)
        return [(values[0], bad.get(0, [])) for values, bad in converted]

    def _births(self, ids: Sequence[Any], raw: Sequence[Any], values: list[Any],
                bad: dict[int, list[Problem]]) -> tuple[list[Any], dict[int, list[Problem]]]:
        texts = {d: f"{d:%Y%m%d}" for d in set(values) if d is not None}
        wrong = [i for i, (n, d) in enumerate(zip(ids, values)) if n and d is not None and n[6:14] != texts[d]]
        months = [i for i in bad if ids[i] and values[i] is None
                  and all(p.code == "invalid-date" for p in bad[i])] if bad else []
        if not wrong and not months:
            return values, bad
        values, bad = list(values), dict(bad)
        # 1952-3 typed into Excel is the date 1952-03-01: a month the ID number's day completes
        firsts = {i for i in wrong if values[i].day == 1 and ids[i][6:12] == texts[values[i]][:6]}
        for i in firsts:
            values[i] = birth_date_of(ids[i])
        wrong = [i for i in wrong if i not in firsts]
        for i in wrong:
            bad[i] = [*bad.get(i, []), _birth_problem(ids[i], values[i])]
        for i in months:
            own = f"{ids[i][6:10]}-{ids[i][10:12]}"
            month = _month(raw[i], own)
            if month is None:
                continue  # no month either: said as an invalid date
            if month == own:
                values[i] = birth_date_of(ids[i])
                del bad[i]
            else:
                bad[i] = [Problem("birth-month-not-id", {"value": str(raw[i]).strip(), "month": month,
                                                         "id_month": f"{ids[i][6:10]}年{int(ids[i][10:12])}月"})]
        return values, bad

    def _sexes(self, ids: Sequence[Any], values: list[Any], bad: dict[int, list[Problem]]
               ) -> tuple[list[Any], dict[int, list[Problem]]]:
        wrong = [i for i, (n, s) in enumerate(zip(ids, values))
                 if n and (s == "1" or s == "2") and (s == "1") != (n[16] in _ODD)]
        if not wrong:
            return values, bad
        bad = dict(bad)
        for i in wrong:
            said = "2" if values[i] == "1" else "1"
            bad[i] = [*bad.get(i, []), Problem("gender-not-id", {"value": _SEX_WORDS[values[i]],
                                                                 "id_sex": _SEX_WORDS[said]})]
        return values, bad


def _month(raw: Any, own: str) -> str | None:
    """The month a birth date filled to the month says; 1952.1 (a number: Excel dropped the 0 of
    1952.10) is January or October, whichever the ID number's is."""
    if isinstance(raw, float) and repr(raw).endswith(".1") and len(repr(raw)) == 6:
        year = repr(raw)[:4]
        return own if own in (f"{year}-01", f"{year}-10") else f"{year}-01 或 {year}-10"
    return parse_month(raw)[0]


def _birth_problem(id_number: str, born) -> Problem:
    inside = birth_date_of(id_number)
    return Problem("birth-date-not-id", {"value": born.isoformat(), "id_birth": inside.isoformat(),
                                         "id_birth_zh": f"{inside.year}年{inside.month}月{inside.day}日"})
