"""Names in an expression: which table column (or Chinese label) a name means, and its type."""

from __future__ import annotations

import difflib
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import Column, Table

from yibiaotong.expressions import types as T

if TYPE_CHECKING:
    from yibiaotong.elements.dictionary import Dictionary
    from yibiaotong.ledgers.definition import LedgerDef


@dataclass(frozen=True)
class Resolved:
    alias: str
    column: Column
    type: str

    @property
    def name(self) -> str:
        return f"{self.alias}.{self.column.name}"


class NameError_(LookupError):
    """A name that means nothing (``suggestions``) or more than one thing (``tables``)."""

    def __init__(self, name: str, suggestions: list[str] | None = None, tables: list[str] | None = None):
        super().__init__(name)
        self.name = name
        self.suggestions = suggestions or []
        self.tables = tables or []


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text).strip().casefold()


class Scope:
    """The tables an expression may use.

    ``tables`` maps an alias to a SQLAlchemy table, or to ``(table, {column: element_type})``; a
    column without a given type is typed from its SQL type. ``default`` is the alias a bare name
    refers to (the only table when there is one). ``labels`` maps a label such as ``出生日期`` to
    ``column`` (of the default table) or ``alias.column``.
    """

    def __init__(self, tables: Mapping[str, Table | tuple[Table, Mapping[str, str]]], default: str | None = None,
                 labels: Mapping[str, str] | None = None):
        self.tables: dict[str, Table] = {}
        self.types: dict[str, dict[str, str]] = {}
        for alias, spec in tables.items():
            table, element_types = (spec, {}) if isinstance(spec, Table) else (spec[0], dict(spec[1]))
            self.tables[alias] = table
            self.types[alias] = {c.name: T.from_element(element_types[c.name]) if c.name in element_types
                                 else T.from_sql(c.type) for c in table.columns}
        if default is None and len(self.tables) == 1:
            default = next(iter(self.tables))
        if default is not None and default not in self.tables:
            raise ValueError(f"default alias {default!r} is not one of the tables {sorted(self.tables)}")
        self.default = default
        self.labels: dict[str, tuple[str | None, str]] = {}  # folded label -> (alias or None, column)
        self.label_texts: dict[str, str] = {}  # folded label -> the label as given
        for label, target in (labels or {}).items():
            alias, _, column = target.rpartition(".")
            self.labels[_fold(label)] = (alias or None, column)
            self.label_texts[_fold(label)] = label

    @classmethod
    def for_ledger(cls, definition: LedgerDef, table: Table, dictionary: Dictionary, alias: str = "t") -> Scope:
        """A scope over one ledger table, with each column also known by its element's name and aliases."""
        element_types: dict[str, str] = {}
        by_key: dict[str, tuple[str, str | None]] = {}  # folded label -> (label, column or None if shared)
        for col in definition.columns:
            element = dictionary.element(col.element)
            element_types[col.column] = element.type
            for label in element.labels:
                key = _fold(label)
                if key in by_key and by_key[key][1] != col.column:
                    by_key[key] = (label, None)  # two columns share a label: neither gets it
                else:
                    by_key[key] = (label, col.column)
        labels = {label: column for label, column in by_key.values() if column is not None}
        return cls({alias: (table, element_types)}, default=alias, labels=labels)

    # --- lookups --------------------------------------------------------------------------------

    def resolve(self, name: str, qualifier: str | None = None, quoted: bool = False) -> Resolved:
        """The column a name means; raises :class:`NameError_` with suggestions when there is none."""
        if qualifier is not None:
            alias = self._alias(qualifier)
            if alias is None:
                raise NameError_(qualifier, difflib.get_close_matches(qualifier, list(self.tables), n=3, cutoff=0.5))
            found = self._column(alias, name, quoted) or self._label(name, alias)
            if found is None:
                raise NameError_(f"{qualifier}.{name}", self._suggest(name, alias))
            return found
        if self.default is not None:
            found = self._column(self.default, name, quoted)
            if found is not None:
                return found
        found = self._label(name, None)
        if found is not None:
            return found
        hits = [r for r in (self._column(a, name, quoted) for a in self.tables if a != self.default) if r]
        if len(hits) == 1:
            return hits[0]
        if len(hits) > 1:
            raise NameError_(name, tables=[h.alias for h in hits])
        raise NameError_(name, self._suggest(name, None))

    def _alias(self, qualifier: str) -> str | None:
        if qualifier in self.tables:
            return qualifier
        folded = [a for a in self.tables if a.casefold() == qualifier.casefold()]
        return folded[0] if len(folded) == 1 else None

    def _column(self, alias: str, name: str, quoted: bool) -> Resolved | None:
        table = self.tables[alias]
        if name in table.c:
            return Resolved(alias, table.c[name], self.types[alias][name])
        if not quoted:  # bare names fold case, as SQL does
            matches = [c for c in table.columns if c.name.casefold() == name.casefold()]
            if len(matches) == 1:
                return Resolved(alias, matches[0], self.types[alias][matches[0].name])
        return None

    def _label(self, name: str, alias: str | None) -> Resolved | None:
        target = self.labels.get(_fold(name))
        if target is None:
            return None
        target_alias = target[0] or self.default
        if target_alias is None or (alias is not None and target_alias != alias):
            return None
        return self._column(target_alias, target[1], True)

    def _suggest(self, name: str, alias: str | None) -> list[str]:
        candidates: list[str] = []
        for a, table in self.tables.items():
            if alias is not None and a != alias:
                continue
            prefix = "" if a == self.default or alias is not None else f"{a}."
            candidates += [prefix + c.name for c in table.columns if not c.name.startswith("_")]
        pool = candidates + [self.label_texts[k] for k, (a, _c) in self.labels.items()
                             if alias is None or (a or self.default) == alias]
        folded = {_fold(c): c for c in pool}
        close = difflib.get_close_matches(_fold(name), list(folded), n=3, cutoff=0.5)
        # a label that contains the name (出生 -> 出生日期) is a good suggestion too
        close += [k for k in folded if _fold(name) in k and k not in close][: 3 - min(len(close), 3)]
        return [folded[c] for c in close][:3]

    def names(self) -> list[str]:
        """Every name an expression may use here (for help texts and the web UI)."""
        out = []
        for alias, table in self.tables.items():
            prefix = "" if alias == self.default else f"{alias}."
            out += [prefix + c.name for c in table.columns]
        return out + sorted(self.label_texts.values())
