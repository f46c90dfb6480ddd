"""Who may import what, where (导入权限): checked before a file is imported.

- the form (chosen, or every installed form when the file is recognised automatically) may only
  feed ledger columns the user may write — a department imports only into its write grants;
- the org unit must lie in the user's scope; the import is given it, and then rejects every row
  naming a village or town outside it;
- a user with a limited scope may not import a row whose key (an ID number) belongs to a record
  outside the scope: upserting it would move someone else's record into the clerk's village.
  ``ingest`` does not check this per row (yet), so the whole file is refused and the rows listed.
  A row without an ID number that ``ingest`` links with certainty to a person outside the scope
  cannot be seen beforehand from here: :func:`moved_in` finds such records after the import, for
  the audit log.
"""

from __future__ import annotations

import csv
import unicodedata
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

from openpyxl.utils import get_column_letter
from sqlalchemy import Engine, select

from yibiaotong.access.redact import redact
from yibiaotong.access.scope import AccessDenied, Scope
from yibiaotong.elements.idnumber import check_id_number, mask_id_number
from yibiaotong.errors import Problem, YbtError
from yibiaotong.forms.definition import FormDef
from yibiaotong.forms.store import get_form, load_forms
from yibiaotong.ingest import ImportReport
from yibiaotong.ledgers.store import LedgerStore
from yibiaotong.store import schema


def form_columns(form: FormDef, store: LedgerStore) -> dict[str, set[str]]:
    """ledger -> the columns an import of this form writes (its mapped columns and the ledger's key)."""
    out: dict[str, set[str]] = {}
    for f in form.fields:
        if f.ledger and f.served:
            out.setdefault(f.ledger, set()).add(f.column or f.element or "")
    for ledger_id, columns in out.items():
        try:
            definition = store.ledger(ledger_id)
        except YbtError:
            continue
        columns.update(k for k in definition.key if k != "_org_unit")
    return out


def may_import(scope: Scope, store: LedgerStore, form: FormDef) -> bool:
    columns = form_columns(form, store)
    if not columns:
        return False
    for ledger_id, needed in columns.items():
        try:
            access = scope.ledger(store, ledger_id)
        except YbtError:
            return False
        if not needed <= access.writable:
            return False
    return True


def importable_forms(scope: Scope, store: LedgerStore, forms: list[FormDef]) -> list[FormDef]:
    return [f for f in forms if may_import(scope, store, f)]


def choose_form(engine: Engine, scope: Scope, store: LedgerStore, form_id: str) -> tuple[str | None, list[str]]:
    """The form to force (None: recognise) and the ledgers the import may write; refuses what the
    user may not write (AccessDenied, 403)."""
    if form_id:
        form = get_form(engine, form_id)
        if not may_import(scope, store, form):
            raise AccessDenied(f"您没有报表《{form.title}》所填台账的写入权限",
                               f"you may not write the ledgers that form {form.id} feeds")
        return form.id, sorted(form_columns(form, store))
    forms = [f for f in load_forms(engine) if form_columns(f, store)]
    allowed = importable_forms(scope, store, forms)
    if len(allowed) < len(forms):
        names = "、".join(f"《{f.title}》" for f in allowed[:10]) or "（无）"
        raise AccessDenied(f"请选择要导入的报表：自动识别可能写入您无权修改的台账。您可以导入的报表有：{names}",
                           "choose the form: recognising it could write ledgers you may not change")
    return None, sorted({lid for f in forms for lid in form_columns(f, store)})


def choose_unit(scope: Scope, code: str) -> str | None:
    """The org unit the rows belong to (and below): the chosen one, checked, else the user's own
    when the scope is limited; None when the user sees the whole district and chose none."""
    orgs = scope.orgs
    if code:
        if code not in orgs.paths:
            by_name = [c for c, n in orgs.names.items() if n == code]
            if len(by_name) != 1:
                raise YbtError(Problem("unknown-org-unit", {"org_unit": code[:40]}))
            code = by_name[0]
        if not scope.in_scope_unit(code):
            raise AccessDenied("该组织机构不在您的权限范围内，只能导入本辖区的数据",
                               "this org unit is outside your scope")
        return code
    if scope.units is None:
        return None
    if not scope.user.org_unit or not scope.units:
        raise AccessDenied("您的账号没有所属单位，不能导入数据", "your account has no org unit")
    return scope.user.org_unit


def outside_scope(engine: Engine, store: LedgerStore, scope: Scope, path: Path, kind: str,
                  ledger_ids: list[str]) -> list[Problem]:
    """Rows whose key names a record held by an org unit outside the user's scope."""
    if scope.units is None:
        return []
    targets = []
    for ledger_id in ledger_ids:
        definition, table = store.definition_and_table(ledger_id)
        if len(definition.key) == 1 and definition.key[0] != "_org_unit":
            element = store.dictionary.element(definition.column(definition.key[0]).element)
            targets.append((definition, table, element.type == "id_number"))
    if not targets:
        return []
    ids: dict[str, tuple[str, int, int]] = {}
    texts: dict[str, tuple[str, int, int]] = {}
    want_texts = any(not is_id for _d, _t, is_id in targets)
    for sheet, row, col, value in _cells(path, kind):
        text = unicodedata.normalize("NFKC", str(value)).strip() if value is not None else ""
        if not text or len(text) > 300:
            continue
        if len(text) in (15, 18) and text[:17].isdigit():
            number, problem = check_id_number(text)
            if number and problem is None:
                ids.setdefault(number, (sheet, row, col))
        if want_texts:
            texts.setdefault(" ".join(text.split()), (sheet, row, col))
    units = tuple(scope.units)
    found: dict[tuple[str, int], Problem] = {}
    with engine.connect() as conn:
        for definition, table, is_id in targets:
            pool = ids if is_id else texts
            keys = list(pool)
            for start in range(0, len(keys), 500):
                chunk = keys[start:start + 500]
                for key in conn.execute(select(table.c._key).where(table.c._key.in_(chunk),
                                                                   table.c._org_unit.not_in(units))).scalars():
                    sheet, row, col = pool[key]
                    shown = mask_id_number(key) if is_id else redact(key)
                    found.setdefault((sheet, row), Problem("forbidden", {
                        "value": shown,
                        "reason": f"“{shown}”在台账《{definition.name}》中的记录属于您权限范围以外的单位，不能由您导入或修改"
                                  "（请删除该行，或请其所在镇街、区大数据局处理）",
                        "reason_en": f"the record {shown} of ledger {definition.id} belongs to an org unit outside your scope"},
                        {"file": path.name, "sheet": sheet, "row": row, "column": get_column_letter(col)}))
    return [found[k] for k in sorted(found, key=lambda k: (str(k[0]), k[1]))]


def _cells(path: Path, kind: str) -> Iterator[tuple[str, int, int, Any]]:
    """(sheet, row, column, value) of every non-empty cell, 1-based."""
    if kind == "csv":
        raw = path.read_bytes()[: 1 << 20]
        try:
            raw.decode("utf-8-sig")
            encoding = "utf-8-sig"
        except UnicodeDecodeError as exc:
            encoding = "utf-8-sig" if exc.start >= len(raw) - 3 else "gb18030"
        with path.open(encoding=encoding, errors="replace", newline="") as fh:
            try:
                dialect: Any = csv.Sniffer().sniff(fh.read(8192), delimiters=",\t;|")
            except csv.Error:
                dialect = csv.excel
            fh.seek(0)
            for r, values in enumerate(csv.reader(fh, dialect), start=1):
                yield from ((path.stem, r, c, v) for c, v in enumerate(values, start=1) if v)
        return
    from python_calamine import CalamineError, CalamineWorkbook

    try:
        wb = CalamineWorkbook.from_path(str(path))
    except CalamineError:
        if kind != "xls":
            return  # the import itself says what is wrong with the file
        yield from _xlrd_cells(path)
        return
    with wb:
        for name in wb.sheet_names:
            data = wb.get_sheet_by_name(name)
            r0, c0 = data.start or (0, 0)
            for r, values in enumerate(data.iter_rows(), start=r0 + 1):
                yield from ((name, r, c, v) for c, v in enumerate(values, start=c0 + 1) if v not in (None, ""))


def _xlrd_cells(path: Path) -> Iterator[tuple[str, int, int, Any]]:
    import io

    import xlrd

    book = xlrd.open_workbook(str(path), logfile=io.StringIO())
    for sh in book.sheets():
        for r in range(sh.nrows):
            for c, cell in enumerate(sh.row(r), start=1):
                if cell.value not in (None, ""):
                    yield sh.name, r + 1, c, cell.value


def moved_in(engine: Engine, scope: Scope, report: ImportReport, started: datetime) -> dict[str, int]:
    """Per ledger, how many records this import moved from a unit outside the user's scope into it."""
    if scope.units is None or not report.file_hash:
        return {}
    s, c = schema.source, schema.change
    units = set(scope.units)
    with engine.connect() as conn:
        sources = select(s.c.id).where(s.c.file_hash == report.file_hash, s.c.actor == scope.user.name,
                                       s.c.created_at >= started)
        rows = conn.execute(select(c.c.ledger_id, c.c.old_value).where(
            c.c.source_id.in_(sources), c.c.column_name == "_org_unit", c.c.op == "update")).all()
    out: dict[str, int] = {}
    for ledger_id, old in rows:
        if old not in units:
            out[ledger_id] = out.get(ledger_id, 0) + 1
    return out
