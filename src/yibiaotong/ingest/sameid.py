"""One ID number is one person: a file's rows under the same ID number with different names.

A roster may list a person twice (two months, a corrected line below the first): those rows are
one record, the later values winning (see ``sheet._distinct``). But a row naming *another*
person under an ID number already written for someone is a slip — an ID number pasted one row
off, an ID cell merged over two people — and merging it would give the first person the
second's name, birth date and sex without a word. Such a row is refused, naming the row whose
person the ID number already belongs to; the first row stays imported.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any


def _name(value: Any) -> str:
    return "".join(str(value).split()) if value not in (None, "") else ""


class IdNames:
    """The first row and name each ID number of the file was written with."""

    def __init__(self) -> None:
        self.first: dict[str, tuple[int, str]] = {}

    def clashes(self, ids: Sequence[Any], names: Sequence[Any], numbers: Sequence[int],
                indices: Iterable[int]) -> dict[int, tuple[int, str]]:
        """Of the rows at ``indices`` (about to be written), those naming another person than the
        first row with their ID number: index -> (that row, its name). The others are noted."""
        first, found = self.first, {}
        for i in indices:
            key = ids[i]
            if key is None or key == "":
                continue
            seen = first.get(key)
            if seen is None:
                first[key] = (numbers[i], _name(names[i]))
            elif seen[1] and seen[0] != numbers[i]:
                name = _name(names[i])
                if name and name != seen[1]:
                    found[i] = seen
        return found

    def clash(self, id_number: Any, name: Any, number: int) -> tuple[int, str] | None:
        """The first row and name of ``id_number`` when row ``number`` names another person (not noted)."""
        seen = self.first.get(id_number) if id_number not in (None, "") else None
        if seen is None or not seen[1] or seen[0] == number:
            return None
        name = _name(name)
        return seen if name and name != seen[1] else None

    def note(self, id_number: Any, name: Any, number: int) -> None:
        """Row ``number`` was written with ``id_number``: the first such row is remembered."""
        if id_number not in (None, ""):
            self.first.setdefault(id_number, (number, _name(name)))
