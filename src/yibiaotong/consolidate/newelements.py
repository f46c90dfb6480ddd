"""Fields no dictionary element fits become new elements, shared by the fields of other forms
that mean the same thing (same owner, same normalized label, or a near spelling of it)."""

from __future__ import annotations

import hashlib
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from pypinyin import lazy_pinyin
from rapidfuzz import fuzz

from yibiaotong.consolidate.matcher import _compatible

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
    elements: dict[tuple[str | None, str], NewElement] = {}
    assignment: dict[tuple[int, int], str] = {}
    taken: set[str] = set()
    for k in sorted(kept, key=lambda k: (k[1], k[0] or "")):
        elements[k] = NewElement(id=element_id(k, taken), name="", owner=k[0])
    for k, members in groups.items():
        e = elements[target[k]]
        for u in members:
            e.labels[u.printed.strip()] += 1
            if u.unit:
                e.units[u.unit] += 1
            e.forms.add(u.form)
            assignment[(u.form, u.field)] = e.id
    for e in elements.values():
        e.name = sorted(e.labels.items(), key=lambda kv: (-kv[1], len(kv[0]), kv[0]))[0][0]
    return sorted(elements.values(), key=lambda e: e.id), assignment
