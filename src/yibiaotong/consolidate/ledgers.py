"""Proposing ledgers (台账): elements grouped by the subject they describe and their domain.

Like DHIS2 keeps data elements apart from data sets, an element lives in exactly one home ledger
(subject × group); forms only point at elements. Every ledger also carries its subject's key and
a readable label column (e.g. id_number and person_name), so a record can be found and read.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field

from yibiaotong.consolidate.knowledge import Knowledge
from yibiaotong.ledgers.definition import ORG_UNIT_KEY


@dataclass
class ElementInfo:
    """What the plan knows of an element, whether from the dictionary or newly proposed."""

    id: str
    name: str
    subject: str | None
    group: str | None
    new: bool = False
    labels: list[str] = field(default_factory=list)
    unit: str | None = None
    type: str = "text"
    owner: str | None = None
    fields: int = 0
    validation: dict | None = None  # a person's decision; None: guessed (consolidate.infer)


@dataclass
class ProposedLedger:
    id: str
    name: str
    subject: str
    group: str
    key: list[str]
    columns: list[str]  # element ids, key and label columns first
    home: list[str] = field(default_factory=list)  # elements whose home this is

    def to_dict(self) -> dict:
        return {"id": self.id, "name": self.name, "subject": self.subject, "group": self.group, "key": self.key,
                "columns": self.columns}


def home_of(e: ElementInfo, k: Knowledge) -> tuple[str, str] | None:
    """(subject, group) of the ledger that keeps the element, or None for form-level elements."""
    if e.subject is None or e.group in k.unserved_groups:
        return None
    return e.subject, e.group or "misc"


def propose(elements: dict[str, ElementInfo], k: Knowledge, known: set[str]) -> tuple[list[ProposedLedger], dict[str, str]]:
    """Ledgers and each element's home ledger id. ``known`` holds the dictionary's element ids
    (key and label columns are only added when the dictionary has them)."""
    homes: dict[tuple[str, str], list[str]] = defaultdict(list)
    for e in sorted(elements.values(), key=lambda e: e.id):
        if e.fields and (where := home_of(e, k)):
            homes[where].append(e.id)
    ledgers: list[ProposedLedger] = []
    element_ledger: dict[str, str] = {}
    for (subject, group), members in sorted(homes.items()):
        key = [c for c in k.for_subject(k.ledger_keys, subject, group) if c == ORG_UNIT_KEY or c in known]
        labels = [c for c in k.for_subject(k.ledger_labels, subject, group) if c in known]
        columns = list(dict.fromkeys([c for c in key if c != ORG_UNIT_KEY] + labels + members))
        ledger_id = f"{subject}_{group}" if group != subject else subject
        subject_name = k.subjects.get(subject, subject)
        name = k.groups.get(group) or f"{subject_name}{group}"
        if subject == "area" and not name.endswith("统计"):
            name += "统计"
        ledgers.append(ProposedLedger(ledger_id, f"{name}台账", subject, group, key, columns, members))
        for m in members:
            element_ledger[m] = ledger_id
    # the same group for two subjects (低保 of a household and of a person): say whose
    names = Counter(lg.name for lg in ledgers)
    for lg in ledgers:
        if names[lg.name] > 1:
            lg.name = f"{lg.name[:-2]}（{k.subjects.get(lg.subject, lg.subject)}）台账"
    return ledgers, element_ledger


def form_domain(element_ids: list[str], elements: dict[str, ElementInfo], k: Knowledge) -> tuple[str | None, str | None]:
    """The (subject, group) most of a form's specific fields belong to: where its new fields go."""
    subjects = Counter(elements[e].subject for e in element_ids if elements[e].subject)
    groups = Counter((elements[e].subject, elements[e].group) for e in element_ids
                     if elements[e].subject and elements[e].group and elements[e].group not in k.generic_groups)
    subject = subjects.most_common(1)[0][0] if subjects else None
    if groups:
        (s, g), _n = sorted(groups.items(), key=lambda kv: (-kv[1], kv[0]))[0]
        return s, g
    return subject, None
