"""One ID number is one person: a file's rows under the same ID number with different names.

A roster may list a person twice (two months, a corrected line below the first): those rows are
one record, the later values winning (see ``sheet._distinct``). But a row naming *another*
person under an ID number already written for someone is a slip — an ID number pasted one row
off, an ID cell merged over two people — and merging it would give the first person the
second's name, birth date and sex without a word. Such a row is refused, naming the row whose
person the ID number already belongs to; the first row stays imported.
"""

from __future__ import annotations

import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from itertools import compress
from operator import not_
from typing import Any

# the dots between the parts of a name (阿依古丽·买买提) as people type them
_DOTS = str.maketrans(dict.fromkeys("•・･.．‧∙⋅", "·"))
_ROW_BITS, _SHEET_BITS = 32, 16  # row, then sheet, then name hash: one int per ID number
_NAME_SHIFT = _ROW_BITS + _SHEET_BITS
_PLACE = (1 << _NAME_SHIFT) - 1  # the sheet and row bits


def name_as_said(value: Any) -> str:
    """A name as it sounds: its spaces (王  五, padded to line up) and its kind of dot aside."""
    return "" if value in (None, "") else "".join(unicodedata.normalize("NFKC", str(value)).translate(_DOTS).split())


def _name(value: Any) -> int:
    """A hash of :func:`name_as_said` (0: no name)."""
    text = name_as_said(value)
    return (hash(text) & 0xFFFFFFFF) or 1 if text else 0


class IdNames:
    """The first row (and sheet) each ID number of the file was written with, and a hash of its
    name: one int per ID number (a million-row roster keeps a million of them). Sheets are
    numbered as :meth:`sheet` names them; a clash says the sheet only when it is another."""

    def __init__(self) -> None:
        self.first: dict[str, int] = {}  # ID number -> name hash << 48 | sheet << 32 | row
        self.sheets: list[str] = [""]  # rows before any sheet is named are of one unnamed sheet

    def sheet(self, name: str) -> None:
        """The rows from now on are the sheet ``name``'s."""
        self.sheets.append(name)

    def _where(self, seen: int) -> tuple[str | None, int]:
        sheet = (seen >> _ROW_BITS) & (1 << _SHEET_BITS) - 1
        return (None if sheet == len(self.sheets) - 1 else self.sheets[sheet]), seen & (1 << _ROW_BITS) - 1

    def clashes(self, ids: Sequence[Any], names: Sequence[Any], numbers: Sequence[int],
                indices: Iterable[int]) -> dict[int, tuple[str | None, int]]:
        """Of the rows at ``indices`` (about to be written, in row order), those naming another
        person than the first row with their ID number: index -> that row's sheet (None: this
        one) and row. The others are noted."""
        first, found = self.first, {}
        here = (len(self.sheets) - 1) << _ROW_BITS
        rows = [i for i in indices if ids[i] is not None and ids[i] != ""]
        keys = [ids[i] for i in rows]
        # the usual row: an ID number this file has not had, once in the batch — noted in bulk
        # (a million-row roster is a million of them); the others one by one, in row order
        new = list(map(not_, map(first.__contains__, keys)))
        if len(set(keys)) < len(keys):
            once = Counter(keys)
            new = [n and once[k] == 1 for n, k in zip(new, keys)]
        hashes = list(map(_name, [names[i] for i in compress(rows, new)]))
        first.update(zip(compress(keys, new), [h << _NAME_SHIFT | here | numbers[i]
                                               for h, i in zip(hashes, compress(rows, new))]))
        for i in compress(rows, map(not_, new)):
            key = ids[i]
            seen, name = first.get(key), _name(names[i])
            if seen is None or not seen >> _NAME_SHIFT:  # new, or first written without a name
                if seen is None or name:
                    first[key] = name << _NAME_SHIFT | here | numbers[i]
            elif self._other(seen, name, here | numbers[i]):
                found[i] = self._where(seen)
        return found

    def clash(self, id_number: Any, name: Any, number: int) -> tuple[str | None, int] | None:
        """Where ``id_number`` was first written when row ``number`` names another person (not noted)."""
        seen = self.first.get(id_number) if id_number not in (None, "") else None
        here = (len(self.sheets) - 1) << _ROW_BITS | number
        return self._where(seen) if seen is not None and self._other(seen, _name(name), here) else None

    @staticmethod
    def _other(seen: int, name: int, place: int) -> bool:
        """Does a row at ``place`` (another than the first's) name someone else than the first row did?"""
        return bool(name and seen >> _NAME_SHIFT and name != seen >> _NAME_SHIFT and seen & _PLACE != place)

    def note(self, id_number: Any, name: Any, number: int) -> None:
        """Row ``number`` was written with ``id_number``: the first such row with a name is remembered."""
        if id_number not in (None, ""):
            self.clashes((id_number,), (name,), (number,), (0,))
