"""Form definitions in the database (ybt_form), so the web app and reports find them by id."""

from __future__ import annotations

from sqlalchemy import Engine, delete, insert, select

from yibiaotong.errors import Problem, YbtError
from yibiaotong.forms.definition import FormDef
from yibiaotong.store.schema import form as form_table


def save_forms(engine: Engine, pack: str, forms: list[FormDef]) -> int:
    """Replace the pack's form definitions with these, in one transaction."""
    with engine.begin() as conn:
        conn.execute(delete(form_table).where(form_table.c.pack == pack))
        if forms:
            conn.execute(insert(form_table), [
                {"id": f.id, "title": f.title, "department": f.department or None, "layout": f.layout, "pack": pack,
                 "template_path": str(f.template_path) if f.template_path else None, "definition": f.to_dict()}
                for f in forms])
    return len(forms)


def load_forms(engine: Engine) -> list[FormDef]:
    with engine.connect() as conn:
        rows = conn.execute(select(form_table.c.definition, form_table.c.template_path).order_by(form_table.c.id)).all()
    return [_with_path(FormDef.from_dict(d), p) for d, p in rows]


def get_form(engine: Engine, form_id: str) -> FormDef:
    """A form by id, or by its exact title."""
    with engine.connect() as conn:
        row = conn.execute(select(form_table.c.definition, form_table.c.template_path)
                           .where((form_table.c.id == form_id) | (form_table.c.title == form_id))).first()
    if row is None:
        raise YbtError(Problem("unknown-form", {"form": form_id}))
    return _with_path(FormDef.from_dict(row[0]), row[1])


def _with_path(fd: FormDef, template_path: str | None) -> FormDef:
    from pathlib import Path

    if template_path:
        fd.path = Path(template_path).with_name(f"{fd.id}.yaml")
    return fd
