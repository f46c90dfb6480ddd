"""The synthetic population of the Yongchuan demo district, deterministic from a seed.

    facts = generate("demo", seed=2024)          # an iterable stream of element-keyed facts
    for fact in facts: ...                       # Fact(subject, kind, org_unit, values)
    facts.manifest.summary()                     # planted problems found in what was streamed

Villages are generated one after another, each from its own seeded random generators, and their
facts are yielded before the next village starts: memory stays bounded at any scale. What is
generated and from which distributions is told in packs/yongchuan/README.md ("Synthetic data and
planted problems"); the planted problems are in planted.py.

    python -m yibiaotong.demo.population        # rewrite packs/yongchuan/population/planted.json
"""

from __future__ import annotations

import argparse
import json
import random
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from yibiaotong.demo.benefits import BenefitMaker, Welfare, assign_conditions, window
from yibiaotong.demo.codes import IdNumbers
from yibiaotong.demo.facts import Fact, FactWriter
from yibiaotong.demo.farmland import FarmlandMaker
from yibiaotong.demo.intake import intake_entry
from yibiaotong.demo.names import NameBook, population_dir
from yibiaotong.demo.people import Household, HouseholdMaker, Village
from yibiaotong.demo.planted import Manifest, Planter
from yibiaotong.orgunits import OrgTree, read_csv
from yibiaotong.packs import packs_root, read_yaml

DEFAULT_SEED = 2024
DEFAULT_TODAY = date(2024, 6, 30)
# persons per scale: "demo" gives ≈50,000 ledger records with the pack's ledgers, "full" the
# article's 3.856 million (see bench/demo_build.py, which measures both)
SCALES = {"demo": 2_400, "full": 221_800}

__all__ = ["DEFAULT_SEED", "DEFAULT_TODAY", "SCALES", "Fact", "FactStream", "generate", "write_intake_samples",
           "write_manifest"]


def generate(scale: str | int = "demo", seed: int = DEFAULT_SEED, org_units: OrgTree | str | Path | None = None,
             today: date = DEFAULT_TODAY) -> FactStream:
    """The population's facts, as a stream that can be iterated (each time from the start).

    ``scale`` is "demo", "full" or a number of persons; ``org_units`` the org tree (default: the
    Yongchuan pack's orgunits.csv): records belong to its villages and communities, or to its
    towns when it has no villages yet."""
    persons = SCALES[scale] if isinstance(scale, str) else int(scale)
    if org_units is None or isinstance(org_units, (str, Path)):
        org_units = read_csv(Path(org_units or packs_root() / "yongchuan" / "orgunits.csv"))
    return FactStream(persons, seed, villages_of(org_units), today)


def villages_of(tree: OrgTree) -> list[Village]:
    """Villages and communities with their towns; towns themselves when the tree stops there."""
    units = list(tree)
    towns = {u.code: u for u in units if u.kind in ("town", "township", "subdistrict")}
    out = []
    for u in units:
        if u.kind in ("village", "community") and u.parent_code in towns:
            t = towns[u.parent_code]
            grids = [g.name for g in tree.children(u.code) if g.kind == "grid"]
            out.append(Village(u.code, u.name, t.code, t.name, u.kind, grids=grids))
    if not out:  # a tree without villages yet: each town stands for its villages
        out = [Village(t.code, t.name, t.code, t.name, "community" if t.kind == "subdistrict" else "town")
               for t in towns.values()]
    if not out:
        root = units[0]
        out = [Village(root.code, root.name, root.code, root.name, "town")]
    return out


def load_data(folder: str | Path | None = None) -> dict[str, dict]:
    folder = Path(folder or population_dir())
    return {name: read_yaml(folder / f"{name}.yaml") for name in ("distributions", "places", "farming")}


class FactStream:
    """Iterating generates the facts; afterwards ``manifest`` holds the planted problems and
    ``intake_pool`` the disabled residents the intake sample roster is drawn from."""

    def __init__(self, persons: int, seed: int, villages: list[Village], today: date) -> None:
        self.persons, self.seed, self.villages, self.today = persons, seed, villages, today
        self.manifest = Manifest()
        self.intake_pool: list[dict[str, Any]] = []
        self.counts: dict[str, int] = {}

    def __iter__(self) -> Iterator[Fact]:
        data = load_data()
        self.manifest = Manifest()
        self.intake_pool = []
        self.counts = {}
        names, ids = NameBook(), IdNumbers()
        self._households = HouseholdMaker(self.today, names, ids, data["distributions"])
        self._farmland = FarmlandMaker(self.today, data["farming"], data["places"], names)
        self._benefits = BenefitMaker(self.today, data["distributions"])
        self._planter = Planter(self.today, ids, self.manifest, self._farmland)
        self._writer = FactWriter(self.today, names, data["places"], self._farmland)
        self._data = data
        weight = float(data["distributions"]["community_weight"])
        weights = [weight if v.kind == "community" else 1.0 for v in self.villages]
        total = sum(weights)
        target, self.made = 0.0, 0
        for village, w in zip(self.villages, weights):
            # the running target keeps the total at the scale however households round per village
            target += self.persons * w / total
            for fact in self._village(village, target - self.made):
                self.counts[fact.kind] = self.counts.get(fact.kind, 0) + 1
                yield fact

    def _rnd(self, village: Village, stage: str) -> random.Random:
        """One generator per village and stage: changing one stage leaves the others' draws alone."""
        return random.Random(f"{self.seed}/{village.code}/{stage}")

    def _village(self, village: Village, budget: float) -> Iterator[Fact]:
        dist, places = self._data["distributions"], self._data["places"]
        rnd = self._rnd(village, "households")
        village.groups = rnd.randint(*places["village_groups"]) if village.rural else 0
        households: list[Household] = []
        persons = 0
        while persons < budget or not households:
            h = self._households.household(rnd, village, f"{village.code[6:12]}{len(households) + 1:04d}")
            self._address(rnd, h, len(households) + 1)
            households.append(h)
            persons += len(h.members)
        self.made += persons
        assign_conditions(self._rnd(village, "conditions"), households, self.today, dist)
        planted = self._rnd(village, "planted")
        withheld = self._planter.eightieth_birthdays(planted, households)
        parcels, operators = self._farmland.build(self._rnd(village, "farmland"), village, households)
        welfare = self._benefits.build(self._rnd(village, "benefits"), households, withheld)
        self._planter.after_benefits(planted, households, welfare, parcels)
        self._planter.record_eightieth(households, withheld)
        self._economy(self._rnd(village, "economy"), households, dist)
        yield from self._facts(self._rnd(village, "facts"), village, households, welfare, parcels, operators)

    def _address(self, rnd: random.Random, h: Household, serial: int) -> None:
        v, places = h.village, self._data["places"]
        if v.rural:
            h.group = rnd.randint(1, max(1, v.groups))
            h.door = f"{h.group}组{rnd.randint(1, 160)}号"
            h.address = f"重庆市{v.place}{h.door}"
        else:
            streets = places["streets"] if v.town_name.endswith("街道") else places["town_streets"]
            h.compound = rnd.choice(places["compounds"])
            h.door = f"{rnd.randint(1, 30)}-{rnd.randint(1, 6)}"
            h.address = (f"重庆市永川区{v.town_name}{rnd.choice(streets)}{rnd.randint(1, 600)}号"
                         f"{h.compound}{rnd.randint(1, 16)}栋{rnd.randint(1, 4)}单元{h.door}")

    def _economy(self, rnd: random.Random, households: list[Household], dist: dict) -> None:
        """Income per head, 脱贫户/监测户 marks and the household's assistance status."""
        incomes = dist["income_per_capita"]
        for h in households:
            if h.village.rural:
                roll = rnd.random()
                h.rural_kind = "poverty_exit" if roll < 0.025 else "monitored" if roll < 0.03 else ""
            lo, hi = incomes["dibao" if h.dibao or h.tekun else "rural" if h.village.rural else "urban"]
            h.income_per_capita = rnd.randrange(lo, hi, 100)
            h.status = ("1" if h.tekun else "2" if h.dibao else "5" if h.rural_kind == "monitored"
                        else "3" if rnd.random() < 0.02 else "9")

    def _facts(self, rnd: random.Random, village: Village, households: list[Household], w: Welfare,
               parcels, operators) -> Iterator[Fact]:
        writer = self._writer
        running = {(b.person, b.subsidy): b.amount for b in w.benefits if b.end is None or b.end >= window(self.today)[-1]}
        for op in operators:
            if op.code:
                yield writer.organisation(rnd, op, village)
        for h in households:
            for p in h.members:
                writer.profile(rnd, p)
        for h in households:
            for p in h.members:
                fact = writer.person(rnd, p, running)
                yield fact
                if p.disability and p.alive and p.hukou_status == "1":
                    self.intake_pool.append(intake_entry(fact.values, village.town_name, village.name))
                age = p.age(self.today)
                if age <= 6:
                    yield from writer.immunisations(rnd, p)
                if "school_name" in fact.values:
                    yield writer.semester(p)
            yield writer.household(rnd, h, running.get((h.head, "低保")))
            yield writer.house(rnd, h, self._data["distributions"])
            inspection = writer.inspection(rnd, h)
            if inspection:
                yield inspection
            if h.dibao:
                yield writer.survey(rnd, h)
        for p in parcels:
            yield writer.parcel(p)
            if p.operator:
                yield writer.transfer(p)
            yield from writer.plantings(p)
        yield from writer.approvals(w)
        yield from writer.payments(w)
        yield from writer.village_months(rnd, village, households, w, window(self.today))


def write_manifest(path: str | Path | None = None, *, scale: str | int = "demo", seed: int = DEFAULT_SEED,
                   org_units: OrgTree | str | Path | None = None, today: date = DEFAULT_TODAY) -> dict[str, Any]:
    """Generate the population (and its intake sample) and write the planted-problem manifest as
    JSON (default packs/yongchuan/population/planted.json); returns it."""
    from yibiaotong.demo.intake import intake_roster

    stream = generate(scale, seed, org_units, today)
    records = sum(1 for _ in stream)
    _rows, intake = intake_roster(stream.intake_pool, seed, today)
    for kind, items in intake.items():
        stream.manifest.items[kind] = items
    manifest = stream.manifest.to_dict(scale=scale, seed=seed, today=today.isoformat(), persons=stream.persons,
                                       facts=records, fact_kinds=dict(sorted(stream.counts.items())))
    path = Path(path or population_dir() / "planted.json")
    path.write_text(_manifest_text(manifest), encoding="utf-8")
    return manifest


def _manifest_text(manifest: dict[str, Any]) -> str:
    """JSON with one planted case per line: readable, and diffs show which cases changed."""
    dump = lambda v: json.dumps(v, ensure_ascii=False, default=_json)  # noqa: E731
    head = [f' "{k}": {dump(v)}' for k, v in manifest.items() if k != "kinds"]
    kinds = []
    for kind in manifest["kinds"]:
        fields = ", ".join(f'"{k}": {dump(v)}' for k, v in kind.items() if k != "items")
        items = ",\n".join(f"    {dump(i)}" for i in kind["items"])
        kinds.append(f'  {{{fields}, "items": [\n{items}\n  ]}}')
    return "{\n" + ",\n".join(head) + ',\n "kinds": [\n' + ",\n".join(kinds) + "\n ]\n}\n"


def write_intake_samples(folder: str | Path, *, seed: int = DEFAULT_SEED, scale: str | int = "demo",
                         org_units: OrgTree | str | Path | None = None, today: date = DEFAULT_TODAY) -> list[Path]:
    """Write the filled intake roster(s) for the intake demo into ``folder``; returns the files."""
    from yibiaotong.demo.intake import write_roster

    stream = generate(scale, seed, org_units, today)
    for _ in stream:
        pass
    return [write_roster(Path(folder), stream.intake_pool, seed, today)]


def _json(value: Any) -> Any:
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(type(value).__name__)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="写出演示人口的埋点问题清单 planted.json")
    parser.add_argument("--scale", default="demo")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument("--intake", type=Path, default=None, help="也写出花名册样例到此文件夹")
    args = parser.parse_args(argv)
    scale = int(args.scale) if args.scale.isdigit() else args.scale
    manifest = write_manifest(args.out, scale=scale, seed=args.seed)
    print(json.dumps({k["kind"]: k["count"] for k in manifest["kinds"]}, ensure_ascii=False))
    if args.intake:
        print(write_intake_samples(args.intake, seed=args.seed, scale=scale))


if __name__ == "__main__":
    main()
