"""Who is disabled, who died or moved away this half year, who receives which benefit, and the
monthly payments (发放记录) that follow — all consistent with each other, so that every
inconsistency in the data is one planted on purpose (planted.py).

Normal behaviour, which the rules of the planted problems rely on:
- a benefit is paid every month from its first month to its last; a newly approved benefit's
  first month is paid as 补发 in the following month (and has no regular payment);
- payments stop with the month of death, before the month a person's 户籍 moves out, and with the
  month a disability certificate expires;
- everyone aged 80 or more at the end of this month (alive, 户籍 here) receives 高龄津贴 this month;
- nobody receives both 低保 and 特困供养.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from yibiaotong.demo.names import Weighted
from yibiaotong.demo.people import Disability, Household, Person, add_years
from yibiaotong.elements.dates import age_on

PAYMENT_TYPES = {  # subsidy (补贴类型) -> payment type (发放类型) as the payment rosters name it
    "低保": "低保金", "特困供养": "特困供养金", "高龄津贴": "高龄津贴",
    "困难残疾人生活补贴": "困难残疾人生活补贴", "重度残疾人护理补贴": "重度残疾人护理补贴",
}
BACK_PAY = "（补发）"
DISABILITY_SUBSIDIES = ("困难残疾人生活补贴", "重度残疾人护理补贴")


def month_of(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def add_months(month: str, n: int) -> str:
    y, m = int(month[:4]), int(month[5:7]) - 1 + n
    return f"{y + m // 12:04d}-{m % 12 + 1:02d}"


def window(today: date, months: int = 6) -> list[str]:
    """The last ``months`` months, this month last."""
    return [add_months(month_of(today), -i) for i in range(months - 1, -1, -1)]


@dataclass(eq=False)
class Benefit:
    person: Person
    subsidy: str
    amount: Decimal  # per month, 元
    start: str  # first month it is due
    end: str | None = None  # last month it is due; None: still running
    approved: date | None = None
    record_number: str = ""


@dataclass(eq=False)
class Payment:
    person: Person
    subsidy: str
    month: str
    amount: Decimal
    paid_on: date
    back_pay: bool = False

    @property
    def payment_type(self) -> str:
        return PAYMENT_TYPES[self.subsidy] + (BACK_PAY if self.back_pay else "")


@dataclass(eq=False)
class Welfare:
    """A village's benefits and what was paid."""

    benefits: list[Benefit] = field(default_factory=list)
    payments: list[Payment] = field(default_factory=list)


def _by_age(table: dict, age: int) -> float:
    value = 0.0
    for start, v in sorted((int(k), float(v)) for k, v in table.items()):
        if age >= start:
            value = v
    return value


def assign_conditions(rnd: random.Random, households: list[Household], today: date, dist: dict) -> None:
    """Disabilities, and the deaths and moves of the last six months."""
    categories = Weighted(dist["disability_categories"])
    levels = Weighted(dist["disability_levels"])
    years = int(dist["certificate_years"])
    first_day = date.fromisoformat(window(today)[0] + "-01")
    span = (today - first_day).days
    for h in households:
        for p in h.members:
            age = p.age(today)
            if rnd.random() < _by_age(dist["disability_by_age"], age):
                # issued within the last ten years (renewed when expired), a few lapsed before
                issued = today - timedelta(days=rnd.randrange(0, 365 * years + 400))
                p.disability = Disability(categories.draw(rnd), levels.draw(rnd), rnd.choice(dist["disability_causes"]),
                                          add_years(issued, years) - timedelta(days=1))
                if p.birth > issued:  # certificates are not older than their holders
                    p.disability.valid_until = add_years(today, rnd.randint(1, years - 1))
            if rnd.random() < _by_age(dist["mortality"], age) / 2:
                p.death_date = first_day + timedelta(days=rnd.randrange(0, span + 1))
                p.hukou_status = "3"
            elif 18 <= age <= 45 and rnd.random() < float(dist["moved_out_share"]):
                p.hukou_status = "2"
                p.tags.add("moved_in_month:" + month_of(first_day + timedelta(days=rnd.randrange(0, span + 1))))


def moved_month(p: Person) -> str | None:
    return next((t.split(":", 1)[1] for t in p.tags if t.startswith("moved_in_month:")), None)


def last_due_month(p: Person, months: list[str]) -> str | None:
    """The last month a benefit may be paid to this person: death month, or the month before the
    户籍 moved out (unknown move dates count as before the window)."""
    if p.death_date:
        return month_of(p.death_date)
    if p.hukou_status != "1":
        moved = moved_month(p)
        return add_months(moved, -1) if moved else add_months(months[0], -1)
    return None


class BenefitMaker:
    def __init__(self, today: date, dist: dict) -> None:
        self.today = today
        self.months = window(today)
        self.amounts = dist["amounts"]
        self.dibao_share = float(dist["dibao_household_share"])
        self.tekun_share = float(dist["tekun_household_share"])
        self.serial = 0

    def build(self, rnd: random.Random, households: list[Household], withheld: set[Person]) -> Welfare:
        """Benefits of one village; ``withheld`` are residents whose 高龄津贴 a clerk forgot (planted)."""
        w = Welfare()
        for h in households:
            self._dibao_or_tekun(rnd, h, w)
        for h in households:
            for p in h.members:
                self._old_age(rnd, p, w, withheld)
                self._disability(rnd, p, h, w)
        for b in w.benefits:
            self._pay(rnd, b, w)
        return w

    def _benefit(self, rnd: random.Random, p: Person, subsidy: str, amount, start: str, w: Welfare) -> Benefit:
        self.serial += 1
        first_day = date.fromisoformat(start + "-01")
        approved = first_day - timedelta(days=rnd.randrange(5, 25))
        b = Benefit(p, subsidy, Decimal(amount), start, last_due_month(p, self.months), approved,
                    f"YC{approved.year}{p.household.village.code[6:12]}{self.serial:05d}")
        p.tags.add(subsidy)
        w.benefits.append(b)
        return b

    def _start(self, rnd: random.Random, years_back: float) -> str:
        """A first month: mostly years ago, sometimes within the window (new beneficiaries)."""
        if rnd.random() < 0.08:
            return rnd.choice(self.months[:-1])
        days = rnd.randrange(180, int(365 * years_back))
        return month_of(self.today - timedelta(days=days))

    def _dibao_or_tekun(self, rnd: random.Random, h: Household, w: Welfare) -> None:
        head = h.head
        risk = 1.0
        if head.age(self.today) >= 70:
            risk *= 2
        if any(p.disability for p in h.members):
            risk *= 2.5
        if h.type in ("single_parent", "skip_generation"):
            risk *= 2
        lone_and_frail = len(h.members) == 1 and (head.age(self.today) >= 65 or (head.disability and head.disability.severe))
        if lone_and_frail and rnd.random() < self.tekun_share * 12:
            h.tekun = head
            if rnd.random() < 0.2:
                head.tags.add("集中供养")  # lives in the town's 敬老院
            rural = h.village.rural
            care = self.amounts["tekun_care"][self._self_care(head)]
            basic = self.amounts["tekun_basic_rural" if rural else "tekun_basic_urban"]
            self._benefit(rnd, head, "特困供养", basic + care, self._start(rnd, 12), w)
        elif rnd.random() < self.dibao_share * risk / 1.6:
            h.dibao = True
            lo, hi = self.amounts["dibao_per_person"]
            amount = sum(rnd.randrange(lo, hi + 1, 10) for _ in h.members)
            self._benefit(rnd, head, "低保", amount, self._start(rnd, 8), w)
            for p in h.members:
                p.tags.add("低保对象")

    def _self_care(self, p: Person) -> str:
        age = p.age(self.today)
        if p.disability and p.disability.level == "1":
            return "3"
        if (p.disability and p.disability.severe) or age >= 90:
            return "2"
        return "1"

    def _old_age(self, rnd: random.Random, p: Person, w: Welfare, withheld: set[Person]) -> None:
        eightieth = add_years(p.birth, 80)
        if month_of(eightieth) > self.months[-1] or p in withheld:
            return
        if p.hukou_status == "2" and month_of(eightieth) > (last_due_month(p, self.months) or ""):
            return
        age = age_on(p.birth, self.today)
        amount = self.amounts["old_age"][100 if age >= 100 else 90 if age >= 90 else 80]
        start = max(month_of(eightieth), self.months[0])
        if p.death_date and month_of(p.death_date) < start:
            return
        self._benefit(rnd, p, "高龄津贴", amount, start, w).approved = eightieth - timedelta(days=rnd.randrange(10, 40))

    def _disability(self, rnd: random.Random, p: Person, h: Household, w: Welfare) -> None:
        d = p.disability
        if d is None or month_of(d.valid_until) < self.months[0] or (p.death_date and month_of(p.death_date) < self.months[0]):
            return  # an expired certificate ended the subsidies before this half year
        nursing = d.severe or (d.level == "3" and d.category in ("5", "6"))
        subsidies = []
        if nursing:
            subsidies.append(("重度残疾人护理补贴", self.amounts["disabled_nursing"][min(d.level, "3")]))
        if h.dibao and h.tekun is None:
            subsidies.append(("困难残疾人生活补贴", self.amounts["disabled_living"]))
        for subsidy, amount in subsidies:
            b = self._benefit(rnd, p, subsidy, amount, self._start(rnd, 8), w)
            if month_of(d.valid_until) < self.months[-1]:
                b.end = min(b.end or "9999-12", month_of(d.valid_until))

    def _pay(self, rnd: random.Random, b: Benefit, w: Welfare) -> None:
        day = rnd.randint(8, 15)  # a village pays its rosters on the same days each month
        for month in self.months:
            if month < b.start or (b.end and month > b.end):
                continue
            if month == b.start and month >= self.months[0] and month < self.months[-1] and b.subsidy != "高龄津贴":
                # approved after this month's roster closed: paid with next month's roster as 补发
                w.payments.append(Payment(b.person, b.subsidy, month, b.amount,
                                          self.paid_on(add_months(month, 1), day), back_pay=True))
                continue
            w.payments.append(Payment(b.person, b.subsidy, month, b.amount, self.paid_on(month, day)))

    def paid_on(self, month: str, day: int) -> date:
        return min(date.fromisoformat(f"{month}-{day:02d}"), self.today)
