"""The reference pages: overview, dictionary, code lists, org tree (metadata, no personal data)."""

from __future__ import annotations

import threading

from fastapi import APIRouter, HTTPException, Request
from sqlalchemy import func, select

from yibiaotong.elements.dictionary import Dictionary
from yibiaotong.orgunits.store import load_tree
from yibiaotong.store import schema
from yibiaotong.web import dashboard
from yibiaotong.web.deps import PageScope, Store
from yibiaotong.web.i18n import translate
from yibiaotong.web.render import render

router = APIRouter(include_in_schema=False)


def _dictionary(request: Request) -> Dictionary:
    return request.app.state.catalog.store().dictionary


@router.get("/")
def overview(request: Request, scope: PageScope, store: Store):
    engine = request.app.state.engine
    with engine.connect() as conn:
        counts = {name: conn.execute(select(func.count()).select_from(table)).scalar_one()
                  for name, table in (("elements", schema.element), ("codelists", schema.codelist),
                                      ("org_units", schema.org_unit))}
        common = conn.execute(select(func.count()).select_from(schema.element)
                              .where(schema.element.c.definition["category"].as_string() == "common")).scalar_one()
    counts["common"] = common
    figures = dashboard.overview(engine, scope, store, request.app.state.counts, _burden(request),
                                 lambda key, **p: translate(request, key, **p))
    counts["ledgers"] = figures.ledgers_visible  # only those in scope
    return render(request, "overview.html", {"counts": counts, "scope": scope, "o": figures})


_GUARD = threading.Lock()


def _burden(request: Request) -> dashboard.BurdenCache:
    state = request.app.state
    if not hasattr(state, "burden"):
        with _GUARD:
            if not hasattr(state, "burden"):
                state.burden = dashboard.BurdenCache(state.engine)
    return state.burden


@router.get("/elements")
def elements(request: Request, scope: PageScope, q: str = "", category: str = ""):
    d = _dictionary(request)
    rows = sorted((e for e in d.elements.values()
                   if (not category or e.category == category)
                   and (not q or q in e.id or any(q in label for label in e.labels))),
                  key=lambda e: (e.category != "common", e.subject or "", e.id))
    return render(request, "elements.html", {"rows": rows, "q": q, "category": category, "total": len(d.elements)})


@router.get("/elements/{element_id}")
def element_page(request: Request, element_id: str, scope: PageScope):
    d = _dictionary(request)
    if element_id not in d.elements:
        raise HTTPException(404, translate(request, "error.not_found"))
    e = d.elements[element_id]
    return render(request, "element.html", {"e": e, "codelist": d.codelists.get(e.codelist or "")})


@router.get("/codelists")
def codelists(request: Request, scope: PageScope):
    d = _dictionary(request)
    return render(request, "codelists.html", {"rows": sorted(d.codelists.values(), key=lambda c: c.id)})


@router.get("/codelists/{codelist_id}")
def codelist_page(request: Request, codelist_id: str, scope: PageScope):
    d = _dictionary(request)
    if codelist_id not in d.codelists:
        raise HTTPException(404, translate(request, "error.not_found"))
    return render(request, "codelist.html", {"c": d.codelists[codelist_id]})


@router.get("/orgunits")
def orgunits(request: Request, scope: PageScope):
    tree = load_tree(request.app.state.engine)
    return render(request, "orgunits.html", {"tree": tree})
