"""Fields no dictionary element fits become new elements, shared by the fields of other forms
that mean the same thing (same owner, same normalized label, or a near spelling of it).

One element measures one quantity: an indicator asked as 人数 and as 发放金额（元） is two facts,
so fields of one label printed in units of different quantities (人 and 元, 户 and 亩) become one
element per quantity (see :func:`_by_quantity`): the quantity the row counts keeps the label, the
others are named by their value column (高血压 and 高血压基金支付)."""

from __future__ import annotations

import hashlib
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from pypinyin import lazy_pinyin
from rapidfuzz import fuzz

from yibiaotong.consolidate.matcher import _compatible
from yibiaotong.elements.numbers import extract_unit, quantity

MERGE_MIN = 92


@dataclass
class NewElement:
    id: str
    name: str
    owner: str | None
    labels: Counter = field(default_factory=Counter)  # printed labels → how many fields
    units: Counter = field(default_factory=Counter)
    forms: set[int] = field(default_factory=set)


@dataclass(frozen=True)
class Unmatched:
    form: int  # index of the form in the plan
    field: int  # index of the field in the form
    key: str  # normalized label
    owner: str | None
    printed: str  # leaf label as printed
    unit: str | None
    column: str | None = None  # an indicator's value column, its label's core (发放金额): names a split
    row_unit: str | None = None  # an indicator row's unit (its first value column's): what the row counts


def element_id(key: tuple[str | None, str], taken: set[str]) -> str:
    """A readable, stable id from the label's pinyin: 青菜头种植面积 → x_qing_cai_tou_zhong_zhi_mian_ji.

    The x_ prefix keeps proposed elements apart from the dictionary's; a person can rename them
    in the review decisions."""
    owner, label = key
    syllables = [s for s in lazy_pinyin(label, errors=lambda chars: [c for c in chars if c.isalnum()])
                 if s.isascii() and s.isalnum()]
    slug = "_".join(([owner] if owner else []) + syllables).lower()[:48].rstrip("_") or "field"
    candidate = f"x_{slug}"
    if candidate in taken:
        candidate = f"x_{slug[:38]}_{hashlib.sha1(f'{owner}|{label}'.encode()).hexdigest()[:6]}"
    taken.add(candidate)
    return candidate


def cluster(unmatched: list[Unmatched]) -> tuple[list[NewElement], dict[tuple[int, int], str]]:
    """New elements and, for each (form, field), the new element's id. Deterministic."""
    groups: dict[tuple[str | None, str], list[Unmatched]] = defaultdict(list)
    for u in unmatched:
        groups[(u.owner, u.key)].append(u)
    # merge near spellings into the most common key of the same owner (多了一个“的”, 一字之差)
    keys = sorted(groups, key=lambda k: (-len(groups[k]), k[1], k[0] or ""))
    target: dict[tuple[str | None, str], tuple[str | None, str]] = {}
    kept: list[tuple[str | None, str]] = []
    for k in keys:
        into = next((c for c in kept if c[0] == k[0] and len(k[1]) >= 4 and fuzz.ratio(k[1], c[1]) >= MERGE_MIN
                     and _compatible(k[1], c[1])), None)
        target[k] = into or k
        if into is None:
            kept.append(k)
    members_of: dict[tuple[str | None, str], list[Unmatched]] = defaultdict(list)
    for k, members in groups.items():
        members_of[target[k]].extend(members)
    named: dict[tuple[str | None, str], list[tuple[Unmatched, str]]] = defaultdict(list)
    for k in kept:
        for key, members in _by_quantity(k, members_of[k]):
            named[key].extend(members)
    elements: dict[tuple[str | None, str], NewElement] = {}
    assignment: dict[tuple[int, int], str] = {}
    taken: set[str] = set()
    for k in sorted(named, key=lambda k: (k[1], k[0] or "")):
        elements[k] = NewElement(id=element_id(k, taken), name="", owner=k[0])
    for k, members in named.items():
        e = elements[k]
        for u, printed in members:
            e.labels[printed] += 1
            if u.unit:
                e.units[u.unit] += 1
            e.forms.add(u.form)
            assignment[(u.form, u.field)] = e.id
    for e in elements.values():
        e.name = sorted(e.labels.items(), key=lambda kv: (-kv[1], len(kv[0]), kv[0]))[0][0]
    return sorted(elements.values(), key=lambda e: e.id), assignment


def _by_quantity(key: tuple[str | None, str], members: list[Unmatched]
                 ) -> list[tuple[tuple[str | None, str], list[tuple[Unmatched, str]]]]:
    """The fields of one new element, one group per quantity their units measure, each with the
    label its fields go by. The quantity the rows name (80—89周岁津贴人数（人）, or their first value
    column: 退役军人's 人数) keeps the element, else the one most fields measure (the first field's
    on a tie); fields without a unit join it. Every other quantity is an element of its own, named
    by its value column (发放金额 under 80—89周岁津贴人数（人）: 80—89周岁津贴人数发放金额)."""
    members = sorted(members, key=lambda u: (u.form, u.field))
    measured = [quantity(u.unit) for u in members]
    named = [quantity(extract_unit(u.printed)) or quantity(u.row_unit) for u in members]
    votes = Counter(q for q in named if q) or Counter(q for q in measured if q)
    if not votes or (len(votes) == 1 and set(measured) <= {*votes, None}):
        return [(key, [(u, u.printed.strip()) for u in members])]
    order = named if any(named) else measured
    main = min(votes, key=lambda q: (-votes[q], order.index(q)))
    out: dict[tuple[str | None, str], list[Unmatched]] = defaultdict(list)
    for u, q in zip(members, measured):
        out[key if q in (None, main) else (key[0], f"{key[1]}/{_WORDS.get(q, f'{q}数')}")].append(u)
    return [(k, [(u, u.printed.strip()) for u in group] if k == key else _split_names(group))
            for k, group in out.items()]


def _split_names(group: list[Unmatched]) -> list[tuple[Unmatched, str]]:
    """A split element's fields with their labels: the row's label without the unit the row counts
    in, and its value column, without its period when the columns differ only by that
    (高龄津贴享受人数（人） + 发放金额 -> 高龄津贴享受人数发放金额; 本年产量 and 上年产量 of 茶叶 ->
    茶叶产量)."""
    columns = {_PERIOD.sub("", u.column) for u in group if u.column}
    common = columns.pop() if len(columns) == 1 else None  # 本年产量 and 上年产量: 产量
    out = []
    for u in group:
        base = u.printed.strip()
        m = _TRAILING.search(base)
        if m and (extract_unit(m.group(0)) or m.group(1) in _COUNT_WORDS):  # （人）, （份）: no qualifier
            base = base[:m.start()]
        column = common or u.column or ""
        out.append((u, f"{base}（{u.unit}）" if not column or base.endswith(column) else f"{base}{column}"))
    return out


# what a split element of each quantity is called in its id (a count of 间 is 间数)
_WORDS = {"money": "金额", "area": "面积", "weight": "重量", "ratio": "比例"}
# a value column's period (本年产量, 上年同期金额): the same figure of another time
_PERIOD = re.compile(r"^(本|上|今|去|当|同)(年|月|期|季度|季)(同期)?|^(本年|上年)?累计")
# units a label may print that the conversions do not know (出具核对报告（份）)
_COUNT_WORDS = frozenset({"份", "件", "个", "名", "张", "本", "家", "人次", "户次", "次", "宗", "起"})
_TRAILING = re.compile(r"\s*[（(]([^（）()]+)[）)]\s*$")
