"""Data elements (数据元) and code lists (代码表): the shapes every other module points at."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

ELEMENT_TYPES = frozenset({
    "text", "integer", "decimal", "amount", "date", "month", "datetime", "boolean", "code",
    "id_number", "phone", "mobile", "postcode", "year",
})
SENSITIVITIES = ("public", "internal", "personal", "sensitive")  # PIPL, least to most
SUBJECTS = frozenset({"person", "household", "house", "land", "organisation", "event", "area"})
ROLES = frozenset({
    "subject", "household_head", "family_member", "guardian", "contact", "spouse", "applicant",
    "agent", "staff",
})
CATEGORIES = frozenset({"common", "application"})  # 公共数据元 / 应用数据元 (DB50/T 1808)
# an element's validation rules (elements.validate): numbers, texts, and dates of what has happened
VALIDATION_RULES = frozenset({"min", "max", "max_length", "pattern", "not_future", "person_name"})
DATE_TYPES = frozenset({"date", "month", "datetime", "year"})


@dataclass(frozen=True)
class CodeItem:
    code: str
    label: str
    aliases: tuple[str, ...] = ()
    parent: str | None = None


class AnswerError(KeyError):
    """A form's answers for a code list that cannot be: ``answer`` names ``code``, which the list
    does not hold (both None: the answers are not answer: code pairs)."""

    def __init__(self, answer: str | None, code: str | None):
        super().__init__(answer)
        self.answer, self.code = answer, code


@dataclass(frozen=True)
class CodeList:
    """A code list such as GB/T 2261.1 sex; look values up by code, label or alias."""

    id: str
    name: str
    items: tuple[CodeItem, ...]
    standard: str = ""
    pack: str = ""
    _index: dict[str, str] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        index: dict[str, str] = {}
        # labels and aliases first, codes last: a code always means itself
        for item in self.items:
            for spelling in (item.label, *item.aliases):
                index.setdefault(_fold(spelling), item.code)
        for item in self.items:
            index[_fold(item.code)] = item.code
        object.__setattr__(self, "_index", index)

    def lookup(self, value: str) -> str | None:
        """The code for a code, label or alias (full-width and spaces folded), else None."""
        return self._index.get(_fold(value))

    def label(self, code: str) -> str | None:
        for item in self.items:
            if item.code == code:
                return item.label
        return None

    @property
    def codes(self) -> list[str]:
        return [item.code for item in self.items]

    def answered(self, answers: Mapping[str, str], id: str) -> CodeList:
        """This list as a form's column answers it (是/否, 1/0 under 是否到账): each answer is the code it
        stands for, even where it spells another code, and that code's label is its first answer;
        the answers mean nothing else. Raises :class:`AnswerError` for an answer whose code the
        list does not hold, or for answers that are not answer: code pairs."""
        if not isinstance(answers, Mapping):
            raise AnswerError(None, None)
        by_code: dict[str, list[str]] = {}
        for answer, code in answers.items():
            if str(code) not in self.codes:
                raise AnswerError(str(answer), str(code))
            by_code.setdefault(str(code), []).append(str(answer))
        taken = {_fold(a) for a in map(str, answers)}
        items = []
        for item in self.items:
            own = by_code.get(item.code, [])
            others = tuple(s for s in (item.label, *item.aliases) if _fold(s) not in taken)
            items.append(replace(item, label=own[0], aliases=(*own[1:], *others)) if own
                         else replace(item, aliases=tuple(a for a in item.aliases if _fold(a) not in taken)))
        out = CodeList(id, self.name, tuple(items), self.standard, self.pack)
        out._index.update({_fold(str(answer)): str(code) for answer, code in answers.items()})  # over the codes' own
        return out


def _fold(text: str) -> str:
    import unicodedata

    return "".join(unicodedata.normalize("NFKC", str(text)).split()).lower()


@dataclass(frozen=True)
class Element:
    """A data element: defined once, pointed at by form fields, ledger columns and rules."""

    id: str
    name: str
    type: str = "text"
    name_en: str = ""
    aliases: tuple[str, ...] = ()
    codelist: str | None = None
    unit: str | None = None
    sensitivity: str = "internal"
    subject: str | None = None
    role: str | None = None
    group: str | None = None
    category: str = "application"
    validation: dict[str, Any] = field(default_factory=dict)
    description: str = ""
    pack: str = ""

    @property
    def labels(self) -> tuple[str, ...]:
        """Every printed label known to mean this element: the name first, then aliases."""
        return (self.name, *self.aliases)

    @property
    def kept_unit(self) -> str | None:
        """The unit its values are kept in: its own, or 元 for money that names none."""
        return self.unit or ("元" if self.type == "amount" else None)

    @property
    def is_sensitive(self) -> bool:
        return self.sensitivity == "sensitive"
