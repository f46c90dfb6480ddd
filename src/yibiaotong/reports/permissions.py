"""Who may generate which report (报表权限): a report shows what the ledgers it reads hold, so a user
may generate it only where they could read every one of those values themselves.

- administrators and town, village and grid users read every ledger within their org unit: they
  may generate every form, for their unit and the units below it;
- a department user may generate a form when every ledger column it reads is granted to the
  department; a ledger read through an expression or a derived value (age from the birth date)
  must be granted whole, since such a read names no single column. A sub-table's link (户籍地址)
  is looked up in the ledgers when the report is made: :func:`whole_ledger` tells the reporter
  which ledgers it may use for it, and a sub-table whose link needs another stays blank;
- sensitive values are shown in full only to users who may reveal them in the ledgers (town and
  village users, administrators, departments whose grants of all those ledgers allow it), and only
  when they ask for it with a purpose — the caller writes that to the audit log.
"""

from __future__ import annotations

from yibiaotong.access.scope import AREA_ROLES, REVEAL_BY_ROLE, Scope
from yibiaotong.forms.definition import FormDef
from yibiaotong.ledgers.store import LedgerStore
from yibiaotong.reports import defaults as D
from yibiaotong.reports.query import _expr_list, _qualifiers
from yibiaotong.reports.sources import ListedStore

WHOLE = None  # a ledger read as a whole (no single column named)


def form_reads(store: LedgerStore, fd: FormDef) -> dict[str, set[str] | None]:
    """ledger -> the columns the form's report reads (WHOLE: the ledger as a whole)."""
    known = {d.id: d for d in store.ledgers()}
    reads: dict[str, set[str] | None] = {}

    def need(ledger: str, column: str | None) -> None:
        if ledger not in known:
            return
        if column is None:
            reads[ledger] = WHOLE
        elif reads.get(ledger, set()) is not WHOLE:
            reads.setdefault(ledger, set()).add(column)

    for f in fd.fields:
        if not f.ledger or D.placed(f.element):
            continue
        if f.expression or f.aggregate:
            need(f.ledger, WHOLE)  # its bare names are this ledger's columns
        elif f.served:
            column = f.column or f.element
            derived = f.element in D.ALWAYS_DERIVED or (  # computed from other columns (age from birth date)
                f.element in D.DERIVED and f.ledger in known and column not in known[f.ledger].column_names)
            need(f.ledger, WHOLE if derived else column)
    texts = [*_expr_list(fd.filter), *_expr_list(fd.extra.get("order_by")), *_expr_list(fd.extra.get("group_by")),
             *(f.expression or f.aggregate or "" for f in fd.fields)]
    subtables = fd.extra.get("subtables") if isinstance(fd.extra.get("subtables"), dict) else {}
    for spec in subtables.values():
        if isinstance(spec, dict):
            link = spec.get("link")
            texts += [*(link.values() if isinstance(link, dict) else _expr_list(link)), *_expr_list(spec.get("order_by"))]
            if spec.get("ledger"):
                need(str(spec["ledger"]), WHOLE)
    main = D.main_ledger(fd, store)
    expressions = [t for t in texts if t]
    if main in known:
        if expressions:
            need(main, WHOLE)  # a bare name in an expression is the main ledger's column
        for k in known[main].key:
            if not k.startswith("_"):
                need(main, k)
    for q in _qualifiers(expressions):
        need(q, WHOLE)
    if fd.filter or fd.extra.get("order_by") or fd.extra.get("group_by"):
        for ledger in list(reads):  # a filter or an order applies to every ledger the report reads
            need(ledger, WHOLE)
    return reads


def may_generate(scope: Scope, store: LedgerStore, fd: FormDef) -> bool:
    role = scope.user.role
    if role == "admin":
        return True
    if role in AREA_ROLES:
        return bool(scope.units)
    if role != "department":
        return False
    for ledger, columns in form_reads(store, fd).items():
        grant = scope.grants.get(ledger)
        if grant is None:
            return False
        if columns is WHOLE and grant.columns is not None:
            return False
        if columns is not WHOLE and not all(grant.covers(c) for c in columns):
            return False
    return True


def may_reveal(scope: Scope, store: LedgerStore, forms: list[FormDef]) -> bool:
    """May the user see the sensitive values of these forms' reports in full?"""
    role = scope.user.role
    if role != "department":
        return REVEAL_BY_ROLE.get(role, False)
    listed = ListedStore(store)
    ledgers = {lg for fd in forms for lg in form_reads(listed, fd)}
    return bool(ledgers) and all(scope.grants.get(lg) is not None and scope.grants[lg].reveal for lg in ledgers)


def whole_ledger(role: str, grants: dict):
    """``ledger id -> bool``: may this user's reports read the ledger as a whole (None: any)."""
    if role != "department":
        return None
    return lambda ledger: ledger in grants and grants[ledger].columns is None


def generable(scope: Scope, store: LedgerStore, forms: list[FormDef]) -> list[FormDef]:
    listed = ListedStore(store)
    return [fd for fd in forms if may_generate(scope, listed, fd)]
