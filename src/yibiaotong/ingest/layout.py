"""A filled one-record form (申请表, 登记表, 审批表) read by its installed template's layout.

Read afresh, a filled one-record form mixes labels and values up: 王大 in the box after 申请人姓名
looks like one more label, and the fields after it get the wrong names. But a one-record form is a
fixed layout. When a sheet prints an installed record form's labels where that form's template
prints them, the template says where each value is, and the sheet is read that way; a sub-table's
(家庭成员情况) rows are then read downward from its first value row for as long as they are filled.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from yibiaotong.forms import read_templates
from yibiaotong.forms.definition import FormDef
from yibiaotong.forms.model import FormTemplate
from yibiaotong.ingest.recognise import norm

LABEL_SHARE = 0.8  # of the template's labels that must stand in their places on the sheet
TITLE_ROWS = 6  # where a form's title is looked for
_templates: dict[tuple[str, float], FormTemplate | None] = {}


@dataclass
class Fixed:
    form: FormDef
    template: FormTemplate  # the installed template: its labels, value cells and sub-tables
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


def labels_in_place(values: dict[tuple[int, int], Any], template: FormTemplate) -> float:
    """The share of the template's field labels the sheet prints in the same cells."""
    labels = {(f.row, f.column): f.label for f in template.fields}
    if not labels:
        return 0.0
    same = sum(1 for cell, label in labels.items() if norm(str(values.get(cell) or "")) == norm(label))
    return same / len(labels)


def fixed_layout(values: dict[tuple[int, int], Any], forms: list[FormDef], forced: FormDef | None = None
                 ) -> Fixed | None:
    """The installed record form whose layout the sheet has, if one has it."""
    if forced is not None:
        candidates = [forced] if forced.layout == "record" else []
    else:
        top = "".join(norm(str(v)) for (r, _c), v in values.items() if r <= TITLE_ROWS and isinstance(v, str))
        candidates = [f for f in forms if f.layout == "record" and f.title and norm(f.title) in top]
    best: Fixed | None = None
    for form in candidates:
        template = template_of(form)
        if template is None:
            continue
        share = labels_in_place(values, template)
        if share >= LABEL_SHARE and (best is None or share > best.share):
            best = Fixed(form, template, share)
    return best


def subtable_rows(values: dict[tuple[int, int], Any], cells: list[tuple[int, int]], stop_labels: set[str],
                  last_row: int) -> list[int]:
    """Offsets (1, 2, …) of the filled sub-table rows below the first value row, whose value cells
    are ``cells``; reading stops at an empty row or at a row printing one of the form's labels."""
    offsets = []
    k = 1
    while True:
        row = [values.get((r + k, c)) for r, c in cells]
        if cells[0][0] + k > last_row or all(v in (None, "") for v in row):
            return offsets
        if any(isinstance(v, str) and norm(v) in stop_labels for v in row):
            return offsets
        offsets.append(k)
        k += 1
