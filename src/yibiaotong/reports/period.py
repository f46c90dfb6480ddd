"""The period a report is about (报告期): a month such as 2024-01."""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date

from yibiaotong.errors import Problem, YbtError

_MONTH = re.compile(r"^\s*(\d{4})\s*(?:-|/|\.|年)\s*(\d{1,2})\s*月?\s*$")


@dataclass(frozen=True)
class Period:
    year: int
    month: int

    @classmethod
    def parse(cls, text: str | Period) -> Period:
        """2024-01, 2024/1, 2024.01 or 2024年1月."""
        if isinstance(text, Period):
            return text
        m = _MONTH.match(str(text or ""))
        if not m or not 1 <= int(m.group(2)) <= 12:
            raise YbtError(Problem("invalid-period", {"value": str(text)}))
        return cls(int(m.group(1)), int(m.group(2)))

    @property
    def text(self) -> str:
        """'YYYY-MM', as month elements are stored."""
        return f"{self.year:04d}-{self.month:02d}"

    @property
    def zh(self) -> str:
        return f"{self.year}年{self.month}月"

    @property
    def start(self) -> date:
        return date(self.year, self.month, 1)

    @property
    def end(self) -> date:
        return date(self.year, self.month, calendar.monthrange(self.year, self.month)[1])

    @property
    def quarter(self) -> int:
        return (self.month - 1) // 3 + 1

    def params(self, org_unit: str) -> dict:
        """What :period, :today, :period_start, :period_end and :org_unit mean in expressions.
        ``today`` is the period's last day, so age(birth_date) is the age the report is about."""
        return {"period": self.text, "today": self.end, "period_start": self.start, "period_end": self.end,
                "org_unit": org_unit}

    def __str__(self) -> str:
        return self.text
