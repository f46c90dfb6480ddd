"""Households and the persons in them: who lives with whom, how old, what they are called.

Households are composed by type (elderly living alone, elderly couples, couples with children,
three generations, grandparents with left-behind grandchildren …) because that is what makes the
age pyramid and the 户口簿 relations (GB/T 4761) come out right together: an aging Chongqing
district is one where many old people live alone and young people's 户籍 stays behind.
"""

from __future__ import annotations

import bisect
import itertools
import random
from dataclasses import dataclass, field
from datetime import date, timedelta

from yibiaotong.demo.codes import IdNumbers, mobile
from yibiaotong.demo.names import NameBook, Weighted
from yibiaotong.elements.dates import age_on


@dataclass(eq=False)
class Village:
    """A village or community (the unit that keeps the ledgers), with its town."""

    code: str
    name: str
    town_code: str
    town_name: str
    kind: str  # village | community | town (when the tree has no villages)
    groups: int = 0  # 村民小组
    grids: list[str] = field(default_factory=list)

    @property
    def rural(self) -> bool:
        return self.kind != "community"

    @property
    def place(self) -> str:
        return f"永川区{self.town_name}{self.name if self.name != self.town_name else ''}"


@dataclass(eq=False)
class Disability:
    category: str  # GB/T 26341 category digit (certificate position 19)
    level: str  # 1-4 (certificate position 20)
    cause: str
    valid_until: date

    def status(self, today: date) -> str:
        """disability_cert_status: 1 正常, 2 已过期."""
        return "1" if self.valid_until >= today else "2"

    @property
    def severe(self) -> bool:
        return self.level in ("1", "2")


@dataclass(eq=False)
class Person:
    id_number: str
    name: str
    sex: str  # GB/T 2261.1: 1 男, 2 女
    birth: date
    relation: str  # GB/T 4761 relation to the head (02 户主)
    household: Household
    region: str = "500118"
    marital: str = "10"
    spouse: Person | None = None
    parents: list[Person] = field(default_factory=list)
    phone: str | None = None
    hukou_status: str = "1"  # 1 正常, 2 迁出, 3 死亡注销
    death_date: date | None = None
    disability: Disability | None = None
    migrant_worker: bool = False  # 外出务工: registered here, lives elsewhere (人户分离)
    # what the ledgers say when a clerk recorded it wrong (planted mismatches); None: as the ID says
    recorded_birth: date | None = None
    recorded_sex: str | None = None
    tags: set[str] = field(default_factory=set)  # benefits and planted roles, for later stages
    info: dict = field(default_factory=dict)  # profile drawn when the facts are written (facts.py)

    @property
    def is_head(self) -> bool:
        return self.relation == "02"

    @property
    def alive(self) -> bool:
        return self.death_date is None

    def age(self, on: date) -> int:
        return age_on(self.birth, on)


@dataclass(eq=False)
class Household:
    number: str  # 户编号
    village: Village
    type: str
    members: list[Person] = field(default_factory=list)
    group: int = 0
    address: str = ""
    door: str = ""
    income_per_capita: int = 0
    dibao: bool = False
    tekun: Person | None = None
    status: str = "9"  # household_economic_status (social_assistance_status code): 9 非救助对象
    rural_kind: str = ""  # poverty_exit (脱贫户) | monitored (监测户) | ""
    compound: str = ""  # urban: 小区
    house: dict | None = None  # the house fact's values, once written

    @property
    def head(self) -> Person:
        return self.members[0]


def add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


class AgeSampler:
    """Ages drawn from the district's 5-year band shares, restricted to a role's range."""

    def __init__(self, bands: dict) -> None:
        self.bands = sorted((int(k), float(v)) for k, v in bands.items())

    def draw(self, rnd: random.Random, lo: int, hi: int) -> int:
        hi = max(lo, hi)
        parts = []
        for start, share in self.bands:
            a, b = max(lo, start), min(hi, start + 4)
            if a <= b:
                parts.append((a, b, share * (b - a + 1) / 5))
        if not parts:
            return lo
        cumulative = list(itertools.accumulate(p[2] for p in parts))
        a, b, _ = parts[bisect.bisect_right(cumulative, rnd.random() * cumulative[-1])]
        return rnd.randint(a, b)


ORDINAL_SONS = ("22", "23", "24", "25", "26")
ORDINAL_DAUGHTERS = ("32", "33", "34", "35", "36")


class HouseholdMaker:
    """Composes households of one village; persons get names, ID numbers and phones."""

    def __init__(self, today: date, names: NameBook, ids: IdNumbers, dist: dict) -> None:
        self.today = today
        self.names = names
        self.ids = ids
        self.ages = AgeSampler(dist["age_bands"])
        self.types = {"rural": Weighted(dist["household_types"]), "urban": Weighted(dist["urban_household_types"])}
        self.elsewhere_share = float(dist["born_elsewhere_share"])
        self.regions = Weighted(dist["neighbour_regions"])

    def household(self, rnd: random.Random, village: Village, number: str) -> Household:
        kind = self.types["rural" if village.rural else "urban"].draw(rnd)
        h = Household(number, village, kind)
        getattr(self, f"_{kind}")(rnd, h)
        return h

    # --- household types (head first) ---------------------------------------------------------

    def _single_elderly(self, rnd, h):
        p = self._person(rnd, h, "02", self.ages.draw(rnd, 60, 104), "2" if rnd.random() < 0.62 else "1")
        p.marital = "30" if rnd.random() < 0.8 else rnd.choice(["40", "10"])

    def _single_adult(self, rnd, h):
        p = self._person(rnd, h, "02", self.ages.draw(rnd, 20, 59), "1" if rnd.random() < 0.6 else "2")
        p.marital = "10" if p.age(self.today) < 35 or rnd.random() < 0.4 else "40"

    def _elderly_couple(self, rnd, h):
        self._couple(rnd, h, self.ages.draw(rnd, 62, 98))

    def _couple_empty_nest(self, rnd, h):
        self._couple(rnd, h, self.ages.draw(rnd, 45, 64))

    def _couple_children(self, rnd, h):
        husband, wife = self._couple(rnd, h, self.ages.draw(rnd, 25, 56))
        self._children(rnd, h, husband, wife, rnd.choices((1, 2, 3), (50, 42, 8))[0], max_age=24)

    def _three_generation(self, rnd, h):
        elder_age = self.ages.draw(rnd, 58, 96)
        son_age = elder_age - rnd.randint(22, 34)
        if son_age < 22:
            son_age = 22
        kids = rnd.choices((1, 2), (60, 40))[0]
        if rnd.random() < 0.55:  # the old man is still 户主
            elder, elder_wife = (self._couple(rnd, h, elder_age) if rnd.random() < 0.6
                                 else (self._person(rnd, h, "02", elder_age, "1"), None))
            if elder_wife is None:
                elder.marital = "30"
            son = self._person(rnd, h, "20", son_age, "1", surname=elder.name[0])
            son.parents = [p for p in (elder, elder_wife) if p]
            wife = self._person(rnd, h, "38", max(20, son_age - rnd.randint(-1, 4)), "2", married_in=True)
            self._marry(son, wife)
            self._grandchildren(rnd, h, son, wife, kids)
        else:  # the son is 户主; his parents live with him
            son, wife = self._couple(rnd, h, son_age)
            father = self._person(rnd, h, "51", elder_age, "1", surname=son.name[0]) if rnd.random() < 0.6 else None
            mother = self._person(rnd, h, "52", elder_age - rnd.randint(0, 5), "2")
            if father:
                self._marry(father, mother)
            else:
                mother.marital = "30"
            son.parents = [p for p in (father, mother) if p]
            self._children(rnd, h, son, wife, kids, max_age=20)

    def _skip_generation(self, rnd, h):
        age = self.ages.draw(rnd, 55, 86)
        grandpa, grandma = (self._couple(rnd, h, age) if rnd.random() < 0.65
                            else (self._person(rnd, h, "02", age, "2" if rnd.random() < 0.7 else "1"), None))
        if grandma is None:
            grandpa.marital = "30"
        for _ in range(rnd.choices((1, 2), (55, 45))[0]):
            sex = rnd.choice("12")
            outside = rnd.random() < 0.3  # a daughter's child: 外孙, another surname
            rel = ("43" if sex == "1" else "44") if outside else ("41" if sex == "1" else "42")
            surname = None if outside else grandpa.name[0] if grandpa.sex == "1" else None
            self._person(rnd, h, rel, rnd.randint(0, 16), sex, surname=surname)

    def _single_parent(self, rnd, h):
        parent = self._person(rnd, h, "02", self.ages.draw(rnd, 28, 55), "2" if rnd.random() < 0.7 else "1")
        parent.marital = rnd.choice(["40", "30", "40"])
        self._children(rnd, h, parent, None, rnd.choices((1, 2), (65, 35))[0], max_age=20)

    # --- building blocks ----------------------------------------------------------------------

    def _couple(self, rnd, h, head_age: int) -> tuple[Person, Person]:
        if rnd.random() < 0.85:  # husbands are usually the registered head
            husband = self._person(rnd, h, "02", head_age, "1")
            wife = self._person(rnd, h, "12", max(18, head_age - round(rnd.gauss(2, 2.5))), "2", married_in=True)
        else:
            wife = self._person(rnd, h, "02", head_age, "2")
            husband = self._person(rnd, h, "11", min(105, head_age + round(rnd.gauss(2, 2.5))), "1", married_in=True)
        self._marry(husband, wife)
        return husband, wife

    @staticmethod
    def _marry(a: Person, b: Person) -> None:
        a.spouse, b.spouse = b, a
        a.marital = b.marital = "21" if min(a.birth, b.birth).year > 1940 else "20"

    def _children(self, rnd, h, father: Person, mother: Person | None, count: int, max_age: int) -> None:
        younger = min(father.age(self.today), mother.age(self.today) if mother else 200)
        surname = father.name[0] if father.sex == "1" else None
        generation = None
        ages = sorted((younger - rnd.randint(21, 36) for _ in range(count)), reverse=True)
        sons = daughters = 0
        for age in ages:
            if age < 0 or age > max_age:
                continue
            sex = "1" if rnd.random() < 0.52 else "2"
            if sex == "1":
                rel = "21" if count == 1 else ORDINAL_SONS[min(sons, 4)]
                sons += 1
            else:
                rel = "31" if count == 1 else ORDINAL_DAUGHTERS[min(daughters, 4)]
                daughters += 1
            if h.head is not father and h.head is not mother:
                rel = "41" if sex == "1" else "42"
            child = self._person(rnd, h, rel, age, sex, surname=surname, generation_char=generation)
            child.parents = [p for p in (father, mother) if p]
            if generation is None and len(child.name) == 3:
                generation = child.name[1]  # 字辈: brothers and sisters may share it

    def _grandchildren(self, rnd, h, son: Person, wife: Person, count: int) -> None:
        self._children(rnd, h, son, wife, count, max_age=24)

    def _person(self, rnd: random.Random, h: Household, relation: str, age: int, sex: str, *,
                surname: str | None = None, married_in: bool = False, generation_char: str | None = None) -> Person:
        born = self._birth_date(rnd, age)
        region = self.regions.draw(rnd) if married_in and rnd.random() < self.elsewhere_share else "500118"
        if not married_in and rnd.random() < self.elsewhere_share / 6:
            region = self.regions.draw(rnd)  # moved in as a child with their parents
        name = self.names.full(rnd, sex, born.year, surname, generation_char)
        p = Person(self.ids.issue(rnd, region, born, sex), name, sex, born, relation, h, region)
        if age >= 16 and (age < 80 or rnd.random() < 0.5):
            p.phone = mobile(rnd)
        h.members.append(p)
        return p

    def _birth_date(self, rnd: random.Random, age: int) -> date:
        """A birth date at which the person is ``age`` years old today."""
        latest = add_years(self.today, -age)
        return latest - timedelta(days=rnd.randrange(0, 365))
