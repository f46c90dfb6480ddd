"""Redaction of free text: ID numbers and mobile numbers typed anywhere are cut to their masked form.

Used for server logs (request lines carry search words) and for free text that goes into the
audit log (a purpose may quote an ID number): a full ID number must never be written down twice.
"""

from __future__ import annotations

import re

from yibiaotong.elements.idnumber import mask_id_number
from yibiaotong.elements.phone import mask_phone

# 18-character (last may be X) and old 15-digit ID numbers, 11-digit mobiles (1[3-9]…), not inside longer digit runs
_ID = re.compile(r"(?<![0-9])([1-9][0-9]{16}[0-9Xx]|[1-9][0-9]{14})(?![0-9Xx])")
_MOBILE = re.compile(r"(?<![0-9])(1[3-9][0-9]{9})(?![0-9])")


def redact(text: str) -> str:
    if not text or not any(ch.isdigit() for ch in text):
        return text
    text = _ID.sub(lambda m: mask_id_number(m.group(1)), text)
    return _MOBILE.sub(lambda m: mask_phone(m.group(1)), text)
