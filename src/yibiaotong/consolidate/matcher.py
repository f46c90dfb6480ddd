"""Field → element matching (字段对标): aliases, owner context, fuzzy similarity; explained and deterministic.

Same meaning, different words → one element (the dictionary's aliases and equivalent spellings).
Same words, different meaning → different elements, decided by context: whose value a field is
(户主 / 家庭成员 / 联系人 … in the label, in an enclosing section, or inherited from the nearest
preceding name field), and whether a roster describes households.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, replace

from rapidfuzz import fuzz, process

from yibiaotong.consolidate.knowledge import Knowledge
from yibiaotong.consolidate.normalize import Normalizer
from yibiaotong.elements.dictionary import Dictionary
from yibiaotong.elements.model import Element
from yibiaotong.elements.numbers import UNITS, canonical_unit, other_quantity, quantity
from yibiaotong.forms.model import FormTemplate, TemplateField

FUZZY_MIN = 88
_NEGATIONS = re.compile(r"[无不非未没否]")
_DIGITS = re.compile(r"\d+")
_NUMERIC = frozenset({"integer", "decimal", "amount"})


@dataclass(frozen=True)
class Match:
    element: str
    confidence: float
    reason: str


# a flag (is_severely_disabled) answers a count of its subjects: persons in 人, households in 户
_COUNTED = {"person": "人", "household": "户"}


class Matcher:
    def __init__(self, dictionary: Dictionary, knowledge: Knowledge):
        self.dictionary = dictionary
        self.k = knowledge
        self.norm = Normalizer(knowledge)
        self.by_owner: dict[tuple[str | None, str], list[Element]] = defaultdict(list)
        self.by_label: dict[str, list[Element]] = defaultdict(list)
        self.by_core: dict[tuple[str | None, str], list[Element]] = defaultdict(list)
        self.owner_of_element: dict[str, str | None] = {}
        elements = sorted(dictionary.elements.values(), key=_preference)
        for e in elements:
            self.owner_of_element[e.id] = self._owner_of(e)
        for e in elements:
            owner = self.owner_of_element[e.id]
            for printed in e.labels:
                n = self.norm.label(printed)
                if not n:
                    continue
                label_owner, base = self.norm.split_owner(n)
                _add(self.by_label[n], e)
                if label_owner:
                    _add(self.by_owner[(label_owner, base)], e)
                # a bare alias of an element about someone else is indexed under that someone
                _add(self.by_owner[(owner, n)], e)
                _add(self.by_core[(label_owner or owner, self.norm.core(base if label_owner else n))], e)
        self._attribute = {self.norm.label(a) for a in knowledge.attribute_labels}
        self._names = {self.norm.label(a) for a in knowledge.name_concepts}
        self._owner_words = {self.norm.fold(w): tag for w, tag in knowledge.owner_words()}
        # owners that are things rather than people: their elements name themselves (房屋类别, 地块面积)
        self._subject_owners = sorted({o for e in elements if (o := self.owner_of_element[e.id]) == e.subject and o})
        self._fuzzy_keys: dict[str | None, list[str]] = defaultdict(list)
        for owner, base in self.by_owner:
            self._fuzzy_keys[owner].append(base)

    def _owner_of(self, e: Element) -> str | None:
        """Whose value an element is: its role, else an owner word in its labels, else a
        non-person subject (household, organisation …); None for the subject person."""
        if e.role and e.role in self.k.roles:
            return self.k.roles[e.role]
        for printed in e.labels:
            owner, _base = self.norm.split_owner(self.norm.label(printed))
            if owner:
                return owner
        if e.subject not in (None, "person", "event", "area"):
            return e.subject
        return None

    # --- one form ---------------------------------------------------------------------------

    def match_form(self, form: FormTemplate) -> list[Match | None]:
        household_roster = self._describes_households(form)
        inherited: str | None = None
        scope = None
        out: list[Match | None] = []
        for f in form.fields:
            where = (f.section, f.subtable)
            if where != scope:  # a new section or sub-table starts afresh
                inherited, scope = None, where
            m = self.match_field(f, inherited=inherited, household_roster=household_roster)
            if m is not None and not self._measures(f, m):
                m = None  # 养殖/面积（亩） is an area, not the household's 养殖牲畜: a new element instead
            out.append(m)
            inherited = self._owner_after(f, m, inherited)
        return out

    def match_field(self, f: TemplateField, *, inherited: str | None = None,
                    household_roster: bool = False) -> Match | None:
        f = item_view(f)
        leaf = f.path[-1] if f.path else f.label
        n = self.norm.label(leaf)
        if not n:
            return None
        parents = [p for p in f.path[:-1]]
        if f.subtable and f.subtable not in parents:
            parents.insert(0, f.subtable)
        section_owner = next((o for o in (self.norm.owner_of_section(p) for p in reversed(parents)) if o), None)
        label_owner, base = self.norm.split_owner(n)

        if label_owner:
            hit = self._one(self.by_owner.get((label_owner, base)))
            if hit:
                return Match(hit.id, 0.95, f"标签“{leaf}”含“{self._word(label_owner)}”，对应{hit.name}")
        if section_owner:
            hit = self._one(self.by_owner.get((section_owner, n)))
            if hit:
                return Match(hit.id, 0.9, f"“{leaf}”位于“{'/'.join(parents)}”之下，属{self._word(section_owner)}，对应{hit.name}")
            # another word for a plain attribute (周岁 = 年龄) under a member section: the member's 年龄
            plain = self._one(self.by_owner.get((None, n)))
            hit = plain and self._one(self.by_owner.get((section_owner, self.norm.label(plain.name))))
            if hit:
                return Match(hit.id, 0.85, f"“{leaf}”即“{plain.name}”，位于“{'/'.join(parents)}”之下，"
                                           f"属{self._word(section_owner)}，对应{hit.name}")
        if inherited and (n in self._attribute or n in self._names):
            hit = self._one(self.by_owner.get((inherited, n)))
            if hit:
                return Match(hit.id, 0.8, f"“{leaf}”紧随{self._word(inherited)}的姓名，视为{hit.name}")
        if household_roster and not section_owner and (n in self._attribute or n in self._names):
            hit = self._one(self.by_owner.get(("household_head", n))) or self._one(self.by_owner.get(("household", n)))
            if hit:
                return Match(hit.id, 0.75, f"本表按户填报，“{leaf}”视为户主的信息：{hit.name}")
        hit = self._one(self.by_owner.get((None, n)))
        if hit:
            return Match(hit.id, 0.95, f"“{leaf}”是数据元“{hit.name}”的{'名称' if self.norm.label(hit.name) == n else '别名'}")
        candidates = self.by_label.get(n) or []
        if candidates:
            hit = candidates[0]
            others = "、".join(c.name for c in candidates[1:3])
            return Match(hit.id, 0.7, f"“{leaf}”是“{hit.name}”的别名" + (f"（也可能指：{others}）" if others else ""))
        core_owner = label_owner or section_owner
        core = self.norm.core(base if label_owner else n)
        hit = self._one(self.by_core.get((core_owner, core)))
        if not hit and core_owner is None:  # a house's or a parcel's own element: 房屋类型 = 房屋类别
            hit = next((h for o in self._subject_owners if (h := self._one(self.by_core.get((o, core))))), None)
        if hit:
            return Match(hit.id, 0.8, f"“{leaf}”去掉修饰词后为“{core}”，与“{hit.name}”相同")
        # a qualifier printed as a parent header: 基本情况(2007年)/资产总额(万元) → 资产总额
        for joined in self._joined(parents, leaf):
            hit = self._one(self.by_owner.get((section_owner, joined))) or self._one(self.by_owner.get((None, joined)))
            if hit:
                return Match(hit.id, 0.85, f"“{'/'.join([*parents, leaf])}”合起来是“{hit.name}”")
        return self._fuzzy(n, leaf, section_owner or label_owner)

    # --- helpers ----------------------------------------------------------------------------

    def _measures(self, f: TemplateField, m: Match) -> bool:
        """A field printed with a unit of measure (亩, 户, 元 …) holds a number: a text, code or date
        element cannot be what it asks for, however alike the words; nor can a number of another
        quantity (特困供养/户数 is no 基本生活费 in 元)."""
        if not f.unit or canonical_unit(f.unit).split("/")[0] not in UNITS:
            return True
        element = self.dictionary.element(m.element)
        if element.type == "boolean":  # a statistics table's 重度残疾/人数: the persons flagged, counted
            return f.indicator is not None and quantity(f.unit) == _COUNTED.get(element.subject)
        return element.type in _NUMERIC and not other_quantity(element.kept_unit, f.unit)

    def _fuzzy(self, n: str, leaf: str, owner: str | None) -> Match | None:
        keys = self._fuzzy_keys.get(owner) or []
        if not keys or len(n) < 2:
            return None
        for key, score, _ in process.extract(n, keys, scorer=fuzz.ratio, limit=3, score_cutoff=FUZZY_MIN):
            if not _compatible(n, key):
                continue
            hit = self._one(self.by_owner[(owner, key)])
            if hit:
                return Match(hit.id, round(0.5 + 0.3 * (score - FUZZY_MIN) / (100 - FUZZY_MIN), 2),
                             f"“{leaf}”与“{key}”相似度{score:.0f}%，对应{hit.name}")
        return None

    def _joined(self, parents: list[str], leaf: str) -> list[str]:
        out = []
        for i in range(len(parents)):
            joined = self.norm.label("".join([*parents[i:], leaf]))
            out.append(joined)
        return out

    def _owner_after(self, f: TemplateField, m: Match | None, current: str | None) -> str | None:
        """The owner that later attribute labels inherit once this field has been read."""
        n = self.norm.label(f.path[-1] if f.path else f.label)
        if n in self._owner_words:  # a column headed just 联系人 / 监护人 names that person
            return self._owner_words[n]
        owner, base = self.norm.split_owner(n)
        if base in self._names or n in self._names or n.endswith("姓名"):
            if owner:
                return owner
            if m is not None:
                return self.owner_of_element.get(m.element)
            return None
        return current

    def _describes_households(self, form: FormTemplate) -> bool:
        if form.layout != "roster":
            return False
        title = self.norm.fold(form.title or "")
        if not any(self.norm.fold(w) in title for w in self.k.household_titles):
            return False
        labels = {self.norm.label(f.label) for f in form.fields}
        has_household_count = any(self.norm.label(w) in labels for w in self.k.household_fields)
        names_head = any(self.norm.split_owner(lbl)[0] == "household_head" for lbl in labels)
        return has_household_count and not names_head

    def _word(self, owner: str) -> str:
        words = self.k.owners.get(owner) or [owner]
        return words[0]

    @staticmethod
    def _one(elements: list[Element] | None) -> Element | None:
        return elements[0] if elements else None


def item_view(f: TemplateField) -> TemplateField:
    """An indicator × value-column field seen as its indicator: 本期数 and 上年同期 of one indicator
    are the same element at different periods."""
    if f.indicator and f.header != f.indicator and len(f.path) > 1:
        return replace(f, path=f.path[:-1], header=f.indicator)
    return f


def _preference(e: Element) -> tuple:
    """Among elements sharing a label, the subject person's own, common element comes first."""
    return (e.role not in (None, "subject"), e.subject != "person", e.category != "common", e.id)


def _add(bucket: list[Element], e: Element) -> None:
    if e not in bucket:
        bucket.append(e)


def _compatible(a: str, b: str) -> bool:
    """Similar strings that still mean different things: 有/无劳动能力, 年龄段80/90."""
    if bool(_NEGATIONS.search(a)) != bool(_NEGATIONS.search(b)):
        return False
    return _DIGITS.findall(a) == _DIGITS.findall(b)
