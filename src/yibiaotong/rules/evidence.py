"""Alert evidence (预警依据) as each viewer may see it.

A rule copies values out of ledgers into its alert. They are kept by evidence label together
with the ledger columns each was read or computed from (``columns``), and kept as the record
pages show them to anyone: a masked column's value masked by the same function
(``500118********1234``, ``138****5678``, ``***`` for sensitive values such as a disability
certificate number), a value computed from a sensitive column as ``***``. Revealing a value in
full stays a deliberate, audited action on the record's page; an alert never holds more.

When an alert is shown (:func:`as_seen`), a value read from a column the viewer may not read (a
department without the grant) is left out (None, its label in ``hidden``), as are the parts of a
record key it may not read (***, as the record pages show keys); a column masked since the alert
was stored is masked, and the explanation is written again from the rule's template with what
remains. Alerts stored before evidence was kept by column have their values withheld
(migration 0010 rewrote them; the next run of their rule writes them again in full).

A rule that joins records may copy values of records kept by other org units into the alert (a
person of one town and a payment kept by another). Each record and each evidence row is kept with
the org units of the records it came from (``units``, ``row_units``), and a viewer whose scope is
part of the tree (a town, a village, a grid, a department of a town) sees only the values and
records of its own units: a value read from a record outside is left out (None, as a hidden one;
a row with nothing left is dropped) and the alert says how many records were left out
(:data:`OUT_OF_SCOPE`). An alert stored before records were kept with their org units shows such a
viewer nothing of its evidence until its rule runs again (:data:`WITHHELD`).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Mapping
from typing import Any

from yibiaotong.access.scope import masks
from yibiaotong.elements.model import CodeList, Element
from yibiaotong.elements.validate import mask
from yibiaotong.rules.compile import EvidenceColumn
from yibiaotong.rules.present import listed, render, show

MAX_RECORDS_NAMED = 12
HIDDEN = "（无权查看）"
WITHHELD = "此预警生成于系统升级之前，依据中的具体数据已隐去；管理员下次运行预警检查后，会按您的权限重新显示"
OUT_OF_SCOPE = "另有{n}条依据属于其他镇街/村社区，您无权查看"
OUT_OF_SCOPE_EN = "{n} more record(s) this alert rests on belong to other towns or villages; you may not see them"

Readable = Callable[[str, str], bool]  # (ledger id, column) -> may the viewer read it
Where = dict[str, str]  # alias -> the org unit of the record it read in one result row ("" if none)


def stored_value(value: Any, column: EvidenceColumn, codelists: Mapping[str, CodeList]) -> str | None:
    """One evidence value as an alert keeps it: as a record page shows it to anyone, before a reveal."""
    if value is None:
        return None
    if column.element is not None and masks(column.element):
        return mask(column.element, value)
    # computed from a sensitive column (a disability level, a diagnosis): it would tell the value.
    # Computed from an ID or phone number (the birth date in an ID number) it is shown, scrubbed of
    # any digit run that looks like one, as before.
    if any(masks(e) and e.type not in ("id_number", "phone", "mobile") for _l, _c, e in column.reads):
        return "***"
    return show(value, column.element, codelists)


def columns_of(evidence: Iterable[EvidenceColumn]) -> dict[str, dict[str, Any]]:
    """Per evidence label, what it was read from, for showing it to each viewer."""
    return {e.label: {"reads": [[ledger, column, element.id] for ledger, column, element in e.reads],
                      "element": e.element.id if e.element is not None else None,
                      "masked": any(masks(element) for _l, _c, element in e.reads),
                      "aliases": list(e.aliases)} for e in evidence}


def units_of(records: Iterable[str], rows: Iterable[list[Where]]) -> dict[str, Any]:
    """Where all of a finding's records and rows lie (the kept ones are only the first): records by
    org unit, rows by the org units of the records each was read from. For telling a viewer how many
    it may not see."""
    by_rows = Counter(_json_key(alts) for alts in rows)
    return {"records": dict(Counter(records)), "rows": [[json.loads(k), n] for k, n in sorted(by_rows.items())]}


def _json_key(alts: list[Where]) -> str:
    return json.dumps(sorted(alts, key=lambda w: sorted(w.items())), sort_keys=True, ensure_ascii=False)


def explain(template: str, fields: Mapping[str, str | None], records: list[dict[str, Any]], total: int,
            out_of_scope: int = 0) -> str:
    """The alert's sentence: the rule's template filled with the fields (or label：value pairs),
    then the records it rests on (and how many of them the viewer may not see)."""
    shown = {label: HIDDEN if value is None else value for label, value in fields.items()}  # None: hidden
    text = render(template, shown) if template else "；".join(f"{label}：{value}" for label, value in shown.items()
                                                            if value)
    return text + _based_on(records, total, out_of_scope)


def _based_on(records: list[dict[str, Any]], total: int, out_of_scope: int = 0) -> str:
    named = "；".join(f"{r['ledger_name']} {r['key']}" for r in records[:MAX_RECORDS_NAMED])
    more = f"等{total}条" if total > MAX_RECORDS_NAMED else ""
    parts = [f"依据：{named}{more}"] if named else []
    if out_of_scope:
        parts.append(OUT_OF_SCOPE.format(n=out_of_scope))
    return f"（{'；'.join(parts)}）" if parts else ""


def key_as_seen(ledger: str, key: str, columns: list[str], readable: Readable | None) -> str:
    """A record key (its masked parts already masked) with *** for each part the viewer may not read,
    as the record pages show a key."""
    if readable is None:
        return key
    return "|".join("***" if i < len(columns) and not readable(ledger, columns[i]) else part
                    for i, part in enumerate(str(key).split("|")))


def ledger_ids(alerts: Iterable[Mapping[str, Any]]) -> set[str]:
    """The ledgers of the records the alerts' evidence names."""
    return {r["ledger"] for a in alerts for r in (a.get("evidence") or {}).get("records") or []}


def element_ids(alerts: Iterable[Mapping[str, Any]]) -> set[str]:
    """The elements the alerts' evidence was read from (to know which are masked now)."""
    return {e for a in alerts for c in ((a.get("evidence") or {}).get("columns") or {}).values()
            for _l, _c, e in c.get("reads", [])}


def _visible(alts: list[Where], aliases: list[str], units: Collection[str]) -> bool:
    """Is a value read from these aliases, in a row read from these records (one ``Where`` per
    combination of records that gave the same row), read from records of the viewer's units only?"""
    return any(all(alt.get(a, "") in units for a in aliases) for alt in alts)


def _in_scope(evidence: dict[str, Any], spread: dict[str, Any], row_units: list[list[Where]],
              units: Collection[str]) -> dict[str, Any] | None:
    """The evidence without the values and records of other org units than ``units``; None when
    nothing of it lies outside."""
    total = evidence.get("records_total") or 0
    seen_total = sum(n for code, n in spread["records"].items() if code in units)
    if seen_total >= total:
        return None
    aliases = {label: c.get("aliases", []) for label, c in evidence["columns"].items()}
    outside = [[label for label in aliases if not _visible(alts, aliases[label], units)] for alts in row_units]
    rows = evidence.get("rows") or []
    keep = [i for i, row in enumerate(rows) if any(label not in outside[i] for label in row)]
    rows = [{label: None if label in outside[i] else v for label, v in rows[i].items()} for i in keep]
    cells = [outside[i] for i in keep]
    fields = {}
    for label in evidence.get("fields") or {}:
        values = [r.get(label) for r, out in zip(rows, cells) if label not in out]
        fields[label] = listed(values) if values else None  # None: nothing of it may be seen
    gone = sum(n for alts, n in spread["rows"] if not any(_visible(alts, a, units) for a in aliases.values()))
    n = total - seen_total
    return {"fields": fields, "rows": rows, "rows_total": (evidence.get("rows_total") or 0) - gone,
            "records": [r for r in evidence.get("records") or [] if r.get("org_unit", "") in units],
            "records_total": seen_total,
            "out_of_scope": {"records": n, "rows": gone, "cells": cells, "note": OUT_OF_SCOPE.format(n=n),
                             "note_en": OUT_OF_SCOPE_EN.format(n=n)}}


def as_seen(alert: dict[str, Any], elements: Mapping[str, Element], readable: Readable | None = None,
            keys: Mapping[str, list[str]] | None = None, units: Collection[str] | None = None) -> dict[str, Any]:
    """The alert with its evidence and explanation as this viewer may see them (``readable`` None:
    the operator, who may read every column); ``elements`` are the dictionary's elements now,
    ``keys`` each ledger's key columns (to hide the parts of a record key the viewer may not read),
    ``units`` the org units of the viewer's scope (None: the whole district), whose records alone it
    sees values and keys of (``out_of_scope`` says how many records it may not see, and in which
    cells of the rows values were left out)."""
    evidence = dict(alert.get("evidence") or {})
    spread, row_units = evidence.pop("units", None), evidence.pop("row_units", None)
    columns = evidence.get("columns")
    # kept before records were kept with their org units: where they lie is not known
    unplaced = units is not None and (columns is None or spread is None or row_units is None)
    if units is not None and not unplaced:
        evidence.update(_in_scope(evidence, spread, row_units, units) or {"out_of_scope": None})
    kept = [] if unplaced else evidence.get("records") or []
    total = 0 if unplaced else evidence.get("records_total") or 0
    records = [{**r, "key": key_as_seen(r["ledger"], r["key"], (keys or {}).get(r["ledger"], []), readable)}
               for r in kept]
    if columns is None or unplaced:  # kept before values were kept by column, or records by org unit: withheld
        ledgers = {k: evidence[k] for k in ("ledgers",) if k in evidence}
        return {**alert, "evidence": {**ledgers, "records": records, "records_total": total, "fields": {}, "rows": [],
                                      "rows_total": 0, "hidden": [], "out_of_scope": None, "withheld": True},
                "explanation": WITHHELD + _based_on(records, total)}
    out_of_scope = evidence.setdefault("out_of_scope", None)
    hidden = [label for label, c in columns.items()
              if readable is not None and not all(readable(ledger, column) for ledger, column, _e in c["reads"])]
    stale = [label for label, c in columns.items()  # a column masked since the alert was stored
             if label not in hidden and not c.get("masked") and any(masks(elements.get(e)) for *_r, e in c["reads"])]
    if not hidden and not stale and records == kept and out_of_scope is None:
        return {**alert, "evidence": {**evidence, "hidden": []}}

    def seen(label: str, value: Any) -> Any:
        if label in hidden:
            return None
        return "***" if label in stale and value not in (None, "") else value

    fields = {label: seen(label, v) for label, v in (evidence.get("fields") or {}).items()}
    evidence.update(fields=fields, rows=[{label: seen(label, v) for label, v in r.items()}
                                         for r in evidence.get("rows") or []], records=records, hidden=hidden)
    return {**alert, "evidence": evidence,
            "explanation": explain(evidence.get("explain") or "", fields, records, total,
                                   out_of_scope["records"] if out_of_scope else 0)}
