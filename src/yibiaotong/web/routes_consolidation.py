"""Consolidation review (梳理审核, data bureau admins only): every installed form with its fields,
the element each was matched to with the matcher's confidence and reason, a person's accept /
reject / reassign, and the ledgers with the forms each column serves.

Decisions are kept in the database (``consolidate.stored_decisions``: who, when, audited) and
applied with ``Decisions.apply_fields`` like ``ybt decide``'s; "写入数据包" puts them into the pack's
decisions.yaml so that the next ``ybt consolidate`` run re-applies them.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import defaultdict
from dataclasses import dataclass

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse
from sqlalchemy import Engine
from starlette.concurrency import run_in_threadpool

from yibiaotong.access.audit import local_time
from yibiaotong.consolidate import stored_decisions
from yibiaotong.consolidate.installed import (
    DECISIONS_FILE,
    Installation,
    InstalledForm,
    read_installation,
    reviewed,
    signature,
)
from yibiaotong.consolidate.plan import PlanField
from yibiaotong.errors import Problem, YbtError
from yibiaotong.forms.store import load_forms
from yibiaotong.web.auth import check_csrf
from yibiaotong.web.deps import PageScope, Store
from yibiaotong.web.i18n import language
from yibiaotong.web.render import render

log = logging.getLogger("yibiaotong.web")
router = APIRouter(include_in_schema=False)
LOW = 0.7  # the plan's own threshold for "a person should look" (metrics: low_confidence_fields)
WAIT = 8.0  # seconds a page waits for the first computation before saying it is under way
FOUND = 12  # elements listed for a search


class ReviewCache:
    """The installation's consolidation: computed in a background thread when first asked for (it
    takes seconds), and again when forms, their templates or the dictionary change."""

    def __init__(self, engine: Engine, check: float = 5.0):
        self.engine, self.check = engine, check
        self.installation: Installation | None = None
        self.error: str | None = None
        self._wanted: tuple | None = None
        self._computed: tuple | None = None
        self._checked = 0.0
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def get(self, wait: float = WAIT) -> Installation | None:
        """The installation's consolidation, or None while it is still being computed after ``wait`` s."""
        deadline = time.monotonic() + wait
        with self._lock:
            if time.monotonic() - self._checked > self.check:
                self._wanted, self._checked = signature(self.engine), time.monotonic()
        while self._computed != self._wanted and time.monotonic() < deadline:
            with self._lock:  # one computation at a time; a newer signature starts the next one
                if not (self._thread and self._thread.is_alive()):
                    self._thread = threading.Thread(target=self._compute, args=(self._wanted,), daemon=True,
                                                    name="consolidation-review")
                    self._thread.start()
                thread = self._thread
            thread.join(max(deadline - time.monotonic(), 0))
        return self.installation if self._computed == self._wanted else None

    def _compute(self, wanted: tuple) -> None:
        try:
            self.installation, self.error = read_installation(self.engine), None
        except YbtError as exc:
            self.installation, self.error = None, str(exc)
        except Exception as exc:  # the page says so instead of waiting forever
            log.exception("consolidation review failed")
            self.installation, self.error = None, exc.__class__.__name__
        self._computed = wanted


_GUARD = threading.Lock()


def _cache(request: Request) -> ReviewCache:
    state = request.app.state
    if not hasattr(state, "review"):
        with _GUARD:
            if not hasattr(state, "review"):
                state.review = ReviewCache(state.engine)
    return state.review


@dataclass
class FieldRow:
    index: int
    proposal: PlanField  # the matcher's
    current: PlanField  # with decisions applied
    installed: str  # the ledger column the installation fills it from ("ledger.column"), or ""
    installed_element: str | None  # the element of the installed definition (differs when the pack is stale)
    decided_by: str | None
    decided_at: str | None  # decisions made in the web app have a time; decisions.yaml's only a name

    @property
    def low(self) -> bool:
        return self.current.confidence < LOW


def _reviewed_rows(installation: Installation, form: InstalledForm, kept) -> list[FieldRow]:
    if form.proposal is None:
        return []
    mine = [s for s in kept if s.form == form.id]
    base = installation.pack_decisions(form.pack)
    current = reviewed(form.proposal, stored_decisions.decisions(mine, base))
    web = stored_decisions.latest(mine)
    installed = {f.header: f"{f.ledger}.{f.column or f.element}" for f in form.definition.fields if f.ledger}
    installed_element = {f.header: f.element for f in form.definition.fields}
    file_by = {d["header"]: d.get("by") for d in base.fields
               if d.get("file") in (None, "", form.file) and d.get("sheet") in (None, form.sheet)}
    rows = []
    for i, (p, c) in enumerate(zip(form.proposal.fields, current.fields)):
        s = web.get((form.file, form.sheet, p.header)) or web.get((form.file, None, p.header))
        rows.append(FieldRow(i, p, c, installed.get(p.header, ""), installed_element.get(p.header),
                             s.by if s else file_by.get(p.header), local_time(s.at) if s else None))
    return rows


def _summary(installation: Installation, kept) -> list[dict]:
    """One line per form for the list: served and low-confidence fields, decisions taken."""
    out = []
    by_form = defaultdict(list)
    for s in kept:
        by_form[s.form].append(s)
    bases = {pack: installation.pack_decisions(pack) for pack in installation.pack_folders}
    for form in installation.forms:
        d = form.definition
        current = reviewed(form.proposal, stored_decisions.decisions(by_form[form.id], bases[form.pack])) \
            if form.proposal else None
        out.append({"form": form, "fields": len(d.fields), "served": sum(1 for f in d.fields if f.served and f.element),
                    "low": sum(1 for f in current.fields if f.confidence < LOW) if current else None,
                    "decided": sum(1 for f in current.fields if f.decided) if current else 0})
    return out


def _pending(request: Request):
    error = _cache(request).error
    response = render(request, "consolidation_wait.html", {"error": error}, status_code=500 if error else 503)
    if not error:
        response.headers["Refresh"] = "3"  # the page comes back by itself once the computation is done
    return response


@router.get("/consolidation")
def consolidation_page(request: Request, scope: PageScope, q: str = "", department: str = "", layout: str = "",
                       low: bool = False, exported: int = -1):
    scope.require_admin()
    installation = _cache(request).get(WAIT)
    if installation is None:
        return _pending(request)
    rows = _summary(installation, stored_decisions.stored(request.app.state.engine))
    departments = sorted({r["form"].definition.department for r in rows if r["form"].definition.department})
    shown = [r for r in rows
             if (not q or q in r["form"].id or q in r["form"].definition.title)
             and (not department or r["form"].definition.department == department)
             and (not layout or r["form"].definition.layout == layout)
             and (not low or (r["low"] or 0) > 0)]
    totals = {"forms": len(rows), "fields": sum(r["fields"] for r in rows), "served": sum(r["served"] for r in rows),
              "low": sum(r["low"] or 0 for r in rows), "decided": sum(r["decided"] for r in rows)}
    return render(request, "consolidation.html", {
        "rows": shown, "totals": totals, "departments": departments, "layouts": ("roster", "record", "indicator"),
        "params": {"q": q, "department": department, "layout": layout, "low": "1" if low else ""},
        "packs": sorted(installation.pack_folders), "exported": exported, "low": LOW})


def _form_context(request: Request, installation: Installation, form: InstalledForm, *, find: str = "", at: int = -1,
                  error: tuple[int, str] | None = None, done: int = -1) -> dict:
    kept = stored_decisions.stored(request.app.state.engine, form=form.id)
    rows = _reviewed_rows(installation, form, kept)
    names = {e.id: e.name for e in installation.elements.values()}
    return {"form": form, "rows": rows, "names": names, "ledger_of": installation.element_ledger, "low": LOW,
            "find": find, "at": at, "found": installation.find_elements(find, FOUND) if find and at >= 0 else [],
            "error": error, "done": done,
            "history": [(s, local_time(s.at)) for s in reversed(kept)][:20]}


@router.get("/consolidation/forms/{form_id}")
def form_page(request: Request, form_id: str, scope: PageScope, find: str = "", at: int = -1, done: int = -1):
    scope.require_admin()
    installation = _cache(request).get(WAIT)
    if installation is None:
        return _pending(request)
    form = installation.form(form_id)
    if form is None:
        raise YbtError(Problem("not-found"))
    return render(request, "consolidation_form.html",
                  _form_context(request, installation, form, find=find.strip(), at=at, done=done))


@router.post("/consolidation/forms/{form_id}/decide")
async def decide(request: Request, form_id: str, scope: PageScope):
    form_data = {k: str(v) for k, v in (await request.form()).items()}
    check_csrf(request, form_data.get("csrf"))
    scope.require_admin()
    return await run_in_threadpool(_decide, request, form_id, scope, form_data)


def _decide(request: Request, form_id: str, scope, data: dict[str, str]):
    installation = _cache(request).get(WAIT)
    if installation is None:
        return _pending(request)
    form = installation.form(form_id)
    if form is None or form.proposal is None:
        raise YbtError(Problem("not-found"))
    try:
        index = int(data.get("index", ""))
        field = form.proposal.fields[index]
        if field.header != data.get("header"):  # the form changed since the page was shown
            raise IndexError
    except (ValueError, IndexError):
        raise YbtError(Problem("invalid-request", {"reason": "该字段不在这张报表中，请刷新页面后重试",
                                                   "reason_en": "that field is not on this form; reload the page"})) \
            from None
    try:
        stored_decisions.record(request.app.state.engine, form=form.id, file=form.file, sheet=form.sheet,
                                header=field.header, action=data.get("action", ""), element=data.get("element"),
                                note=data.get("note"), by=scope.user.name, elements=installation.elements)
    except YbtError as exc:
        p = exc.problems[0]
        message = p.message_en if language(request) == "en" else f"{p.message_zh}（字段“{field.header}”未修改）。" + (
            "请在查找框中输入数据元的名称、别名或标识，从查找结果中选择。" if p.code == "unknown-element" else p.hint_zh)
        context = _form_context(request, installation, form, error=(index, message), at=index,
                                find=data.get("element", "") if p.code == "unknown-element" else "")
        return render(request, "consolidation_form.html", context, status_code=422)
    return RedirectResponse(f"{request.url.path.rsplit('/', 1)[0]}?done={index}#f{index}", status_code=303)


@router.post("/consolidation/export")
async def export(request: Request, scope: PageScope):
    form_data = {k: str(v) for k, v in (await request.form()).items()}
    check_csrf(request, form_data.get("csrf"))
    scope.require_admin()
    return await run_in_threadpool(_export, request, scope)


def _export(request: Request, scope):
    installation = _cache(request).get(WAIT)
    if installation is None:
        return _pending(request)
    written = 0
    for pack, folder in installation.pack_folders.items():
        ids = {f.id for f in installation.forms if f.pack == pack}
        try:
            written += stored_decisions.export(request.app.state.engine, folder / DECISIONS_FILE, ids, by=scope.user.name)
        except OSError as exc:
            raise YbtError(Problem("invalid-request", {
                "reason": f"无法写入 {folder / DECISIONS_FILE}（{exc.strerror}），请检查数据包文件夹的写权限",
                "reason_en": f"cannot write {folder / DECISIONS_FILE} ({exc.strerror}); check the pack folder's permissions"})) \
                from None
    return RedirectResponse(f"/consolidation?exported={written}", status_code=303)


@router.get("/consolidation/ledgers")
def ledgers_page(request: Request, scope: PageScope, store: Store, q: str = "", ledger: str = ""):
    scope.require_admin()
    serves: dict[tuple[str, str], list] = defaultdict(list)
    for fd in load_forms(request.app.state.engine):
        for f in fd.fields:
            if f.ledger:
                serves[(f.ledger, f.column or f.element)].append(fd)
    dictionary = store.dictionary
    rows = []
    for d in store.ledgers():
        forms = {fd.id: fd for c in d.column_names for fd in serves.get((d.id, c), ())}
        if q and q not in d.id and q not in d.name and not any(q in c for c in d.column_names):
            continue
        rows.append({"d": d, "forms": len(forms), "served_columns": sum(1 for c in d.column_names if serves.get((d.id, c)))})
    chosen = next((r["d"] for r in rows if r["d"].id == ledger), None)
    columns = []
    if chosen is not None:
        for c in chosen.columns:
            element = dictionary.elements.get(c.element)
            columns.append({"name": c.column, "element": c.element, "label": element.name if element else c.element,
                            "key": c.column in chosen.key, "forms": serves.get((chosen.id, c.column), [])})
    return render(request, "consolidation_ledgers.html", {
        "rows": rows, "chosen": chosen, "columns": columns, "q": q, "total": len(store.ledgers())})
