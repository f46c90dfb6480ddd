"""Contracted farmland (承包地块), its transfer to new-type operators (土地流转) and what grows on
it in the last two seasons (大春/小春), as the agriculture commission's ledgers record them.

Normal data keeps the rules the planted problems break: permanent basic farmland (永久基本农田)
grows grain (an oil crop in the winter rotation is allowed), and every parcel has at least one
planting record in the two seasons.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from yibiaotong.demo.codes import contract_certificate, parcel_code, uscc
from yibiaotong.demo.names import NameBook, Weighted
from yibiaotong.demo.people import Household, Person, Village, add_years

ORG_TYPES = {"4": ("93", "农民专业合作社"), "5": ("91", "有限责任公司"), "3": ("92", "家庭农场")}
PRODUCT_CROPS = {"水稻": "水稻", "粮油": "水稻", "蔬菜": "蔬菜", "柑橘": "柑橘", "茶叶": "茶叶", "食用菌": "食用菌",
                 "果蔬": "蔬菜", "黄花": "黄花"}
PERENNIAL = {"柑橘", "茶叶", "李子", "葡萄", "花卉苗木"}


@dataclass(eq=False)
class Operator:
    """A transfer-in party: cooperative, company, family farm or large grower (种养大户)."""

    name: str
    type: str  # agri_operator_type code
    person: Person  # the grower, or the legal representative
    product: str
    price: int  # 元/亩/年
    start: date
    term: int  # years
    code: str | None = None  # unified social credit code (not for a 种养大户)
    registered: date | None = None
    parcels: list[Parcel] = field(default_factory=list)


@dataclass(eq=False)
class Planting:
    season: str  # planting_season code: 1 大春, 2 小春, 3 全年
    year: int
    crop: str
    area: Decimal


@dataclass(eq=False)
class Parcel:
    code: str
    name: str
    household: Household
    group: int
    area: Decimal  # contracted, 亩
    actual: Decimal  # measured, 亩
    land_type: str  # 01 耕地, 02 园地
    basic: bool  # 永久基本农田
    location: str  # 四至
    certificate: str
    operator: Operator | None = None
    mode: str = "1"
    signed: bool = True
    plantings: list[Planting] = field(default_factory=list)


def seasons(today: date) -> tuple[int, int]:
    """(year of the latest 小春 harvest, year of the latest 大春): 小春 is sown in autumn and
    harvested by May, 大春 sown from April."""
    return (today.year if today.month >= 5 else today.year - 1, today.year if today.month >= 4 else today.year - 1)


class FarmlandMaker:
    def __init__(self, today: date, farming: dict, places: dict, names: NameBook) -> None:
        self.today = today
        self.f = farming
        self.places = places
        self.names = names
        self.crops = {k: (v[0], bool(v[1])) for k, v in farming["crops"].items()}
        self.season_weights = {k: Weighted(v) for k, v in farming["seasons"].items()}
        self.takeover = Weighted(farming["non_grain_takeover"])
        self.operator_types = Weighted({k: v["share"] for k, v in farming["operators"].items()})

    def build(self, rnd: random.Random, village: Village, households: list[Household]) -> tuple[list[Parcel], list[Operator]]:
        parcels = self._parcels(rnd, village, households)
        operators = self._transfers(rnd, village, households, parcels)
        for p in parcels:
            self._plant(rnd, p)
        return parcels, operators

    # --- parcels ------------------------------------------------------------------------------

    def _parcels(self, rnd: random.Random, village: Village, households: list[Household]) -> list[Parcel]:
        lo, hi = self.f["parcels_per_household"]
        a = self.f["parcel_area_mu"]
        mu, sigma = math.log(a["median"]), 0.6
        serial: dict[int, int] = {}
        contractors: dict[int, int] = {}
        parcels = []
        for h in households:
            if not village.rural or h.type == "single_adult" and rnd.random() < 0.5:
                continue  # town dwellers without contracted land
            contractors[h.group] = contractors.get(h.group, 0) + 1
            certificate = contract_certificate(village.code, h.group, contractors[h.group])
            for _ in range(rnd.randint(lo, hi)):
                serial[h.group] = serial.get(h.group, 0) + 1
                area = min(a["max"], max(a["min"], rnd.lognormvariate(mu, sigma)))
                garden = rnd.random() < self.f["garden_share"]
                parcels.append(Parcel(
                    parcel_code(village.code, h.group, serial[h.group]), rnd.choice(self.places["parcel_names"]), h,
                    h.group, Decimal(f"{area:.2f}"), Decimal(f"{area * rnd.uniform(0.92, 1.12):.2f}"),
                    "02" if garden else "01", not garden and rnd.random() < self.f["basic_farmland_share"],
                    self._four_sides(rnd, h), certificate))
        return parcels

    def _four_sides(self, rnd: random.Random, h: Household) -> str:
        sides = []
        for side in "东南西北":
            if rnd.random() < 0.5:
                sides.append(f"{side}至{rnd.choice(self.places['neighbours'])}")
            else:  # the neighbour's field: 东至张德明田
                sides.append(f"{side}至{self.names.full(rnd, '1', rnd.randint(1940, 1980))}田")
        return "，".join(sides)

    # --- transfers ----------------------------------------------------------------------------

    def _transfers(self, rnd: random.Random, village: Village, households: list[Household],
                   parcels: list[Parcel]) -> list[Operator]:
        target = round(len(parcels) * self.f["transfer_share"])
        adults = [p for h in households for p in h.members
                  if p.alive and p.hukou_status == "1" and 30 <= p.age(self.today) <= 65 and not p.disability]
        operators: list[Operator] = []
        taken = 0
        attempts = 0
        while taken < target and adults and attempts < 50:
            attempts += 1
            op = self._operator(rnd, village, rnd.choice(adults), {o.name for o in operators})
            block = self._block(rnd, parcels, rnd.randint(3, 12) if op.type in ("2", "3") else rnd.randint(6, 30))
            if not block:
                break
            for p in block:
                p.operator = op
                p.mode = "2" if op.type == "4" and rnd.random() < 0.3 else rnd.choices("139", (94, 2, 4))[0]
                p.signed = rnd.random() < 0.93
            op.parcels = block
            operators.append(op)
            taken += len(block)
        return operators

    @staticmethod
    def _block(rnd: random.Random, parcels: list[Parcel], size: int) -> list[Parcel]:
        """Neighbouring parcels (same group, consecutive codes) not yet transferred: operators rent
        whole hillsides, not scattered plots."""
        free = [i for i, p in enumerate(parcels) if p.operator is None]
        if not free:
            return []
        start = rnd.choice(free)
        group = parcels[start].group
        return [p for p in parcels[start:start + size] if p.operator is None and p.group == group]

    def _operator(self, rnd: random.Random, village: Village, person: Person, taken: set[str]) -> Operator:
        kind = self.operator_types.draw(rnd)
        spec = self.f["operators"][kind]
        product = rnd.choice(self.f["products"])
        for _ in range(10):
            name = rnd.choice(spec["names"]).format(
                village=village.name.removesuffix("村").removesuffix("社区"), town=village.town_name, product=product,
                person=person.name, brand=rnd.choice(self.f["brands"]))
            if name not in taken:
                break
            product = rnd.choice(self.f["products"])
        lo, hi = self.f["transfer_start_years"]
        start = date(rnd.randint(lo, hi), rnd.choice((1, 3, 10, 11)), 1)
        op = Operator(name, kind, person, product, rnd.randrange(spec["price"][0], spec["price"][1] + 1, 10), start,
                      rnd.randint(*self.f["transfer_term_years"]))
        if kind in ORG_TYPES:
            op.code = uscc(rnd, "500118", ORG_TYPES[kind][0])
            op.registered = start - timedelta(days=rnd.randrange(30, 700))
        return op

    # --- plantings ----------------------------------------------------------------------------

    def _plant(self, rnd: random.Random, p: Parcel) -> None:
        small_year, big_year = seasons(self.today)
        if p.land_type == "02":
            self._add(rnd, p, "3", big_year, self.season_weights["garden"].draw(rnd))
            return
        grow = PRODUCT_CROPS.get(p.operator.product) if p.operator else None
        if grow and not p.basic and self.crops[grow][1] is False:
            if grow in PERENNIAL:
                self._add(rnd, p, "3", big_year, grow)
            else:
                self._add(rnd, p, "2", small_year, grow)
                self._add(rnd, p, "1", big_year, grow)
            return
        kind = "basic" if p.basic else "general"
        small = self.season_weights[f"{kind}_small"].draw(rnd)
        if small:
            self._add(rnd, p, "2", small_year, small)
        self._add(rnd, p, "1", big_year, self.season_weights[f"{kind}_big"].draw(rnd))

    def _add(self, rnd: random.Random, p: Parcel, season: str, year: int, crop: str) -> None:
        share = 1.0 if rnd.random() < 0.8 else rnd.uniform(0.6, 0.95)
        p.plantings.append(Planting(season, year, crop, Decimal(f"{float(p.actual) * share:.2f}")))

    def take_over(self, rnd: random.Random, p: Parcel) -> None:
        """Planted 非粮化: the operator turned basic farmland over to a non-grain crop in both seasons."""
        small_year, big_year = seasons(self.today)
        crop = self.takeover.draw(rnd)
        p.plantings = []
        if crop in PERENNIAL:
            self._add(rnd, p, "3", big_year, crop)
        else:
            self._add(rnd, p, "2", small_year, crop)
            self._add(rnd, p, "1", big_year, crop)

    def is_grain(self, crop: str) -> bool:
        return self.crops[crop][1]

    def is_non_grain(self, p: Parcel, crop: str) -> bool:
        """非粮化: farmland (耕地) growing neither grain nor an allowed winter oil crop."""
        return p.land_type == "01" and not self.crops[crop][1] and crop not in self.f["non_grain_oil"]

    def transfer_end(self, op: Operator) -> date:
        return add_years(op.start, op.term) - timedelta(days=1)
