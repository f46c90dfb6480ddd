"""Which installed form a sheet is (识别报表), and which column holds which field.

A sheet's header paths are compared with each form definition's headers; the form with the best
overlap (Dice: 2·common ÷ (form fields + sheet columns)) wins when it reaches
:data:`THRESHOLD`. Headers are compared as a person reads them: full-width letters and digits,
spaces, line breaks, asterisks (必填 marks) and a trailing colon do not count. A field whose whole
path is not found is looked for by its last label when exactly one column has that label (a
filled copy often loses a group heading).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from yibiaotong.errors import Problem
from yibiaotong.forms.definition import FieldDef, FormDef
from yibiaotong.forms.model import FormTemplate, TemplateField

THRESHOLD = 0.6


@dataclass
class MappedField:
    field: FieldDef
    source: TemplateField  # where it is on the sheet (column, value cell, printed unit)


@dataclass
class Recognition:
    form: FormDef
    score: float
    fields: list[MappedField] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)  # form headers the sheet does not have
    extra: list[str] = field(default_factory=list)  # sheet headers the form does not know


def norm(header: str) -> str:
    text = unicodedata.normalize("NFKC", header)
    text = re.sub(r"[\s*＊※]+", "", text)
    return re.sub(r"[:：]$", "", text).lower()


def _leaf(header: str) -> str:
    return norm(header.split("/")[-1])


def match(template: FormTemplate, form: FormDef) -> Recognition:
    by_header = {norm(f.header): f for f in template.fields}
    used: set[int] = set()
    rec = Recognition(form, 0.0)
    unmatched: list[FieldDef] = []
    for fd in form.fields:
        tf = by_header.get(norm(fd.header))
        if tf is not None and id(tf) not in used:
            used.add(id(tf))
            rec.fields.append(MappedField(fd, tf))
        else:
            unmatched.append(fd)
    for fd in unmatched:
        leaf = _leaf(fd.header)
        hits = [tf for tf in template.fields if id(tf) not in used and _leaf(tf.header) == leaf]
        if len(hits) == 1:
            used.add(id(hits[0]))
            rec.fields.append(MappedField(fd, hits[0]))
        else:
            rec.missing.append(fd.header)
    rec.extra = [tf.header for tf in template.fields if id(tf) not in used]
    total = len(form.fields) + len(template.fields)
    rec.score = 2 * len(rec.fields) / total if total else 0.0
    rec.fields.sort(key=lambda m: (m.source.row, m.source.column))
    return rec


def recognise(template: FormTemplate, forms: list[FormDef], forced: FormDef | None = None
              ) -> tuple[Recognition | None, Problem | None]:
    """The form this sheet is, or None and a problem saying what came closest."""
    if forced is not None:
        rec = match(template, forced)
        if not any(m.field.ledger for m in rec.fields):
            return None, Problem("form-columns-not-found", {"form": forced.title, "headers": "、".join(
                f.header for f in forced.fields[:8])})
        return _checked(template, rec)
    if not forms:
        return None, Problem("no-forms-installed", {})
    best = max((match(template, f) for f in forms), key=lambda r: r.score)
    if best.score < THRESHOLD:
        return None, Problem("form-not-recognised", {"best": best.form.title, "score": f"{best.score:.0%}"})
    return _checked(template, best)


def _checked(template: FormTemplate, rec: Recognition) -> tuple[Recognition | None, Problem | None]:
    """The recognition, or None and why the sheet cannot be read by it."""
    problem = _duplicated(template, rec)
    return (None, problem) if problem else (rec, None)


def _duplicated(template: FormTemplate, rec: Recognition) -> Problem | None:
    """A field of the form stored in a ledger whose header heads more than one column of a roster:
    which column holds it is a guess (the last one was taken, and a guardian's name stored as the
    person's). Two columns 备注 that the import neither stores nor places records by are no reason
    to refuse the sheet."""
    if template.layout != "roster":
        return None
    from yibiaotong.ingest.plan import ORG_ELEMENTS
    from yibiaotong.ingest.workbook import column_letter

    for mapped in rec.fields:
        if not mapped.field.ledger and mapped.field.element not in ORG_ELEMENTS:
            continue
        same = [tf.column for tf in template.fields if norm(tf.header) == norm(mapped.source.header)]
        if len(same) > 1:
            return Problem("form-header-duplicate", {"header": mapped.source.header, "count": len(same),
                                                     "columns": "、".join(map(column_letter, sorted(same)))})
    return None
