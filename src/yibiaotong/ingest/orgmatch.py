"""Which org unit a row belongs to (所属村社区): the village/town columns matched to the org tree
by name, within the unit the import is for (``--org-unit``) and everything below it.

Clerks write 红星村, 红星村委会, 临江镇红星村 or just 红星: names are compared without the
suffixes 村/社区/村委会/居委会/镇/街道/乡 so all of these find 红星村. A village name that two towns
share is decided by the row's town column; if there is none, the row is reported, not guessed.
A town or village column that names the unit the import is for or a unit above it (临江镇 in a
roster imported for 红星村, as a report generated for the village prints it) places the row in
that unit: it says where the unit is, not that the row lies outside it.
"""

from __future__ import annotations

import re
import unicodedata

from yibiaotong.errors import Problem
from yibiaotong.orgunits.tree import OrgTree, OrgUnit

_SUFFIX = re.compile(r"(?:村民委员会|居民委员会|村委会|居委会|社区|村|镇人民政府|街道办事处|街道|镇|乡)$")


def _base(name: str) -> str:
    text = "".join(unicodedata.normalize("NFKC", name).split())
    return _SUFFIX.sub("", text) or text


class OrgMatcher:
    def __init__(self, tree: OrgTree, within: str | None):
        units = tree.subtree(within) if within else list(tree)
        self.tree = tree
        self.within = within
        self._by_name: dict[str, list[OrgUnit]] = {}
        for u in units:
            for key in {u.name, _base(u.name)}:
                self._by_name.setdefault(key, []).append(u)
        # the unit itself and the units above it, by name: a row naming them lies in ``within``
        self._above: dict[str, OrgUnit] = {}
        if within:
            for u in [*tree.ancestors(within), tree[within]]:
                for key in {u.name, _base(u.name)}:
                    self._above[key] = u
        self._memo: dict[tuple[str, str], tuple[str | None, Problem | None]] = {}

    def find(self, town: str | None, village: str | None) -> tuple[str | None, Problem | None]:
        """The unit's code, or None and a problem; ``(within, None)`` when the row names none."""
        key = (str(town or "").strip(), str(village or "").strip())
        if key not in self._memo:
            self._memo[key] = self._find(*key)
        return self._memo[key]

    def _find(self, town: str, village: str) -> tuple[str | None, Problem | None]:
        if not town and not village:
            return (self.within, None) if self.within else (None, Problem("org-unit-missing", {}))
        towns = self._candidates(town) if town else []
        above = bool(town) and not towns and self._is_above(town)
        if town and not towns and not above:
            return None, Problem("org-unit-not-found", {"name": town, "within": self._within_name()})
        if not village:
            if above:
                return self.within, None
            return (towns[0].code, None) if len(towns) == 1 else (None, Problem("org-unit-ambiguous", {"name": town}))
        villages = self._candidates(village, village_level=True)
        if not villages and self._is_above(village):
            return self.within, None
        if towns:
            villages = [v for v in villages if any(v.path.startswith(t.path) for t in towns)]
        if not villages:
            # 临江镇红星村 written in the village column: the town's name, then the village's
            villages = [u for name, us in self._by_name.items() if len(name) >= 2 and village.endswith(name)
                        for u in us if u.level >= 3]
            villages = list({u.code: u for u in villages}.values())
        if len(villages) == 1:
            return villages[0].code, None
        if not villages:
            return None, Problem("org-unit-not-found", {"name": village, "within": self._within_name()})
        return None, Problem("org-unit-ambiguous", {"name": village})

    def _candidates(self, name: str, village_level: bool = False) -> list[OrgUnit]:
        found = self._by_name.get(name) or self._by_name.get(_base(name)) or []
        if village_level:
            deeper = [u for u in found if u.level >= 3]
            found = deeper or found
        return list({u.code: u for u in found}.values())

    def _is_above(self, name: str) -> bool:
        """Does ``name`` name the unit the import is for, or a unit above it?"""
        return bool(self._above) and (name in self._above or _base(name) in self._above)

    def _within_name(self) -> str:
        """The unit the rows must lie in, by name: the district itself when the import is for all of it."""
        if self.within:
            return self.tree.full_name(self.within)
        roots = self.tree.roots()
        return roots[0].name if len(roots) == 1 else "本系统的组织机构"
