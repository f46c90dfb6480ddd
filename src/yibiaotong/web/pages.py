"""The pages: overview, dictionary, code lists, org tree, ledgers (read-only for now)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request
from sqlalchemy import func, select

from yibiaotong.access.users import User
from yibiaotong.elements.dictionary import Dictionary
from yibiaotong.ledgers.store import LedgerStore
from yibiaotong.orgunits.store import load_tree
from yibiaotong.store import schema
from yibiaotong.web.auth import require_user
from yibiaotong.web.render import render

router = APIRouter()
CurrentUser = Annotated[User, Depends(require_user)]


def _dictionary(request: Request) -> Dictionary:
    return Dictionary.from_db(request.app.state.engine)


@router.get("/")
def overview(request: Request, user: CurrentUser):
    engine = request.app.state.engine
    with engine.connect() as conn:
        counts = {name: conn.execute(select(func.count()).select_from(table)).scalar_one()
                  for name, table in (("elements", schema.element), ("codelists", schema.codelist),
                                      ("org_units", schema.org_unit), ("ledgers", schema.ledger))}
        common = conn.execute(select(func.count()).select_from(schema.element)
                              .where(schema.element.c.definition["category"].as_string() == "common")).scalar_one()
    counts["common"] = common
    return render(request, "overview.html", {"counts": counts})


@router.get("/elements")
def elements(request: Request, user: CurrentUser, q: str = "", category: str = ""):
    d = _dictionary(request)
    rows = sorted((e for e in d.elements.values()
                   if (not category or e.category == category)
                   and (not q or q in e.id or any(q in label for label in e.labels))),
                  key=lambda e: (e.category != "common", e.subject or "", e.id))
    return render(request, "elements.html", {"rows": rows, "q": q, "category": category, "total": len(d.elements)})


@router.get("/elements/{element_id}")
def element_page(request: Request, element_id: str, user: CurrentUser):
    d = _dictionary(request)
    if element_id not in d.elements:
        raise HTTPException(404, "没有这个数据元")
    e = d.elements[element_id]
    return render(request, "element.html", {"e": e, "codelist": d.codelists.get(e.codelist or "")})


@router.get("/codelists")
def codelists(request: Request, user: CurrentUser):
    d = _dictionary(request)
    return render(request, "codelists.html", {"rows": sorted(d.codelists.values(), key=lambda c: c.id)})


@router.get("/codelists/{codelist_id}")
def codelist_page(request: Request, codelist_id: str, user: CurrentUser):
    d = _dictionary(request)
    if codelist_id not in d.codelists:
        raise HTTPException(404, "没有这个代码表")
    return render(request, "codelist.html", {"c": d.codelists[codelist_id]})


@router.get("/orgunits")
def orgunits(request: Request, user: CurrentUser):
    tree = load_tree(request.app.state.engine)
    return render(request, "orgunits.html", {"tree": tree})


@router.get("/ledgers")
def ledgers(request: Request, user: CurrentUser):
    store = LedgerStore(request.app.state.engine)
    rows = [(d, store.count(d.id)) for d in store.ledgers()]
    return render(request, "ledgers.html", {"rows": rows})


@router.get("/api/health")
def health(request: Request):
    with request.app.state.engine.connect() as conn:
        conn.execute(select(1))
    return {"ok": True}
