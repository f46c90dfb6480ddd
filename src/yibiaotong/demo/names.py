"""Chinese names for the synthetic population: surnames by Sichuan-Chongqing frequency, given
names by birth cohort and sex (packs/yongchuan/population/surnames.csv, given_names.yaml).

A name dates its bearer (秀英 is a grandmother, 梓涵 a schoolgirl), so a realistic roster needs
the cohort; Faker's default zh_CN names do not, and they ignore regional surname frequencies.
"""

from __future__ import annotations

import bisect
import csv
import itertools
import random
from dataclasses import dataclass
from pathlib import Path

from yibiaotong.packs import packs_root, read_yaml


def population_dir() -> Path:
    return packs_root() / "yongchuan" / "population"


class Weighted:
    """Draw from weighted choices fast: cumulative weights and bisect (random.choices rebuilds them)."""

    def __init__(self, items: dict | list[tuple]) -> None:
        pairs = list(items.items()) if isinstance(items, dict) else list(items)
        self.values = [v for v, _w in pairs]
        self.cumulative = list(itertools.accumulate(float(w) for _v, w in pairs))

    def draw(self, rnd: random.Random):
        return self.values[bisect.bisect_right(self.cumulative, rnd.random() * self.cumulative[-1])]


def zipf(values: list[str]) -> Weighted:
    """Rank-weighted: the first item is the most frequent, as in every name frequency list."""
    return Weighted([(v, 1.0 / (rank + 1.5)) for rank, v in enumerate(values)])


@dataclass
class _Cohort:
    first_year: int
    last_year: int
    single_share: float
    whole_share: float
    generation_share: float
    lists: dict[str, dict[str, Weighted]]  # sex code -> whole/first/second/single


class NameBook:
    """Names by surname frequency, cohort and sex; deterministic for a given random generator."""

    def __init__(self, folder: str | Path | None = None) -> None:
        folder = Path(folder or population_dir())
        with open(folder / "surnames.csv", encoding="utf-8") as fh:
            rows = csv.DictReader(line for line in fh if not line.startswith("#"))
            self.surnames = Weighted([(r["surname"], float(r["weight"])) for r in rows])
        data = read_yaml(folder / "given_names.yaml")
        self.cohorts = [
            _Cohort(c["born"][0], c["born"][1], c["single_share"], c["whole_share"], c["generation_share"],
                    {sex: {k: zipf(c[key][k]) for k in ("whole", "first", "second", "single")}
                     for sex, key in (("1", "male"), ("2", "female"))})
            for c in data["cohorts"]]
        self.variants: dict[str, list[str]] = {k: list(v) for k, v in (data.get("variants") or {}).items()}

    def surname(self, rnd: random.Random) -> str:
        return self.surnames.draw(rnd)

    def cohort(self, birth_year: int) -> _Cohort:
        for c in self.cohorts:
            if c.first_year <= birth_year <= c.last_year:
                return c
        return self.cohorts[0] if birth_year < self.cohorts[0].first_year else self.cohorts[-1]

    def given(self, rnd: random.Random, sex: str, birth_year: int, generation_char: str | None = None) -> str:
        """A given name; ``generation_char`` (字辈) is used as the first character when the cohort
        still followed the custom."""
        c = self.cohort(birth_year)
        lists = c.lists["1" if sex == "1" else "2"]
        if generation_char and rnd.random() < c.generation_share:
            return generation_char + lists["second"].draw(rnd)
        roll = rnd.random()
        if roll < c.single_share:
            return lists["single"].draw(rnd)
        if roll < c.single_share + c.whole_share:
            return lists["whole"].draw(rnd)
        first, second = lists["first"].draw(rnd), lists["second"].draw(rnd)
        return first + (second if second != first or rnd.random() < 0.3 else lists["second"].draw(rnd))

    def full(self, rnd: random.Random, sex: str, birth_year: int, surname: str | None = None,
             generation_char: str | None = None) -> str:
        return (surname or self.surname(rnd)) + self.given(rnd, sex, birth_year, generation_char)

    def variant(self, rnd: random.Random, name: str) -> str | None:
        """The same name as another clerk wrote it (同音字/繁体字 in the given name), or None when
        none of its characters has a known variant."""
        positions = [i for i, ch in enumerate(name) if i > 0 and ch in self.variants]
        if not positions:
            return None
        i = rnd.choice(positions)
        return name[:i] + rnd.choice(self.variants[name[i]]) + name[i + 1:]


def surname_of(name: str) -> str:
    return name[:1]
