"""The org tree as values: units, their parents, their paths, checked as a whole."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from yibiaotong.errors import Problem, YbtError

KINDS = {  # kind -> usual level; deeper or shallower trees are allowed, the level is the depth
    "province": 0, "city": 0, "district": 1, "county": 1, "subdistrict": 2, "town": 2, "township": 2,
    "community": 3, "village": 3, "grid": 4, "group": 4,
}
GRASSROOTS = frozenset({"community", "village", "grid", "group"})  # 村（社区） and below, where rosters are filled
KIND_NAMES = {"province": "省", "city": "市", "district": "区", "county": "县", "subdistrict": "街道",
              "town": "镇", "township": "乡", "community": "社区", "village": "村", "grid": "网格", "group": "组"}


def subtree_range(path: str) -> tuple[str, str]:
    """The paths of the unit at ``path`` and every unit below it, as an index range: from ``path``
    up to the same path with its closing "/" made "0", which sorts right after it."""
    return path, path[:-1] + "0"


@dataclass(frozen=True)
class OrgUnit:
    code: str
    name: str
    kind: str
    parent_code: str | None = None
    level: int = 0
    path: str = ""


class OrgTree:
    """A checked tree: unique codes, known parents, no cycles; levels and paths derived."""

    def __init__(self, units: Iterable[OrgUnit], *, source: str | None = None):
        raw = list(units)
        problems = _check(raw, source)
        if problems:
            raise YbtError(problems)
        by_code = {u.code: u for u in raw}
        resolved: dict[str, OrgUnit] = {}

        def resolve(code: str) -> OrgUnit:
            if code not in resolved:
                unit = by_code[code]
                parent = resolve(unit.parent_code) if unit.parent_code else None
                path = (parent.path if parent else "/") + unit.code + "/"
                resolved[code] = OrgUnit(unit.code, unit.name, unit.kind, unit.parent_code,
                                         parent.level + 1 if parent else 1, path)
            return resolved[code]

        self.units: dict[str, OrgUnit] = {u.code: resolve(u.code) for u in raw}

    def __len__(self) -> int:
        return len(self.units)

    def __iter__(self) -> Iterator[OrgUnit]:
        return iter(sorted(self.units.values(), key=lambda u: u.path))

    def __getitem__(self, code: str) -> OrgUnit:
        try:
            return self.units[code]
        except KeyError:
            raise YbtError(Problem("unknown-org-unit", {"org_unit": code})) from None

    def children(self, code: str | None) -> list[OrgUnit]:
        return sorted((u for u in self.units.values() if u.parent_code == code), key=lambda u: u.code)

    def roots(self) -> list[OrgUnit]:
        return self.children(None)

    def subtree(self, code: str) -> list[OrgUnit]:
        prefix = self[code].path
        return [u for u in self if u.path.startswith(prefix)]

    def ancestors(self, code: str) -> list[OrgUnit]:
        return [self.units[c] for c in self[code].path.strip("/").split("/")[:-1]]

    def full_name(self, code: str) -> str:
        """永川区临江镇XX村: the names from the top down, as addresses print them."""
        return "".join(u.name for u in [*self.ancestors(code), self[code]])


def _check(units: list[OrgUnit], source: str | None) -> list[Problem]:
    problems: list[Problem] = []
    seen: dict[str, int] = {}
    for row, unit in enumerate(units, start=2):  # CSV row numbers: header is row 1
        where = {"file": source, "row": row, "record": unit.code}
        if not unit.code or not unit.code.isdigit() and not unit.code.replace("-", "").isalnum():
            problems.append(Problem("invalid-org-tree", {"reason": f"代码“{unit.code}”无效"}, where))
        if not unit.name:
            problems.append(Problem("invalid-org-tree", {"reason": "名称为空"}, where))
        if unit.kind not in KINDS:
            problems.append(Problem("invalid-org-tree", {"reason": f"类型“{unit.kind}”应为 {'/'.join(KINDS)} 之一"}, where))
        if unit.code in seen:
            problems.append(Problem("invalid-org-tree", {"reason": f"代码“{unit.code}”与第{seen[unit.code]}行重复"}, where))
        seen.setdefault(unit.code, row)
    by_code = {u.code: u for u in units}
    for row, unit in enumerate(units, start=2):
        if unit.parent_code and unit.parent_code not in by_code:
            problems.append(Problem("invalid-org-tree", {"reason": f"上级代码“{unit.parent_code}”不存在"},
                                    {"file": source, "row": row, "record": unit.code}))
    for unit in units:  # cycles: walk up at most len(units) steps
        code, steps = unit.parent_code, 0
        while code and code in by_code and steps <= len(units):
            if code == unit.code:
                problems.append(Problem("invalid-org-tree", {"reason": f"“{unit.code}”的上级关系形成了环"},
                                        {"file": source, "record": unit.code}))
                break
            code, steps = by_code[code].parent_code, steps + 1
    return problems
