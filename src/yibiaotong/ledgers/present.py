"""Showing records to people: sensitive values masked unless the viewer may see them in full."""

from __future__ import annotations

from typing import Any

from yibiaotong.elements.validate import mask
from yibiaotong.ledgers.store import LedgerStore


def _sensitive_columns(store: LedgerStore, ledger_id: str) -> dict[str, Any]:
    definition = store.ledger(ledger_id)
    elements = {c.column: store.dictionary.element(c.element) for c in definition.columns}
    return {name: el for name, el in elements.items() if el.sensitivity == "sensitive" or el.type in ("id_number", "phone", "mobile")}


def masked_record(store: LedgerStore, ledger_id: str, record: dict[str, Any], reveal: bool = False) -> dict[str, Any]:
    if reveal:
        return dict(record)
    sensitive = _sensitive_columns(store, ledger_id)
    out = {k: (mask(sensitive[k], v) if k in sensitive and v is not None else v) for k, v in record.items()}
    key_columns = store.ledger(ledger_id).key
    if any(k in sensitive for k in key_columns) and "_key" in out:
        out["_key"] = "|".join(mask(sensitive[k], part) if k in sensitive else part
                               for k, part in zip(key_columns, str(record["_key"]).split("|")))
    return out


def masked_history(store: LedgerStore, ledger_id: str, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    sensitive = _sensitive_columns(store, ledger_id)
    out = []
    for r in rows:
        r = dict(r)
        if r["op"] == "insert" and isinstance(r["new_value"], dict):
            r["new_value"] = {k: (mask(sensitive[k], v) if k in sensitive else v) for k, v in r["new_value"].items()}
        elif r["column_name"] in sensitive:
            el = sensitive[r["column_name"]]
            r["old_value"] = mask(el, r["old_value"]) if r["old_value"] is not None else None
            r["new_value"] = mask(el, r["new_value"]) if r["new_value"] is not None else None
        out.append(r)
    return out
