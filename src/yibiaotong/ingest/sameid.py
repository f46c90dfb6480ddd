"""One ID number is one person: a sheet's rows under the same ID number with different names.

A roster may list a person twice (two months, a corrected line below the first): those rows are
one record, the later values winning (see ``sheet._distinct``). But a row naming *another*
person under an ID number already written for someone is a slip — an ID number pasted one row
off, an ID cell merged over two people — and merging it would give the first person the
second's name, birth date and sex without a word. Such a row is refused, naming the row whose
person the ID number already belongs to; the first row stays imported.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Sequence
from typing import Any

# the dots between the parts of a name (阿依古丽·买买提) as people type them
_DOTS = str.maketrans(dict.fromkeys("•・･.．‧∙⋅", "·"))
_ROW_BITS = 32


def name_as_said(value: Any) -> str:
    """A name as it sounds: its spaces (王  五, padded to line up) and its kind of dot aside."""
    return "" if value in (None, "") else "".join(unicodedata.normalize("NFKC", str(value)).translate(_DOTS).split())


def _name(value: Any) -> int:
    """A hash of :func:`name_as_said` (0: no name)."""
    text = name_as_said(value)
    return (hash(text) & 0xFFFFFFFF) or 1 if text else 0


class IdNames:
    """The first row each ID number of the sheet was written with, and a hash of its name:
    one small int per ID number (a million-row roster keeps a million of them)."""

    def __init__(self) -> None:
        self.first: dict[str, int] = {}  # ID number -> name hash << 32 | row

    def clashes(self, ids: Sequence[Any], names: Sequence[Any], numbers: Sequence[int],
                indices: Iterable[int]) -> dict[int, int]:
        """Of the rows at ``indices`` (about to be written, in row order), those naming another
        person than the first row with their ID number: index -> that row. The others are noted."""
        first, found = self.first, {}
        for i in indices:
            key = ids[i]
            if key is None or key == "":
                continue
            seen = first.get(key)
            name = _name(names[i])
            if seen is None or not seen >> _ROW_BITS:  # new, or first written without a name
                if seen is None or name:
                    first[key] = name << _ROW_BITS | numbers[i]
            elif name and name != seen >> _ROW_BITS and seen & 0xFFFFFFFF != numbers[i]:
                found[i] = seen & 0xFFFFFFFF
        return found

    def clash(self, id_number: Any, name: Any, number: int) -> int | None:
        """The first row of ``id_number`` when row ``number`` names another person (not noted)."""
        seen = self.first.get(id_number) if id_number not in (None, "") else None
        if seen is None or not seen >> _ROW_BITS or seen & 0xFFFFFFFF == number:
            return None
        name = _name(name)
        return seen & 0xFFFFFFFF if name and name != seen >> _ROW_BITS else None

    def note(self, id_number: Any, name: Any, number: int) -> None:
        """Row ``number`` was written with ``id_number``: the first such row with a name is remembered."""
        if id_number not in (None, ""):
            self.clashes((id_number,), (name,), (number,), (0,))
