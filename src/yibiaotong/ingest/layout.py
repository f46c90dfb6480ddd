"""A filled one-record form (申请表, 登记表, 审批表) read by its installed template's layout.

Read afresh, a filled one-record form mixes labels and values up: 王大 in the box after 申请人姓名
looks like one more label, and the fields after it get the wrong names. But a one-record form is a
fixed layout. When a sheet prints an installed record form's labels where that form's template
prints them, the template says where each value is, and the sheet is read that way.

Clerks add rows to a sub-table (家庭成员情况) for a bigger family, or delete the ones they do not
need, which moves everything below it: the labels below a sub-table are looked for further down
(or up), and the fields below it are read where they are found. Every filled row between a
sub-table's first value row and the next label is one member (a blank row in between is skipped).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, replace
from typing import Any

from yibiaotong.forms import read_templates, words
from yibiaotong.forms.definition import FormDef
from yibiaotong.forms.model import FormTemplate, TemplateField
from yibiaotong.ingest.recognise import norm

LABEL_SHARE = 0.8  # of the template's labels that must stand in their places on the sheet
TITLE_ROWS = 6  # where a form's title is looked for
# a title printed for a place: 永川区临江镇最低生活保障申请审批表 is the form 永川区最低生活保障申请审批表
_PLACE = re.compile(r"^[\u4e00-\u9fff]{1,8}?(?:自治县|区|县|市)(?:[\u4e00-\u9fff]{1,8}?(?:镇|乡|街道))?")
_templates: dict[tuple[str, float], FormTemplate | None] = {}


@dataclass
class Fixed:
    form: FormDef
    template: FormTemplate  # the installed template, its rows moved to where this sheet has them
    share: float


def template_of(form: FormDef) -> FormTemplate | None:
    """The form's installed template as read from its file (kept while the file is unchanged)."""
    path = form.template_path
    if path is None or not path.is_file():
        return None
    key = (str(path), os.path.getmtime(path))
    if key not in _templates:
        if len(_templates) > 512:
            _templates.clear()
        _templates[key] = _pick(read_templates(path).forms, form)
    return _templates[key]


def _pick(found: list[FormTemplate], form: FormDef) -> FormTemplate | None:
    if form.sheet:
        found = [t for t in found if t.sheet == form.sheet] or found
    return found[0] if found and found[0].layout == "record" else None


def title_core(title: str) -> str:
    """What every printing of a form's title keeps: the title without the place it starts with."""
    text = norm(title)
    core = _PLACE.sub("", text, count=1)
    return core if len(core) >= 4 else text


def fixed_layout(values: dict[tuple[int, int], Any], forms: list[FormDef], forced: FormDef | None = None
                 ) -> tuple[Fixed | None, list[FormDef]]:
    """The installed record form whose layout the sheet has (None if none has), and the record
    forms the sheet's title names whose template file is gone (to be said when none fits)."""
    if forced is not None:
        candidates = [forced] if forced.layout == "record" else []
    else:
        top = "".join(norm(str(v)) for (r, _c), v in values.items() if r <= TITLE_ROWS and isinstance(v, str))
        candidates = [f for f in forms if f.layout == "record" and f.title and title_core(f.title) in top]
    best: Fixed | None = None
    missing = []
    for form in candidates:
        template = template_of(form)
        if template is None:
            missing.append(form)
            continue
        placed = place(values, template)
        share = labels_in_place(values, placed)
        if share >= LABEL_SHARE and (best is None or share > best.share):
            best = Fixed(form, placed, share)
    return best, missing


def labels_in_place(values: dict[tuple[int, int], Any], template: FormTemplate) -> float:
    """The share of the template's field labels the sheet prints in the same cells."""
    labels = {(f.row, f.column): f.label for f in template.fields}
    if not labels:
        return 0.0
    same = sum(1 for cell, label in labels.items() if _says(values.get(cell), label))
    return same / len(labels)


def place(values: dict[tuple[int, int], Any], template: FormTemplate) -> FormTemplate:
    """The template with the fields below each sub-table moved by the rows the clerk added or deleted."""
    fields = list(template.fields)
    for name in dict.fromkeys(f.subtable for f in template.fields if f.subtable):
        first = min(f.value_cell[0] for f in fields if f.subtable == name and f.value_cell)
        below = [f for f in fields if f.row > first and f.subtable != name]
        if not below:
            continue
        anchor = min(below, key=lambda f: (f.row, f.column))
        found = next((r for r in range(first + 1, max((r for r, _c in values), default=0) + 1)
                      if _says(values.get((r, anchor.column)), anchor.label)), None)
        if found is None or found == anchor.row:
            continue
        shift = found - anchor.row
        fields = [_moved(f, shift) if f.row >= anchor.row else f for f in fields]
    return replace(template, fields=fields)


def member_rows(values: dict[tuple[int, int], Any], template: FormTemplate, subtable: str) -> list[int]:
    """Rows below a sub-table's first value row that hold a member: up to the next label below it
    (or the end of the sheet, its footer and notes excepted); blank rows are skipped."""
    own = [f for f in template.fields if f.subtable == subtable and f.value_cell]
    first = min(f.value_cell[0] for f in own)
    columns = [f.value_cell[1] for f in own]
    below = [f.row for f in template.fields if f.row > first and f.subtable != subtable]
    last = min(below) - 1 if below else max((r for r, _c in values), default=first)
    labels = {norm(f.label) for f in template.fields}
    rows = []
    for r in range(first + 1, last + 1):
        cells = [values.get((r, c)) for c in columns]
        texts = [norm(str(v)) for v in cells if v not in (None, "")]
        if not texts:
            continue
        if any(t in labels for t in texts) or (not below and any(
                words.is_footer_line(str(v)) or words.is_note(str(v)) for v in cells if isinstance(v, str))):
            break
        rows.append(r)
    return rows


def _says(value: Any, label: str) -> bool:
    return value is not None and norm(str(value)) == norm(label)


def _moved(f: TemplateField, shift: int) -> TemplateField:
    cell = (f.value_cell[0] + shift, f.value_cell[1]) if f.value_cell else None
    return replace(f, row=f.row + shift, value_cell=cell)
