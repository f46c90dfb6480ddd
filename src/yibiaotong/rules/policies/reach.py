"""What an eligibility check may read when a limited user runs it (最小权限).

A ``Reader`` answers, per ledger id, what the person asking may read of it: the org units whose
records they may read (None: all), the columns, and which of those are shown masked — the web
app passes :meth:`yibiaotong.access.scope.Scope.reader`, so a check sees what the record pages
would show that user, and nothing else. :class:`Limits` applies it to one policy's bound aliases.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from typing import Protocol

from yibiaotong.elements.model import Element
from yibiaotong.elements.validate import mask
from yibiaotong.rules.binding import Bound
from yibiaotong.rules.present import masked_key


class Reach(Protocol):
    """What the person asking may read of one ledger (:class:`yibiaotong.access.scope.LedgerAccess` is one)."""

    @property
    def units(self) -> Collection[str] | None: ...  # the org units whose records they may read; None: all

    @property
    def columns(self) -> Collection[str]: ...  # the columns they may read

    @property
    def masked(self) -> Collection[str]: ...  # readable columns shown masked


Reader = Callable[[str], Reach | None]  # ledger id -> what may be read of it (None: nothing)


def denied(ledger_name: str, labels: Collection[str] = ()) -> str:
    """Why a criterion is unknown when it needs a ledger (or some of its columns) the user may not read."""
    what = f"{ledger_name}的“{'、'.join(labels)}”" if labels else ledger_name
    return f"无权查看所需数据（{what}），结果未知"


def not_in_units(ledger_name: str) -> str:
    """No record where the user may look: said the same whether or not one exists elsewhere."""
    return f"您权限范围内的{ledger_name}中没有该对象的记录，范围外的数据无权查看，结果未知"


class Limits:
    """What one policy's check may read of each bound alias; without a reader, everything."""

    def __init__(self, bound: Mapping[str, Bound], reader: Reader | None):
        self.bound = bound
        self.reaches = {a: reader(b.ledger.id) for a, b in bound.items()} if reader is not None else None
        # alias -> why nothing of its ledger is read (a ledger not visible, a match on a hidden column)
        self.denied: dict[str, str] = {a: denied(b.ledger.name) for a, b in bound.items()
                                       if self.reaches is not None and self.reaches[a] is None}
        # optional aliases without a record in the user's units: "none of it" cannot be told
        self.unsure: set[str] = set()

    def _reach(self, alias: str) -> Reach | None:
        return self.reaches[alias] if self.reaches is not None else None

    def reads(self, alias: str, name: str) -> bool:
        """May the user read the alias's column ``name`` (an element id, as expressions name it)?"""
        if self.reaches is None:
            return True
        reach = self.reaches[alias]
        if reach is None or alias in self.denied:
            return False
        column = self.bound[alias].columns.get(name)
        return column is None or column in reach.columns  # an optional column the ledger lacks reads nothing

    def masked(self, alias: str, name: str) -> bool:
        reach = self._reach(alias)
        return reach is not None and self.bound[alias].columns.get(name) in reach.masked

    def units(self, alias: str) -> Collection[str] | None:
        reach = self._reach(alias)
        return reach.units if reach is not None else None

    def why(self, alias: str, names: Collection[str]) -> str:
        """Why what reads these columns (element ids) of the alias is unknown."""
        b = self.bound[alias]
        return denied(b.ledger.name, [b.elements[n].name for n in names])

    def deny(self, alias: str, names: Collection[str]) -> None:
        """Nothing of the alias is read: finding its record would read these columns."""
        self.denied[alias] = self.why(alias, names)

    def key(self, alias: str, key: str, elements: list[Element | None]) -> str:
        """A record key as the user's record pages show it: masked parts masked, unreadable ones ***."""
        reach = self._reach(alias)
        if reach is None:
            return masked_key(key, elements)
        shown = []
        for column, part, element in zip(self.bound[alias].ledger.key, str(key).split("|"), elements):
            if column not in reach.columns:
                shown.append("***")
            elif column in reach.masked and element is not None:
                shown.append(mask(element, part))
            else:
                shown.append(part)
        return "|".join(shown)
