"""Who may import what, where (导入权限): checked before a file is imported.

- the form (chosen, or every installed form when the file is recognised automatically) may only
  feed ledger columns the user may write — a department imports only into its write grants;
- the org unit must lie in the user's scope; the import is given it, and then rejects every row
  naming a village or town outside it;
- rows about records kept outside that unit (an ID number registered in another town) and links to
  people outside it are refused by ``ingest`` itself, row by row (``ingest.scope``): a limited
  scope always passes a unit. Should a record still move into the scope, :func:`moved_in` finds it
  after the import, for the audit log.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Engine, select

from yibiaotong.access.scope import AccessDenied, Scope
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
    for ledger_id, entries in form.column_records.items():  # a column's own records (042's payments)
        out.setdefault(ledger_id, set()).update(c for e in entries for c in (e.column, *e.values))
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
