"""The words and marks of Chinese report templates: numbering, 合计, 填表人, □是 □否 …

Every test on a piece of printed text lives here, so a new spelling met in a real form is added
in one place.
"""

from __future__ import annotations

import re
import unicodedata

from yibiaotong.elements.numbers import UNITS, canonical_unit, extract_unit

CN_DIGITS = "一二三四五六七八九十"
CN_STEMS = "甲乙丙丁戊己庚辛壬癸"

# numbering class -> pattern of a label prefix (一、 (一) 1、 1. (1) ①) ; order = usual outline depth
_PREFIXES: list[tuple[str, re.Pattern[str]]] = [
    ("cn", re.compile(rf"^[{CN_DIGITS}]+\s*[、.．]\s*")),
    ("cn-paren", re.compile(rf"^[（(]\s*[{CN_DIGITS}]+\s*[)）]\s*[、.．]?\s*")),
    ("num-dot", re.compile(r"^\d+(?:\.\d+)+\s*[、.．]?\s*(?=\D)")),
    ("num", re.compile(r"^\d+\s*(?:[、．]|\.(?!\d))\s*")),
    ("num-paren", re.compile(r"^[（(]\s*\d+\s*[)）]\s*[、.．]?\s*")),
    ("circled", re.compile(r"^[①-⑳]\s*")),
]
# the same marks standing alone, as a 序号 column prints them (一, （一）, 1, (1), ①)
_TOKENS: list[tuple[str, re.Pattern[str]]] = [
    ("cn", re.compile(rf"^[{CN_DIGITS}]+[、.．]?$")),
    ("cn-paren", re.compile(rf"^[（(][{CN_DIGITS}]+[)）]$")),
    ("num-dot", re.compile(r"^\d+(?:\.\d+)+$")),
    ("num", re.compile(r"^\d+[、.．]?$")),
    ("num-paren", re.compile(r"^[（(]\d+[)）]$")),
    ("circled", re.compile(r"^[①-⑳]$")),
]
_QIZHONG = re.compile(r"^其\s*中\s*[:：]?")

_TOTAL = re.compile(r"^(?:[全本总]\S{0,6}?)?(?:合\s*计|总\s*计|小\s*计|共\s*计|汇\s*总|累\s*计)[:：]?$")
_SERIAL = re.compile(r"^(?:序\s*号|顺序号|no\.?|编\s*号\s*\(序\)|行\s*次)$", re.IGNORECASE)
_FOOTER_WORDS = (
    "单位负责人", "负责人", "主管领导", "分管领导", "审核人", "审核", "复核人", "审批人", "填表人", "填报人",
    "制表人", "制表", "统计人", "统计员", "经办人", "联系人", "联系电话", "电话", "报出日期", "填报日期",
    "填表日期", "制表日期", "报送日期", "签字", "单位（盖章）", "单位(盖章)", "盖章",
)
_FOOTER = re.compile(r"^(?:" + "|".join(map(re.escape, _FOOTER_WORDS)) + r")\s*[:：]")
_NOTE = re.compile(r"^(?:注|说\s*明|填表说明|填报说明|备\s*注|附\s*注|特别提示|温馨提示)\s*\d?\s*[:：]|^注\s*\d+[、.．]")
_ATTACHMENT = re.compile(r"^附\s*(?:件|表)\s*[\d一二三四五六七八九十\-—]*\s*[:：]?$")
_UNIT_LINE = re.compile(r"(?:填报|填表|报送|统计|上报|申报|申请|制表)?单位(?:名称)?\s*[:：（(]|单位\s*[:：]|^单位\b")
_DATE_LINE = re.compile(r"(?:日\s*期|时\s*间|年\s*度|月\s*份|期\s*间|所属期|截\s*至|截\s*止)\s*[:：]|\d{4}\s*年|年\s+月\s+日")
_MEASURE = re.compile(r"(?:金额|计量|数量|面积)?单位\s*[:：]\s*([^\s，,；;）)]+)")
_CHECKBOX = re.compile(r"[□☐■☑☒○●◯]")
_DATE_PLACEHOLDER = re.compile(r"^[\d\s_]*年[\d\s_]*月[\d\s_]*日?$")
_SIGN = re.compile(r"签\s*[字名章]|盖\s*章|（\s*章\s*）|\(\s*章\s*\)")
_DASHES = {"—", "——", "-", "--", "－", "/", "／", "×", "╳", "\\", "＼", "─", "…", "……"}
_NUMBERISH = re.compile(r"^[+-]?[\d,，]*\.?\d+%?$")
_IDLIKE = re.compile(r"^\d{15}$|^\d{17}[\dXx]$|^1\d{10}$|^0\d{2,3}-?\d{7,8}$")
_DATE = re.compile(r"^\d{4}[-/.年]\d{1,2}([-/.月]\d{1,2}日?)?$|^\d{4}-\d{2}-\d{2}[ T]\d")

# titles of one-record forms: with only a row or two of labels these still are records, not rosters
RECORD_TITLE = re.compile(r"(?:登记|申请|审批|审核|核查|调查|评估|鉴定|认定|备案)(?:表|卡|书)$|(?:信息|情况)(?:登记|采集)?卡$")
INDICATOR_STUB = re.compile(r"指\s*标|项\s*目|栏\s*目|科\s*目|事\s*项|类\s*别|^内\s*容$|^名\s*称$|^分\s*组|^组\s*别")
UNIT_HEADER = re.compile(r"^(?:计\s*量\s*)?单\s*位$|^计量单位|^单位\s*[(（]")
CODE_HEADER = re.compile(r"^(?:代\s*码|编\s*码|指标代码|行\s*次|栏\s*次|行\s*号)$")


def clean(text: str) -> str:
    """A label as printed: outer whitespace and line breaks dropped, inner spaces kept.

    Excel wraps long headers (身份证\\n号码); a break inside a label never carries meaning, so it
    is removed together with the spaces around it.
    """
    text = re.sub(r"[ \t\u3000]*[\r\n]+[ \t\u3000]*", "", text)
    return text.strip().strip("\u3000").strip()


def clean_label(text: str) -> str:
    """:func:`clean` and a trailing colon dropped (姓名： is the label 姓名)."""
    return re.sub(r"\s*[:：]+$", "", clean(text))


def squeeze(text: str) -> str:
    """Without any whitespace, NFKC: for comparing words, never for output."""
    return "".join(unicodedata.normalize("NFKC", text).split())


def leading_spaces(raw: str) -> int:
    """Indent levels written with spaces: a full-width space or two half-width ones per level."""
    m = re.match(r"[ \u3000]*", raw)
    lead = m.group(0) if m else ""
    return lead.count("\u3000") + lead.count(" ") // 2


def numbering(text: str) -> tuple[str, str] | None:
    """The outline numbering a label starts with: ``（一）村数`` -> ('cn-paren', '村数')."""
    text = text.strip()
    for cls, pattern in _PREFIXES:
        m = pattern.match(text)
        if m and m.end() < len(text):
            return cls, text[m.end():]
    return None


def numbering_token(text: str) -> str | None:
    """The numbering class of a mark standing alone in a 序号 column (一, （一）, 1, ①)."""
    text = squeeze(text)
    if not text:
        return None
    for cls, pattern in _TOKENS:
        if pattern.match(text):
            return cls
    return None


def is_qizhong(text: str) -> bool:
    """其中：… lines are parts of the indicator above them."""
    return bool(_QIZHONG.match(text.strip()))


def is_total(text: str) -> bool:
    return bool(_TOTAL.match(squeeze(text))) and len(squeeze(text)) <= 10


def is_serial_header(text: str) -> bool:
    return bool(_SERIAL.match(squeeze(text)))


def is_footer_line(text: str) -> bool:
    """负责人：  填表人：  联系电话：  注：…  (lines under a table, never fields)."""
    text = clean(text)
    return bool(_FOOTER.match(text) or _NOTE.match(text))


def is_note(text: str) -> bool:
    text = clean(text)
    return bool(_NOTE.match(text)) or text.startswith(("填表说明", "填报说明"))


def is_attachment_mark(text: str) -> bool:
    return bool(_ATTACHMENT.match(squeeze(text)))


def is_unit_line(text: str) -> bool:
    return bool(_UNIT_LINE.search(clean(text)))


def is_date_line(text: str) -> bool:
    return bool(_DATE_LINE.search(clean(text)))


def measure_unit(text: str) -> str | None:
    """单位：元 -> 元; 金额单位：万元 -> 万元; 填报单位：XX镇 -> None (an organisation, not a unit)."""
    for m in _MEASURE.finditer(clean(text)):
        if "、" in m.group(1):
            return None  # 单位：个、人、万元 names several: each row says its own
        unit = canonical_unit(m.group(1))
        if unit.split("/")[0] in UNITS:
            return unit
    return None


def label_unit(label: str) -> str | None:
    """The unit printed in a label: 补贴金额（元） -> 元; 面积(亩) -> 亩."""
    return extract_unit(label)


# a value column headed by a bare count (人数 | 户数 under an indicator) counts in that unit
# (人次 is left out: visits are no unit the conversions know, and a label's 人次 is part of its name)
_COUNT_HEADERS = {"人数": "人", "户数": "户", "次数": "次", "个数": "个", "件数": "件", "处数": "处",
                  "项数": "项", "套数": "套", "间数": "间", "台数": "台", "辆数": "辆", "头数": "头", "只数": "只"}


def count_unit(label: str) -> str | None:
    """The unit a bare count header counts in: 人数 -> 人, 户数 -> 户; None for any other
    label (家庭人数 names its unit no more than 金额 does)."""
    return _COUNT_HEADERS.get(squeeze(label))


def checkbox_choices(text: str) -> tuple[str, ...]:
    """□是 □否 -> ('是', '否'); 是□ 否□ -> ('是', '否')."""
    if not _CHECKBOX.search(text):
        return ()
    parts = [p.strip(" \u3000:：,，;；、") for p in _CHECKBOX.split(text)]
    return tuple(p for p in parts if p and len(p) <= 20)


def is_dash(text: str) -> bool:
    return squeeze(text) in _DASHES


def looks_like_value(text: str) -> bool:
    """True for what goes into a value cell rather than a label: numbers, dates, ID and phone
    numbers, □是 □否, ____, 年 月 日 and 签字（盖章） placeholders, dashes."""
    raw = text
    text = squeeze(text)
    if not text:
        return True
    if _NUMBERISH.match(text) or _IDLIKE.match(text) or _DATE.match(text) or is_dash(text):
        return True
    if _CHECKBOX.search(raw) or _DATE_PLACEHOLDER.match(text) or set(text) <= set("_＿-—"):
        return True
    # an opinion box holds "（签字）  年  月  日": a placeholder, never a label
    return bool(_SIGN.search(text) and re.search(r"年.*月.*日", text))


def number_mark(text: str) -> str | None:
    """Class of a mark in a column-number row: 'num' (1), 'paren' (（1）), 'stem' (甲), 'circled'."""
    text = squeeze(text)
    if re.fullmatch(r"\d+", text):
        return "num"
    if re.fullmatch(r"[（(]\d+[)）]", text):
        return "paren"
    if len(text) == 1 and text in CN_STEMS:
        return "stem"
    if re.fullmatch(r"[①-⑳]", text):
        return "circled"
    if re.fullmatch(r"\d+\s*[=＝].+", text):  # 5=3+4 : computed column marks
        return "num"
    return None


def is_title_like(text: str) -> bool:
    t = squeeze(text)
    return len(t) >= 4 and bool(re.search(r"[表册单账卡簿录]$|情况$|汇总$|统计$|名单$|明细$|清单$|台账", t))


def bracketed(text: str) -> bool:
    """（以下由村委会填写） and similar asides in brackets."""
    t = squeeze(text)
    return len(t) >= 2 and t[0] in "(（【[" and t[-1] in ")）】]"
