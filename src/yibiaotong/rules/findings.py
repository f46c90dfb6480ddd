"""From result rows to findings: one per alert key, with its records, evidence and explanation.

A finding is what an alert says about one case (one person, one parcel, one duplicated payment):
the rows of the rule's SELECT that share the alert key are gathered, every record they came from
is linked (ledger + key), and the evidence is kept masked, by label with the columns it was read
from (:mod:`yibiaotong.rules.evidence`), and summarised in a Chinese sentence. Each record and
each row is kept with the org units of the records it came from, so that a town sees only what
its own records say.
The fingerprint is a SHA-256 of the rule id and the full key values: the same case found again,
in any later run, has the same fingerprint.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from yibiaotong.elements.dictionary import Dictionary
from yibiaotong.rules.compile import CompiledRule
from yibiaotong.rules.evidence import Where, columns_of, explain, stored_value, units_of
from yibiaotong.rules.present import listed, masked_key

MAX_ROWS_SHOWN = 20


@dataclass
class Finding:
    key: tuple[str, ...]  # full values: only hashed, and kept in the database through the records
    org_unit: str | None
    records: dict[tuple[str, str], str] = field(default_factory=dict)  # (ledger id, record key) -> alias
    rows: list[dict[str, str | None]] = field(default_factory=list)
    units: dict[tuple[str, str], str] = field(default_factory=dict)  # (ledger id, record key) -> its org unit
    # per row, the org units of the records it was read from (one per combination that gave it)
    row_units: list[list[Where]] = field(default_factory=list)
    explanation: str = ""
    evidence: dict[str, Any] = field(default_factory=dict)
    fingerprint: str = ""


def key_text(value: Any) -> str:
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    return "" if value is None else str(value)


def fingerprint(rule_id: str, key: tuple[str, ...]) -> str:
    return hashlib.sha256(json.dumps([rule_id, list(key)], ensure_ascii=False).encode()).hexdigest()


def gather(compiled: CompiledRule, rows: list[Any], dictionary: Dictionary) -> list[Finding]:
    """Group the rows by alert key and describe each group."""
    rule = compiled.rule
    by_key: dict[tuple[str, ...], Finding] = {}
    positions: dict[tuple[tuple[str, ...], tuple], int] = {}  # (alert key, a row's values) -> its place
    for row in rows:
        m = row._mapping
        if compiled.groups:
            key = tuple(key_text(m[f"_g{i}"]) for i in range(compiled.groups))
        else:
            key = (m[f"_k_{rule.subject}"],)
        f = by_key.get(key)
        if f is None:
            f = by_key[key] = Finding(key, m["_unit"])
        where = {alias: m[f"_u_{alias}"] or "" for alias in compiled.main}
        for alias in compiled.main:
            record = (compiled.bound[alias].ledger.id, m[f"_k_{alias}"])
            f.records.setdefault(record, alias)
            f.units.setdefault(record, where[alias])
        shown = {e.label: stored_value(m[f"_e{i}"], e, dictionary.codelists) for i, e in enumerate(compiled.evidence)}
        place = positions.setdefault((key, tuple(shown.values())), len(f.rows))
        if place == len(f.rows):
            f.rows.append(shown)
            f.row_units.append([])
        if where not in f.row_units[place]:
            f.row_units[place].append(where)
    for f in by_key.values():
        _describe(compiled, f, dictionary)
    return list(by_key.values())


def _describe(compiled: CompiledRule, f: Finding, dictionary: Dictionary) -> None:
    rule = compiled.rule
    labels = [e.label for e in compiled.evidence]
    fields = {label: listed(r.get(label) for r in f.rows) for label in labels}
    ledgers = {b.ledger.id: b.ledger for b in compiled.bound.values()}
    records = []
    for (ledger_id, key), alias in sorted(f.records.items(), key=lambda x: (compiled.main.index(x[1]), x[0][1])):
        d = ledgers[ledger_id]
        elements = [dictionary.elements.get(next((c.element for c in d.columns if c.column == k), ""))
                    for k in d.key]
        records.append({"ledger": ledger_id, "ledger_name": d.name, "key": masked_key(key, elements), "role": alias,
                        "org_unit": f.units[(ledger_id, key)]})
    f.explanation = explain(rule.explain, fields, records, len(records))
    order = sorted(range(len(f.rows)), key=lambda i: [str(f.rows[i].get(label) or "") for label in labels])
    f.rows, f.row_units = [f.rows[i] for i in order], [f.row_units[i] for i in order]
    f.evidence = {"fields": fields, "rows": f.rows[:MAX_ROWS_SHOWN], "rows_total": len(f.rows),
                  "records": records[:50], "records_total": len(records), "ledgers": compiled.ledgers,
                  "columns": columns_of(compiled.evidence), "explain": rule.explain,
                  "units": units_of(f.units.values(), f.row_units), "row_units": f.row_units[:MAX_ROWS_SHOWN]}
    f.fingerprint = fingerprint(rule.id, f.key)
