"""Planted problems: data errors put into the synthetic population on purpose, in known places,
so that the rules engine and intake entity resolution can be scored for exact precision and recall.

Each kind has a rule (below, in ``KINDS``) that finds exactly the planted cases in the generated
facts: normal data never breaks it (see benefits.py and farmland.py for the behaviour normal data
keeps). Candidates are drawn per village with fixed rates, a person or parcel carries at most one
planted problem, and every case is recorded with its full keys in the manifest
(packs/yongchuan/population/planted.json for the demo scale).
"""

from __future__ import annotations

import random
from calendar import monthrange
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from yibiaotong.demo.benefits import (
    DISABILITY_SUBSIDIES,
    PAYMENT_TYPES,
    Payment,
    Welfare,
    add_months,
    month_of,
    window,
)
from yibiaotong.demo.codes import IdNumbers, disability_certificate
from yibiaotong.demo.farmland import FarmlandMaker, Parcel
from yibiaotong.demo.people import Household, Person, add_years

# kind -> (title, ledgers that hold the evidence, the rule that finds exactly the planted cases)
KINDS: dict[str, tuple[str, list[str], str]] = {
    "deceased_still_paid": (
        "(a) 已死亡人员仍领取补贴", ["person_hukou", "event_payment"],
        "person.death_date is set and a payment of that id_number has payment_month > month(death_date)"),
    "moved_out_still_paid": (
        "(a) 户籍已迁出仍领取补贴", ["person_hukou", "event_payment"],
        "person.hukou_status = '2' (迁出) and a payment of that id_number has payment_month = this month"),
    "duplicate_payment": (
        "(b) 同一人同一补贴同月重复发放", ["event_payment"],
        "two payments with the same id_number, payment_month and subsidy_type (payment_type with 「（补发）」 removed)"),
    "exclusive_benefits": (
        "(b) 同月同时领取低保和特困供养（互斥待遇）", ["event_payment", "person_social_assistance"],
        "payments of 低保 and of 特困供养 to the same id_number in the same payment_month"),
    "turning_80_no_allowance": (
        "(c) 本月年满80周岁未发高龄津贴", ["person_identity", "event_payment"],
        "alive, hukou_status '1', 80th birthday (birth date in the ID number) in this month, no 高龄津贴 payment this month"),
    "turning_80_soon": (
        "(c) 未来3个月内年满80周岁（待纳入高龄津贴）", ["person_identity"],
        "alive, hukou_status '1', 80th birthday in one of the next three months"),
    "expired_certificate_still_paid": (
        "(d) 残疾人证已过期仍发放两项补贴", ["person_disability", "event_payment"],
        "a 困难残疾人生活补贴 or 重度残疾人护理补贴 payment with payment_month > month(disability_cert_valid_until)"),
    "non_grain_basic_farmland": (
        "(e) 流转的永久基本农田种植非粮作物（耕地非粮化）", ["land", "land_land_transfer", "land_planting"],
        "parcel transferred, is_permanent_basic_farmland, and a planting with is_non_grain = true"),
    "abandoned_two_seasons": (
        "(f) 连续两季无种植记录（撂荒）", ["land", "land_planting"],
        "parcel with no planting record in the last 小春 and 大春"),
    "id_birth_date_mismatch": (
        "(g) 出生日期与身份证号不符", ["person_identity"],
        "person.birth_date differs from the birth date inside id_number"),
    "id_sex_mismatch": (
        "(g) 性别与身份证号不符", ["person_identity"],
        "person.gender differs from the sex digit of id_number (odd 男 '1', even 女 '2')"),
    "intake_invalid_id": (
        "(h) 花名册中身份证号无效", ["intake:残疾人两项补贴花名册.xlsx"],
        "the ID cell fails GB 11643: wrong check character, impossible birth date, or mangled by Excel (5.00118E+17)"),
    "intake_same_person_two_spellings": (
        "(h) 同一人两种写法且无身份证号", ["intake:残疾人两项补贴花名册.xlsx"],
        "two rows without ID number whose names differ by one homophone/traditional character, same village, phone and address"),
}

# chance per candidate (per village for the 80th-birthday kinds); tuned to give a handful to a few
# dozen cases at demo scale, growing with the population at larger scales
RATES = {
    "deceased_still_paid": 0.05, "moved_out_still_paid": 0.04, "duplicate_payment": 0.008,
    "exclusive_benefits": 0.12, "turning_80_no_allowance": 0.045, "turning_80_paid": 0.03, "turning_80_soon": 0.05,
    "expired_certificate_still_paid": 0.07, "non_grain_basic_farmland": 0.025, "abandoned_two_seasons": 0.005,
    "id_birth_date_mismatch": 0.004, "id_sex_mismatch": 0.003,
}
TEKUN_AMOUNT = Decimal(830)  # the rural 特困 basic living standard of distributions.yaml


@dataclass
class Manifest:
    """Planted cases by kind, with full keys (synthetic data: full ID numbers are fine here)."""

    items: dict[str, list[dict[str, Any]]] = field(default_factory=lambda: {k: [] for k in KINDS})

    def add(self, kind: str, **item: Any) -> None:
        self.items[kind].append({k: (v.isoformat() if isinstance(v, date) else v) for k, v in item.items()})

    def summary(self) -> dict[str, int]:
        return {k: len(v) for k, v in self.items.items()}

    def to_dict(self, **meta: Any) -> dict[str, Any]:
        return {**meta, "kinds": [
            {"kind": k, "title": KINDS[k][0], "ledgers": KINDS[k][1], "rule": KINDS[k][2], "count": len(v), "items": v}
            for k, v in self.items.items()]}


def _free(p: Person) -> bool:
    return p.alive and p.hukou_status == "1" and "planted" not in p.tags


def _born_in_month(rnd: random.Random, month: str, years_before: int) -> date:
    y, m = int(month[:4]) - years_before, int(month[5:7])
    return date(y, m, rnd.randint(1, monthrange(y, m)[1]))


class Planter:
    def __init__(self, today: date, ids: IdNumbers, manifest: Manifest, farmland: FarmlandMaker) -> None:
        self.today = today
        self.months = window(today)
        self.ids = ids
        self.manifest = manifest
        self.farmland = farmland

    # --- before benefits: 80th birthdays (they change birth dates, so ID numbers) --------------

    def eightieth_birthdays(self, rnd: random.Random, households: list[Household]) -> set[Person]:
        """Move some old residents' birthdays into this month or the next three (80 years back);
        returns those whose 高龄津贴 will be forgotten."""
        pool = [p for h in households for p in h.members
                if _free(p) and 72 <= p.age(self.today) <= 88 and not p.disability]
        withheld: set[Person] = set()
        this_month = self.months[-1]
        for kind, months in (("turning_80_no_allowance", [this_month]), ("turning_80_paid", [this_month]),
                             ("turning_80_soon", [add_months(this_month, k) for k in (1, 2, 3)])):
            if pool and rnd.random() < RATES[kind]:
                p = pool.pop(rnd.randrange(len(pool)))
                p.birth = _born_in_month(rnd, rnd.choice(months), 80)
                p.id_number = self.ids.issue(rnd, p.region, p.birth, p.sex)
                if kind == "turning_80_no_allowance":
                    p.tags.add("planted")
                    withheld.add(p)
        return withheld

    def record_eightieth(self, households: list[Household], withheld: set[Person]) -> None:
        this_month = self.months[-1]
        soon = {add_months(this_month, k) for k in (1, 2, 3)}
        for h in households:
            for p in h.members:
                if not (p.alive and p.hukou_status == "1"):
                    continue
                eightieth = add_years(p.birth, 80)
                if p in withheld:
                    self.manifest.add("turning_80_no_allowance", id_number=p.id_number, name=p.name, birth_date=p.birth,
                                      org_unit=h.village.code)
                elif month_of(eightieth) in soon:
                    self.manifest.add("turning_80_soon", id_number=p.id_number, name=p.name, birth_date=p.birth,
                                      turns_80_on=eightieth, org_unit=h.village.code)

    # --- after benefits ---------------------------------------------------------------------

    def after_benefits(self, rnd: random.Random, households: list[Household], w: Welfare,
                       parcels: list[Parcel]) -> None:
        self._gone_but_paid(rnd, w)
        self._duplicates(rnd, w)
        self._exclusive(rnd, households, w)
        self._expired_certificates(rnd, w)
        self._mismatches(rnd, households)
        self._farmland(rnd, parcels)

    def _running(self, w: Welfare) -> dict[Person, list]:
        """Recipients whose benefits all run through this month, by person."""
        by_person: dict[Person, list] = {}
        for b in w.benefits:
            by_person.setdefault(b.person, []).append(b)
        return {p: bs for p, bs in by_person.items()
                if _free(p) and all(b.end is None and b.start <= self.months[0] for b in bs)}

    def _gone_but_paid(self, rnd: random.Random, w: Welfare) -> None:
        for p in self._running(w):
            roll = rnd.random()
            if roll < RATES["deceased_still_paid"]:
                day = date.fromisoformat(rnd.choice(self.months[1:-1]) + "-01")
                p.death_date = day + timedelta(days=rnd.randrange(0, 28))
                p.hukou_status = "3"
                p.tags.add("planted")
                after = [(x.month, x.payment_type) for x in w.payments if x.person is p and x.month > month_of(p.death_date)]
                self.manifest.add("deceased_still_paid", id_number=p.id_number, name=p.name, death_date=p.death_date,
                                  payments_after=after, org_unit=p.household.village.code)
            elif roll < RATES["deceased_still_paid"] + RATES["moved_out_still_paid"]:
                p.hukou_status = "2"
                p.tags.add("planted")
                now = [x.payment_type for x in w.payments if x.person is p and x.month == self.months[-1]]
                self.manifest.add("moved_out_still_paid", id_number=p.id_number, name=p.name, payment_month=self.months[-1],
                                  payment_types=now, org_unit=p.household.village.code)

    def _duplicates(self, rnd: random.Random, w: Welfare) -> None:
        regular = [x for x in w.payments if not x.back_pay and x.month < self.months[-1] and _free(x.person)]
        for x in regular:
            if rnd.random() < RATES["duplicate_payment"] and "planted" not in x.person.tags:
                paid = min(date.fromisoformat(add_months(x.month, 1) + f"-{rnd.randint(16, 28)}"), self.today)
                w.payments.append(Payment(x.person, x.subsidy, x.month, x.amount, paid, back_pay=True))
                x.person.tags.add("planted")
                self.manifest.add("duplicate_payment", id_number=x.person.id_number, name=x.person.name, subsidy_type=x.subsidy,
                                  payment_month=x.month, payment_types=[x.payment_type, PAYMENT_TYPES[x.subsidy] + "（补发）"],
                                  org_unit=x.person.household.village.code)

    def _exclusive(self, rnd: random.Random, households: list[Household], w: Welfare) -> None:
        for h in households:
            if not (h.dibao and _free(h.head) and rnd.random() < RATES["exclusive_benefits"]):
                continue
            p = h.head
            if not any(x.person is p and x.subsidy == "低保" and x.month == self.months[-1] for x in w.payments):
                continue
            first = rnd.choice(self.months[2:])
            months = [m for m in self.months if m >= first]
            paid = {x.month for x in w.payments if x.person is p and x.subsidy == "低保"}
            for m in months:
                w.payments.append(Payment(p, "特困供养", m, TEKUN_AMOUNT, min(date.fromisoformat(m + "-12"), self.today)))
            p.tags.update({"planted", "特困供养"})
            self.manifest.add("exclusive_benefits", id_number=p.id_number, name=p.name,
                              months=sorted(set(months) & paid), org_unit=h.village.code)

    def _expired_certificates(self, rnd: random.Random, w: Welfare) -> None:
        running = self._running(w)
        for p, bs in running.items():
            d = p.disability
            if not (d and d.valid_until >= self.today and any(b.subsidy in DISABILITY_SUBSIDIES for b in bs)):
                continue
            if rnd.random() < RATES["expired_certificate_still_paid"]:
                d.valid_until = date.fromisoformat(rnd.choice(self.months[1:-1]) + "-01") + timedelta(days=rnd.randrange(0, 28))
                p.tags.add("planted")
                after = [(x.month, x.payment_type) for x in w.payments
                         if x.person is p and x.subsidy in DISABILITY_SUBSIDIES and x.month > month_of(d.valid_until)]
                self.manifest.add("expired_certificate_still_paid", id_number=p.id_number, name=p.name,
                                  disability_cert_number=disability_certificate(p.id_number, d.category, d.level),
                                  valid_until=d.valid_until, payments_after=after, org_unit=p.household.village.code)

    def _mismatches(self, rnd: random.Random, households: list[Household]) -> None:
        for h in households:
            for p in h.members:
                if not (_free(p) and 18 <= p.age(self.today) <= 70) or len(p.tags) > 0:
                    continue
                roll = rnd.random()
                if roll < RATES["id_birth_date_mismatch"]:
                    p.recorded_birth = _misrecorded(rnd, p.birth)
                    p.tags.add("planted")
                    self.manifest.add("id_birth_date_mismatch", id_number=p.id_number, name=p.name,
                                      recorded_birth_date=p.recorded_birth, id_birth_date=p.birth, org_unit=h.village.code)
                elif roll < RATES["id_birth_date_mismatch"] + RATES["id_sex_mismatch"]:
                    p.recorded_sex = "2" if p.sex == "1" else "1"
                    p.tags.add("planted")
                    self.manifest.add("id_sex_mismatch", id_number=p.id_number, name=p.name, recorded_gender=p.recorded_sex,
                                      id_gender=p.sex, org_unit=h.village.code)

    def _farmland(self, rnd: random.Random, parcels: list[Parcel]) -> None:
        for p in parcels:
            if p.operator and p.basic and rnd.random() < RATES["non_grain_basic_farmland"]:
                self.farmland.take_over(rnd, p)
                self.manifest.add("non_grain_basic_farmland", land_parcel_code=p.code, transfer_in_party=p.operator.name,
                                  crops=sorted({x.crop for x in p.plantings}), org_unit=p.household.village.code)
            elif p.operator is None and p.land_type == "01" and rnd.random() < RATES["abandoned_two_seasons"]:
                p.plantings = []
                self.manifest.add("abandoned_two_seasons", land_parcel_code=p.code, contractor=p.household.head.name,
                                  org_unit=p.household.village.code)


def _misrecorded(rnd: random.Random, born: date) -> date:
    """How birth dates go wrong on paper: day and month swapped, the lunar birthday, a year off."""
    if born.day <= 12 and born.day != born.month and rnd.random() < 0.4:
        return born.replace(month=born.day, day=born.month)
    if rnd.random() < 0.5:
        return born - timedelta(days=rnd.randint(20, 50))  # the lunar-calendar birthday
    try:
        return born.replace(year=born.year + rnd.choice((-1, 1)))
    except ValueError:
        return born - timedelta(days=365)
