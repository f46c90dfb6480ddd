"""Writing a reviewed plan into a pack: proposed elements, ledger definitions, form definitions.

What `ybt consolidate --write-pack` does. The files are generated; people edit the decisions
file (re-applied on every run) or the form definitions (YAML beside each template).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import yaml

from yibiaotong.consolidate.infer import infer_type, infer_validation
from yibiaotong.consolidate.ledgers import ElementInfo
from yibiaotong.consolidate.plan import Plan
from yibiaotong.forms.definition import FieldDef, FormDef

GENERATED = "# 由 ybt consolidate --write-pack 根据梳理结果生成；修改请写入 decisions.yaml 后重新生成。\n"


def write_pack(plan: Plan, pack_dir: str | Path) -> dict[str, int]:
    pack_dir = Path(pack_dir)
    (pack_dir / "elements").mkdir(parents=True, exist_ok=True)
    (pack_dir / "ledgers").mkdir(parents=True, exist_ok=True)
    (pack_dir / "forms").mkdir(parents=True, exist_ok=True)
    elements = _proposed_elements(plan)
    _dump(pack_dir / "elements" / "consolidated.yaml", {"category": "application", "elements": elements})
    for stale in (pack_dir / "ledgers").glob("*.yaml"):
        if stale.read_text(encoding="utf-8").startswith(GENERATED):
            stale.unlink()
    for lg in plan.ledgers:
        _dump(pack_dir / "ledgers" / f"{lg.id}.yaml", {**lg.to_dict(), "columns": lg.columns})
    forms = 0
    per_file: dict[str, int] = {}
    for pf in plan.forms:
        per_file[pf.source] = per_file.get(pf.source, 0) + 1
    for pf in plan.forms:
        template = Path(pf.source)
        if pack_dir.resolve() not in template.resolve().parents:
            shutil.copy2(template, pack_dir / "forms" / template.name)
            template = pack_dir / "forms" / template.name
        stem = template.stem if per_file[pf.source] == 1 else f"{template.stem}__{pf.sheet}"
        fd = FormDef(id=stem, title=pf.title or stem, layout=pf.layout, template=template.name, sheet=pf.sheet,
                     fields=[FieldDef(header=f.header, element=f.element, ledger=f.ledger,
                                      column=f.element if f.ledger else None, unit=f.unit, served=f.served)
                             for f in pf.fields])
        target = template.with_name(f"{stem}.yaml")
        if target.exists():  # keep what people added by hand (filters, expressions, answers, department)
            old = FormDef.load(target)
            fd.department, fd.filter, fd.extra = old.department, old.filter, old.extra
            hand = {f.header: f for f in old.fields}
            for f in fd.fields:
                if f.header in hand:
                    f.expression, f.aggregate, f.answers = hand[f.header].expression, hand[f.header].aggregate, \
                        hand[f.header].answers
        fd.save(target)
        forms += 1
    return {"elements": len(elements), "ledgers": len(plan.ledgers), "forms": forms}


def _proposed_elements(plan: Plan) -> list[dict]:
    out = []
    for e in sorted(plan.elements.values(), key=lambda e: e.id):
        if not e.new or not e.fields:
            continue
        kind, unit = infer_type(e.labels, e.unit, e.subject)
        sensitivity = "personal" if e.subject in ("person", "household") else "internal"
        out.append({"id": e.id, "name": e.name, "aliases": [x for x in e.labels if x != e.name], "type": kind,
                    **({"unit": unit} if unit else {}), "sensitivity": sensitivity, "subject": e.subject,
                    "group": e.group, **({"validation": rules} if (rules := _validation(e, kind)) else {}),
                    "description": f"由报表梳理新建：{len(e.labels)} 种写法，{e.fields} 个报表字段。"})
    return out


def _validation(e: ElementInfo, kind: str) -> dict:
    """The checks a proposed element's values get: as decided (decisions.yaml), else as guessed."""
    return e.validation if e.validation is not None else infer_validation(e.labels, kind)


def _dump(path: Path, data: dict) -> None:
    path.write_text(GENERATED + yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=120), encoding="utf-8")
