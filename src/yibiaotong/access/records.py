"""Reading and changing ledger records within a scope: browse, find, history, edit, reveal.

Every function takes a :class:`~yibiaotong.access.scope.LedgerAccess`, so no caller can forget
the scope: rows outside it are never selected, hidden columns are never returned, searched,
filtered or sorted on, and masked values leave only through :func:`reveal`, which is audited.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import Engine, false, or_, select
from sqlalchemy.sql.elements import ColumnElement

from yibiaotong.access import audit
from yibiaotong.access.redact import redact
from yibiaotong.access.scope import AccessDenied, LedgerAccess, NotInScope
from yibiaotong.elements.dictionary import Dictionary
from yibiaotong.elements.validate import coerce, mask
from yibiaotong.errors import Problem, YbtError
from yibiaotong.ledgers.present import masked_history
from yibiaotong.ledgers.provenance import Source
from yibiaotong.ledgers.store import LedgerStore

PAGE = 50
MAX_PAGE = 500
MIN_PURPOSE = 2


@dataclass(frozen=True)
class Query:
    units: tuple[str, ...] | None = None  # a subtree the user picked, already checked against the scope
    search: str = ""
    filters: Mapping[str, str] = field(default_factory=dict)
    sort: str | None = None
    descending: bool = False


@dataclass
class Page:
    rows: list[dict[str, Any]]
    next_cursor: str | None
    prev_cursor: str | None


def _invalid(reason: str, reason_en: str) -> YbtError:
    return YbtError(Problem("invalid-request", {"reason": reason, "reason_en": reason_en}))


# --- cursors: the last row's (sort value, _id), so every page is an index seek, never an OFFSET ---

def _encode(direction: str, value: Any, record_id: int) -> str:
    if isinstance(value, (date, datetime)):
        value = value.isoformat()
    elif isinstance(value, Decimal):
        value = str(value)
    raw = json.dumps([direction, value, record_id], ensure_ascii=False, separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _decode(cursor: str, sort_column) -> tuple[str, Any, int]:
    try:
        direction, value, record_id = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if direction not in ("a", "b") or not isinstance(record_id, int):
            raise ValueError
        if value is not None and sort_column is not None:
            python_type = sort_column.type.python_type
            if python_type is date:
                value = date.fromisoformat(value)
            elif python_type is datetime:
                value = datetime.fromisoformat(value)
            elif python_type is Decimal:
                value = Decimal(value)
            elif python_type in (int, bool, str) and not isinstance(value, python_type):
                raise ValueError
        return direction, value, record_id
    except (ValueError, TypeError, binascii.Error, InvalidOperation, UnicodeDecodeError, NotImplementedError) as exc:
        raise _invalid("翻页参数无效，请从第一页重新浏览", "invalid cursor; start again from the first page") from exc


def _beyond(t, col, value, record_id: int, descending: bool, before: bool) -> ColumnElement:
    """Rows strictly after (or, with ``before``, strictly before) (value, id) in the page order.

    The order is: non-empty values first (ascending or descending), empty ones last; ties by _id.
    """
    later_id = (t.c._id < record_id) if descending != before else (t.c._id > record_id)
    if col is None:
        return later_id
    further = (col < value) if descending != before else (col > value)
    if not before:
        if value is None:
            return col.is_(None) & later_id
        return further | ((col == value) & later_id) | col.is_(None)
    if value is None:
        return col.is_not(None) | later_id
    return col.is_not(None) & (further | ((col == value) & later_id))


def browse(engine: Engine, access: LedgerAccess, dictionary: Dictionary, query: Query = Query(),
           cursor: str | None = None, limit: int = PAGE) -> Page:
    """One page of records in scope, in ``query``'s order, after (or before) ``cursor``."""
    t = access.table
    limit = max(1, min(int(limit), MAX_PAGE))
    sort_col = None
    if query.sort:
        if not access.may_read(query.sort) or query.sort in access.masked:
            raise _invalid(f"不能按字段“{query.sort}”排序", f"cannot sort by {query.sort!r}")
        sort_col = t.c[query.sort]
    conditions = [c for c in (access.condition(query.units),) if c is not None]
    conditions += _filters(access, dictionary, query.filters)
    if query.search.strip():
        conditions.append(_search(access, dictionary, query.search.strip()[:100]))
    before = False
    if cursor:
        direction, value, record_id = _decode(cursor, sort_col)
        before = direction == "b"
        conditions.append(_beyond(t, sort_col, value, record_id, query.descending, before))
    descending = query.descending != before
    order = []
    if sort_col is not None:
        nulls = sort_col.is_(None)
        order += [nulls.desc() if before else nulls, sort_col.desc() if descending else sort_col.asc()]
    order.append(t.c._id.desc() if descending else t.c._id.asc())
    with engine.connect() as conn:
        rows = [dict(r) for r in conn.execute(select(t).where(*conditions).order_by(*order).limit(limit + 1)).mappings()]
    more = len(rows) > limit
    rows = rows[:limit]
    if before:
        rows.reverse()

    def key(r):
        return r[query.sort] if query.sort else None

    if not rows:
        return Page([], None, None)
    if before:
        return Page(rows, _encode("a", key(rows[-1]), rows[-1]["_id"]),
                    _encode("b", key(rows[0]), rows[0]["_id"]) if more else None)
    return Page(rows, _encode("a", key(rows[-1]), rows[-1]["_id"]) if more else None,
                _encode("b", key(rows[0]), rows[0]["_id"]) if cursor else None)


def check_filter(access: LedgerAccess, dictionary: Dictionary, name: str, value: str) -> None:
    """Raise the problems of one ``column:value`` filter (an unknown or hidden column, a value the
    column cannot hold), so a page can say them beside its form."""
    _filters(access, dictionary, {name: value})


def _filters(access: LedgerAccess, dictionary: Dictionary, filters: Mapping[str, str]) -> list[ColumnElement]:
    out, problems = [], []
    for name, raw in filters.items():
        if not access.may_read(name):
            # a filter on a hidden column would tell its values: refuse it like a column that does not exist
            raise _invalid(f"没有可筛选的字段“{name}”", f"no column {name!r} to filter on")
        element = dictionary.element(access.definition.column(name).element)
        # parsed, not held to the element's rules: a filter finds the values they would refuse today
        # (birth dates typed in the future before the rule) so that someone can correct them
        value, found = coerce(element, raw, dictionary.codelists, rules=False)
        problems += [p.at(column=name) for p in found]
        if not found:
            out.append(access.table.c[name].is_(None) if value is None else access.table.c[name] == value)
    if problems:
        raise YbtError(problems)
    return out


def _search(access: LedgerAccess, dictionary: Dictionary, text: str) -> ColumnElement:
    """Text search over readable columns; a masked column matches only its whole value (no probing)."""
    t, options = access.table, []
    pattern = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    for name in access.columns:
        element = dictionary.element(access.definition.column(name).element)
        col = t.c[name]
        if name in access.masked:
            value, found = coerce(element, text, dictionary.codelists, rules=False)  # as a filter parses it
            if not found and value is not None:
                options.append(col == value)
        elif element.type == "code" and element.codelist in dictionary.codelists:
            items = dictionary.codelists[element.codelist].items
            codes = [i.code for i in items if text == i.code or text in i.label][:200]
            if codes:
                options.append(col.in_(codes))
        elif element.type == "text":
            options.append(col.like(pattern, escape="\\"))
    return or_(*options) if options else false()


def find(engine: Engine, access: LedgerAccess, record_id: int) -> dict[str, Any]:
    """The record by its number (_id), or NotInScope — also when it exists outside the scope."""
    t = access.table
    conditions = [t.c._id == record_id]
    if (scope := access.condition()) is not None:
        conditions.append(scope)
    with engine.connect() as conn:
        row = conn.execute(select(t).where(*conditions)).mappings().first()
    if row is None:
        raise NotInScope()
    return dict(row)


def display(dictionary: Dictionary, access: LedgerAccess, name: str, value: Any, *, reveal: bool = False,
            labels: bool = True) -> Any:
    """A value as shown: masked unless revealed; code lists as labels; None as ""."""
    if value is None:
        return "" if labels else None
    element = access.elements[name]
    if name in access.masked and not reveal:
        return mask(element, value)
    if not labels:
        return _jsonable(value)
    if element.type == "code" and element.codelist in dictionary.codelists:
        return dictionary.codelists[element.codelist].label(str(value)) or str(value)
    if isinstance(value, bool):
        return "是" if value else "否"
    return str(_jsonable(value))


def values(dictionary: Dictionary, access: LedgerAccess, row: Mapping[str, Any], *, labels: bool = True) -> dict[str, Any]:
    """The readable values of a record, masked as needed (what pages and the API show)."""
    return {name: display(dictionary, access, name, row.get(name), labels=labels) for name in access.columns}


def public_key(dictionary: Dictionary, access: LedgerAccess, row: Mapping[str, Any]) -> str:
    """The natural key as it may be shown: masked parts masked (the key often is an ID number)."""
    parts = str(row["_key"]).split("|")
    shown = []
    for k, part in zip(access.definition.key, parts):
        if k in access.definition.column_names and (k in access.masked or not access.may_read(k)):
            shown.append(mask(dictionary.element(access.definition.column(k).element), part) if access.may_read(k) else "***")
        else:
            shown.append(part)
    return "|".join(shown)


def history(store: LedgerStore, access: LedgerAccess, row: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Every change of the record's readable columns, masked, with its source (file, sheet, row, user)."""
    readable = set(access.columns) | {"_org_unit"}
    out = []
    for change in masked_history(store, access.id, store.history(access.id, row["_key"])):
        if change["op"] == "insert" and isinstance(change["new_value"], dict):
            change["new_value"] = {k: v for k, v in change["new_value"].items() if k in readable}
        elif change["column_name"] not in readable:
            continue
        out.append(change)
    return out


def history_in_words(store: LedgerStore, access: LedgerAccess, changes: list[dict[str, Any]],
                     unit_names: Mapping[str, str]) -> list[dict[str, Any]]:
    """A record's :func:`history` as the record page shows values: 性别：男 and 是否骨干：否, not 1 and
    False; the unit's name, not its code. (The API keeps the stored values.)"""
    def shown(column: str, value: Any) -> Any:
        if value is None:
            return None
        if column == "_org_unit":
            return unit_names.get(value, value)
        element = access.elements.get(column)
        if element is None or element.sensitivity == "sensitive":  # masked by masked_history already
            return value
        if element.type == "code" and element.codelist in store.dictionary.codelists:
            return store.dictionary.codelists[element.codelist].label(str(value)) or value
        return ("是" if value else "否") if isinstance(value, bool) else value

    out = []
    for change in changes:
        change = dict(change)
        if change["op"] == "insert" and isinstance(change["new_value"], dict):
            change["new_value"] = {k: shown(k, v) for k, v in change["new_value"].items()}
        else:
            change["old_value"] = shown(change["column_name"], change["old_value"])
            change["new_value"] = shown(change["column_name"], change["new_value"])
        out.append(change)
    return out


def edit(store: LedgerStore, access: LedgerAccess, row: Mapping[str, Any], changes: Mapping[str, Any], *,
         version: int, actor: str) -> dict[str, Any]:
    """Change some values of a record, if nobody changed it since ``version``; returns the new row."""
    refused = [c for c in changes if c not in access.writable]
    if refused:
        if any(not access.may_read(c) for c in refused):
            raise _invalid("修改了不存在的字段", "unknown column in the change")
        raise AccessDenied("您对这些字段只有查看权限：" + "、".join(refused), "read-only columns: " + ", ".join(refused))
    # a masked value sent back as it was shown (a client saving the whole record) is no change
    changes = {c: v for c, v in changes.items()
               if not (c in access.masked and v == mask(access.elements[c], row.get(c)))}
    record_id = row["_id"]
    try:
        new = store.update(access.id, row["_key"], changes, expected_version=version, source=Source.user(actor))
    except YbtError as exc:
        # the natural key may be an ID number: errors name the record by its number instead
        raise YbtError([Problem(p.code, {k: v for k, v in p.params.items() if k != "key"},
                                {**p.location, "record": record_id} if "record" in p.location else p.location)
                        for p in exc.problems]) from None
    if new["_version"] != row["_version"]:
        changed = sorted(c for c in changes if not _same(row.get(c), new.get(c)))
        audit.write(store.engine, actor, "record-update", target=f"ledger:{access.id} record:{record_id}",
                    details={"ledger": access.id, "record": record_id, "columns": changed, "version": new["_version"]})
    return new


def reveal(engine: Engine, dictionary: Dictionary, access: LedgerAccess, row: Mapping[str, Any], column: str,
           purpose: str, *, actor: str) -> Any:
    """One masked value in full, for a stated purpose; the audit log records who, what, when and why.

    The value itself is never written down: not in the audit entry, not in a log.
    """
    if not access.may_read(column):
        raise _invalid(f"没有字段“{column}”", f"no column {column!r}")
    if column not in access.masked:
        raise _invalid(f"字段“{column}”没有隐藏，无需查看完整信息", f"column {column!r} is not masked")
    if not access.reveal:
        raise AccessDenied("您没有查看完整敏感信息的权限", "you may not reveal masked values")
    purpose = redact(" ".join((purpose or "").split()))[:200]
    if len(purpose) < MIN_PURPOSE:
        raise YbtError(Problem("purpose-required"))
    audit.write(engine, actor, "reveal", target=f"ledger:{access.id} record:{row['_id']} column:{column}",
                purpose=purpose,
                details={"ledger": access.id, "record": row["_id"], "column": column, "org_unit": row["_org_unit"]})
    return display(dictionary, access, column, row.get(column), reveal=True)


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, Decimal) or isinstance(b, Decimal):
        try:
            return a is not None and b is not None and Decimal(str(a)) == Decimal(str(b))
        except ArithmeticError:
            return False
    return a == b


def _jsonable(value: Any) -> Any:
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    return value
