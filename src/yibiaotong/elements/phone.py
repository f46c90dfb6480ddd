"""Mainland China telephone numbers: mobiles and landlines.

Mobiles are 11 digits starting 13-19, written with or without ``+86``/``0086``/``86`` and with
spaces or dashes: normalized to ``13812345678``. Landlines are an area code (``010`` and
``02X`` have three digits and 8-digit local numbers, every other code has four digits and
7- or 8-digit local numbers) and are normalized to ``023-49871234``, an extension to
``023-49871234转801``. Problems carry the masked number (``138****5678``).
"""

from __future__ import annotations

import re
import unicodedata

from yibiaotong.errors import Problem

_MOBILE = re.compile(r"1[3-9]\d{9}")
_LANDLINE = re.compile(r"(010|02\d)([2-9]\d{7})|(0[3-9]\d{2})([2-9]\d{6,7})")
# Writing the extension: 转801, -801 after a complete number, ext 801, x801, 分机801.
_EXTENSION = re.compile(r"(?:转|分机|ext\.?|x|#)\s*(\d{1,6})$|(?<=\d{7})-(\d{1,6})$")
_SEPARATORS = re.compile(r"[\s\-–—()（）.]")
_LIST_SPLIT = re.compile(r"[,，/、;；|或\s]+")


def parse_phone(
    raw: object, kind: str = "phone", *, area_code: str | None = None
) -> tuple[str | None, Problem | None]:
    """The normalized number, or ``None`` and a problem; ``(None, None)`` for empty input.

    ``kind='mobile'`` accepts mobiles only; ``'phone'`` accepts mobiles and landlines.
    ``area_code`` (e.g. ``'023'``) completes a local landline number written without one.
    """
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None, None
    text = _text(raw)
    number = _parse_one(text, area_code)
    if number is None:
        parts = [p for p in _LIST_SPLIT.split(text) if p.strip()]
        if len(parts) > 1 and all(_parse_one(p, area_code) for p in parts):
            return None, _problem("multiple-phone-numbers", text)
        return None, _problem("invalid-mobile" if kind == "mobile" else "invalid-phone", text)
    if kind == "mobile" and not _MOBILE.fullmatch(number):
        return None, _problem("invalid-mobile", text)
    return number, None


def mask_phone(number: str) -> str:
    """Hide the middle digits: ``138****5678``, ``023-****1234``. Text without a digit (无, /, 不详)
    is no number and is shown as it is: the clerk sees what was typed. Chinese numerals are digits
    here (一三八…, 幺: a number written out in words is still one)."""
    text = str(number)
    if not any(map(str.isnumeric, text)):
        return text
    if _MOBILE.fullmatch(text):
        return text[:3] + "****" + text[7:]
    m = re.fullmatch(r"(0\d{2,3}-)(\d+)(.*)", text)
    if m:
        return m.group(1) + "*" * (len(m.group(2)) - 4) + m.group(2)[-4:] + m.group(3)
    if len(text) >= 8:
        return text[:3] + "*" * (len(text) - 7) + text[-4:]
    return "*" * len(text)


def _text(raw: object) -> str:
    if isinstance(raw, float) and raw.is_integer():  # a mobile typed into a number cell
        raw = int(raw)
    return unicodedata.normalize("NFKC", str(raw)).strip()


def _parse_one(text: str, area_code: str | None) -> str | None:
    text = text.strip().lower()
    extension = ""
    m = _EXTENSION.search(text)
    if m:
        extension = m.group(1) or m.group(2)
        text = text[: m.start()]
    digits = _SEPARATORS.sub("", text)
    if digits.startswith("+"):  # +86 13812345678, +86 23 49871234 (area code without its 0)
        digits = "00" + digits[1:]
    if digits.startswith("0086"):
        digits = digits[4:] if digits[4:5] == "1" else "0" + digits[4:]
    elif digits.startswith("86") and len(digits) == 13:  # 8613812345678
        digits = digits[2:]
    if not digits.isdigit():
        return None
    if _MOBILE.fullmatch(digits):
        return None if extension else digits
    if area_code and not digits.startswith("0") and re.fullmatch(r"[2-9]\d{6,7}", digits):
        digits = area_code + digits
    m = _LANDLINE.fullmatch(digits)
    if not m:
        return None
    area, local = (m.group(1), m.group(2)) if m.group(1) else (m.group(3), m.group(4))
    return f"{area}-{local}" + (f"转{extension}" if extension else "")


def _problem(code: str, text: str) -> Problem:
    return Problem(code, {"value": mask_phone(text)})
