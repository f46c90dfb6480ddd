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
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from yibiaotong.access.scope import masks
from yibiaotong.elements.model import CodeList, Element
from yibiaotong.elements.validate import mask
from yibiaotong.rules.compile import EvidenceColumn
from yibiaotong.rules.present import render, show

MAX_RECORDS_NAMED = 12
HIDDEN = "（无权查看）"
WITHHELD = "此预警生成于系统升级之前，依据中的具体数据已隐去；管理员下次运行预警检查后，会按您的权限重新显示"

Readable = Callable[[str, str], bool]  # (ledger id, column) -> may the viewer read it


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
                      "masked": any(masks(element) for _l, _c, element in e.reads)} for e in evidence}


def explain(template: str, fields: Mapping[str, str | None], records: list[dict[str, Any]], total: int) -> str:
    """The alert's sentence: the rule's template filled with the fields (or label：value pairs),
    then the records it rests on."""
    shown = {label: HIDDEN if value is None else value for label, value in fields.items()}  # None: hidden
    text = render(template, shown) if template else "；".join(f"{label}：{value}" for label, value in shown.items()
                                                            if value)
    return text + _based_on(records, total)


def _based_on(records: list[dict[str, Any]], total: int) -> str:
    named = "；".join(f"{r['ledger_name']} {r['key']}" for r in records[:MAX_RECORDS_NAMED])
    more = f"等{total}条" if total > MAX_RECORDS_NAMED else ""
    return f"（依据：{named}{more}）" if named else ""


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


def as_seen(alert: dict[str, Any], elements: Mapping[str, Element], readable: Readable | None = None,
            keys: Mapping[str, list[str]] | None = None) -> dict[str, Any]:
    """The alert with its evidence and explanation as this viewer may see them (``readable`` None:
    the operator, who may read every column); ``elements`` are the dictionary's elements now,
    ``keys`` each ledger's key columns (to hide the parts of a record key the viewer may not read)."""
    evidence = dict(alert.get("evidence") or {})
    columns = evidence.get("columns")
    kept = evidence.get("records") or []
    records = [{**r, "key": key_as_seen(r["ledger"], r["key"], (keys or {}).get(r["ledger"], []), readable)}
               for r in kept]
    total = evidence.get("records_total") or 0
    if columns is None:  # kept before values were kept by column: withheld
        ledgers = {k: evidence[k] for k in ("records_total", "ledgers") if k in evidence}
        return {**alert, "evidence": {**ledgers, "records": records, "fields": {}, "rows": [], "rows_total": 0,
                                      "hidden": [], "withheld": True},
                "explanation": WITHHELD + _based_on(records, total)}
    hidden = [label for label, c in columns.items()
              if readable is not None and not all(readable(ledger, column) for ledger, column, _e in c["reads"])]
    stale = [label for label, c in columns.items()  # a column masked since the alert was stored
             if label not in hidden and not c.get("masked") and any(masks(elements.get(e)) for *_r, e in c["reads"])]
    if not hidden and not stale and records == kept:
        return {**alert, "evidence": {**evidence, "hidden": []}}

    def seen(label: str, value: Any) -> Any:
        if label in hidden:
            return None
        return "***" if label in stale and value not in (None, "") else value

    fields = {label: seen(label, v) for label, v in (evidence.get("fields") or {}).items()}
    evidence.update(fields=fields, rows=[{label: seen(label, v) for label, v in r.items()}
                                         for r in evidence.get("rows") or []], records=records, hidden=hidden)
    return {**alert, "evidence": evidence,
            "explanation": explain(evidence.get("explain") or "", fields, records, total)}
