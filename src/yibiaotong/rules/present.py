"""Values as alerts and eligibility answers show them: ID numbers and phones masked, codes by label.

Alerts are stored as shown (the explanation and evidence of ``ybt_alert`` never hold a full ID
number); only ``ybt_alert_record`` keeps full record keys, for links into the ledgers. Anything
typed or computed that looks like an ID number — in a text, a record key, or a number with an ID
inside such as a disability certificate number — is cut to ``500118********1234`` as well.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from yibiaotong.access.redact import redact
from yibiaotong.elements.model import CodeList, Element
from yibiaotong.elements.validate import mask

# a run of 15 or more digits (an ID number, or a certificate number built from one)
_LONG_DIGITS = re.compile(r"(?<![0-9])([0-9]{6})([0-9]{5,})([0-9Xx]{4})(?![0-9Xx])")
MAX_LISTED = 12
PLACEHOLDER = re.compile(r"\{([^{}]{1,60})\}")


def scrub(text: str) -> str:
    """Free text with every ID number, mobile number and long digit run masked."""
    text = redact(text)
    return _LONG_DIGITS.sub(lambda m: m.group(1) + "*" * len(m.group(2)) + m.group(3), text)


def show(value: Any, element: Element | None = None, codelists: Mapping[str, CodeList] | None = None) -> str | None:
    """One value as people may see it in an alert or a verdict."""
    if value is None:
        return None
    if element is not None:
        if element.type in ("id_number", "phone", "mobile"):
            return mask(element, value)
        if element.type == "code" and codelists and element.codelist in codelists:
            label = codelists[element.codelist].label(str(value))
            return label or str(value)
        if isinstance(value, str) and not element.is_sensitive:
            return value  # a name, a parcel code: what people need to find the case
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, float):
        return format(Decimal(str(value)).normalize(), "f")
    return scrub(str(value))


def listed(values: Iterable[str | None]) -> str:
    """Distinct values joined with 、 (sorted so that a rerun words it the same way)."""
    distinct = sorted({v for v in values if v not in (None, "")})
    if len(distinct) > MAX_LISTED:
        return "、".join(distinct[:MAX_LISTED]) + f"等{len(distinct)}项"
    return "、".join(distinct)


def render(template: str, fields: Mapping[str, str]) -> str:
    """``{名称}`` replaced by the field's text; nothing else in the template is interpreted."""
    return PLACEHOLDER.sub(lambda m: fields.get(m.group(1).strip()) or "（空）", template)


def masked_key(key: str, elements: Iterable[Element | None] = ()) -> str:
    """A record key (parts joined by |) as people may see it, each part shown by its element."""
    parts = str(key).split("|")
    elements = list(elements)
    return "|".join(show(part, elements[i] if i < len(elements) else None) or "" for i, part in enumerate(parts))
