"""The consolidation of an installation (已安装报表的梳理结果), for people to review.

Installing a pack keeps each form's definition (field → element → ledger column, in ``ybt_form``)
but not why a field got its element. So the installed forms are read again from their templates
and matched with their pack's dictionary and knowledge, exactly as ``ybt consolidate`` does:
the result is deterministic and shows each field's element with the matcher's confidence and
reason next to what the installation uses. It takes seconds for a district's forms; callers
keep it (see ``signature``) rather than recompute it per page.

Field decisions are left out of the computed plan and laid over it per form (``reviewed``) with
``Decisions.apply_fields`` — the code every consolidation run applies them with — so that the
matcher's own proposal stays visible beside a person's decision.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from dataclasses import dataclass, replace
from pathlib import Path

from sqlalchemy import Engine, func, select

from yibiaotong.consolidate import GENERATED_FILES
from yibiaotong.consolidate.knowledge import Knowledge
from yibiaotong.consolidate.ledgers import ElementInfo
from yibiaotong.consolidate.plan import PlanForm, consolidate
from yibiaotong.consolidate.review import Decisions
from yibiaotong.elements.dictionary import Dictionary
from yibiaotong.errors import Problem
from yibiaotong.forms.definition import FormDef
from yibiaotong.forms.store import load_forms
from yibiaotong.packs import load_pack, resolve_packs
from yibiaotong.store import schema

DECISIONS_FILE = "decisions.yaml"


@dataclass
class InstalledForm:
    definition: FormDef
    pack: str
    proposal: PlanForm | None  # the matcher's, without field decisions; None when the template cannot be read
    problem: Problem | None = None

    @property
    def id(self) -> str:
        return self.definition.id

    @property
    def file(self) -> str:
        return self.definition.template

    @property
    def sheet(self) -> str | None:
        return self.definition.sheet


@dataclass
class Installation:
    forms: list[InstalledForm]
    elements: dict[str, ElementInfo]  # the dictionary's and the new ones the plan proposes
    element_ledger: dict[str, str]  # each element's home ledger in the plan
    pack_folders: dict[str, Path]  # pack id -> folder (where its decisions.yaml lives)

    def form(self, form_id: str) -> InstalledForm | None:
        return next((f for f in self.forms if f.id == form_id), None)

    def find_elements(self, text: str, limit: int = 12) -> list[ElementInfo]:
        """Elements a field may be reassigned to, best first: by id or name, then name, alias, id part."""
        text = text.strip()
        if not text:
            return []

        def rank(e: ElementInfo) -> int | None:
            if text in (e.id, e.name):
                return 0
            if text in e.name:
                return 1
            if any(text in label for label in e.labels):
                return 2
            if text.lower() in e.id:
                return 3
            return None

        ranked = [(r, e) for e in self.elements.values() if (r := rank(e)) is not None]
        ranked.sort(key=lambda x: (x[0], -x[1].fields, len(x[1].name), x[1].id))
        return [e for _, e in ranked[:limit]]

    def pack_decisions(self, pack: str) -> Decisions:
        """The decisions file of a pack (what ``ybt decide`` writes), re-read on every call."""
        return Decisions.load(self.pack_folders[pack] / DECISIONS_FILE)


def reviewed(proposal: PlanForm, decisions: Decisions) -> PlanForm:
    """A copy of a form's proposal with a person's field decisions applied."""
    copy = replace(proposal, fields=[replace(f) for f in proposal.fields])
    decisions.apply_fields(copy)
    return copy


def signature(engine: Engine) -> tuple:
    """Changes when forms are installed or changed, or their templates or the dictionary change."""
    with engine.connect() as conn:
        rows = conn.execute(select(schema.form.c.id, schema.form.c.pack, schema.form.c.template_path,
                                   schema.form.c.definition).order_by(schema.form.c.id)).all()
        elements = conn.execute(select(func.count()).select_from(schema.element)).scalar_one()
    definitions = hashlib.sha256(json.dumps([r.definition for r in rows], sort_keys=True).encode()).hexdigest()
    return (elements, definitions, *((r.id, r.pack, r.template_path, _mtime(r.template_path)) for r in rows))


def read_installation(engine: Engine) -> Installation:
    with engine.connect() as conn:
        pack_of = dict(conn.execute(select(schema.form.c.id, schema.form.c.pack)).all())
    by_pack: dict[str, list[FormDef]] = defaultdict(list)
    for fd in load_forms(engine):
        by_pack[pack_of[fd.id]].append(fd)
    out = Installation([], {}, {}, {})
    for pack, definitions in sorted(by_pack.items()):
        folder = pack_folder(pack, next((d.template_path for d in definitions if d.template_path), None))
        out.pack_folders[pack] = folder
        packs = resolve_packs(folder)
        own = Decisions.load(folder / DECISIONS_FILE)
        # element and ledger decisions shape the plan; field decisions are laid over it per form
        plan = consolidate(sorted({d.template_path for d in definitions if d.template_path}),
                           Dictionary.from_packs(packs, exclude=GENERATED_FILES), Knowledge.from_packs(packs),
                           Decisions(elements=own.elements, ledgers=own.ledgers))
        out.elements.update(plan.elements)
        out.element_ledger.update({m: lg.id for lg in plan.ledgers for m in lg.home})
        proposals = {(Path(pf.source).name, pf.sheet): pf for pf in plan.forms}
        for d in definitions:
            proposal = proposals.get((d.template, d.sheet)) if d.sheet else \
                next((pf for (file, _), pf in proposals.items() if file == d.template), None)
            problem = None if proposal else next(
                (p for p in plan.skipped if Path(str(p.location.get("file", ""))).name == d.template
                 and p.location.get("sheet") in (None, d.sheet)),
                Problem("file-not-found", {}, {"file": str(d.template_path or d.template)}))
            out.forms.append(InstalledForm(d, pack, proposal, problem))
    out.forms.sort(key=lambda f: f.id)
    return out


def pack_folder(pack: str, template: str | Path | None) -> Path:
    """The folder of an installed pack: the one around its templates, else found by name."""
    for parent in (Path(template).parents if template else ()):
        if (parent / "pack.yaml").exists():
            if load_pack(parent).id == pack:
                return parent
            break
    return load_pack(pack).path


def _mtime(path: str | None) -> float | None:
    try:
        return Path(path).stat().st_mtime if path else None
    except OSError:
        return None


__all__ = ["DECISIONS_FILE", "InstalledForm", "Installation", "pack_folder", "read_installation", "reviewed", "signature"]
