"""An ID number against the birth date and sex written beside it (身份证号码与出生日期、性别一致性).

A resident ID number (GB 11643) holds its person's birth date (digits 7-14) and sex (digit 17: odd
for men, even for women). A row whose 出生日期 or 性别 says otherwise has one of them wrong, and the
import cannot tell which: the row is refused with both values named, for the clerk to check. A
birth date on the first of a month whose year and month agree is taken as a month printed alone
(出生年月). Codes 0 and 9 of GB/T 2261.1 (unknown, not stated) agree with any number.

Columns are compared as wholes (a few passes in C over a chunk of rows); only the rows that differ
are looked at one by one.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from itertools import compress
from operator import ne

from yibiaotong.errors import Problem

_SEX_OF_DIGIT = {str(d): "1" if d % 2 else "2" for d in range(10)}
_SEX_WORDS = {"1": "男", "2": "女"}


class IdentityCheck:
    """Checks chunk after chunk of one sheet; birth dates met before are not formatted again."""

    def __init__(self) -> None:
        self._ymd: dict[date, str] = {}

    def birth_dates(self, ids: Sequence[str | None], births: Sequence[date | None]) -> dict[int, Problem]:
        """Rows (positions) whose birth date the ID number denies, with the problem to say."""
        from_id = [x[6:14] if x else None for x in ids]
        memo = self._ymd
        written = list(map(memo.get, births))
        if None in written:  # a blank cell, or a date not met before
            for i in [i for i, text in enumerate(written) if text is None and births[i] is not None]:
                written[i] = memo[births[i]] = f"{births[i]:%Y%m%d}"
        found = {}
        for i in compress(range(len(ids)), map(ne, from_id, written)):
            a, b = from_id[i], written[i]
            if a is None or b is None or (b.endswith("01") and a[:6] == b[:6]):
                continue
            found[i] = Problem("birth-date-differs-from-id", {
                "value": births[i].isoformat(), "id_value": f"{a[:4]}-{a[4:6]}-{a[6:]}"})
        return found

    @staticmethod
    def sexes(ids: Sequence[str | None], sexes: Sequence[str | None]) -> dict[int, Problem]:
        """Rows whose sex (a GB/T 2261.1 code) the ID number denies, with the problem to say."""
        from_id = [_SEX_OF_DIGIT.get(x[16]) if x else None for x in ids]
        found = {}
        for i in compress(range(len(ids)), map(ne, from_id, sexes)):
            a, b = from_id[i], sexes[i]
            if a is None or b not in _SEX_WORDS:
                continue
            found[i] = Problem("gender-differs-from-id", {"value": _SEX_WORDS[b], "id_value": _SEX_WORDS[a]})
        return found


__all__ = ["IdentityCheck"]
