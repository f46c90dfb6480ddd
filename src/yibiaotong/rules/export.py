"""Exporting alerts to Excel (预警清单): one sheet of alerts, one of the records they are about.

Everything written is as shown to the viewer on the alert pages: explanations are written from
evidence kept masked, without what the viewer may not read (columns not granted to it, records of
other org units: a column says how many records it may not see), and record keys are masked here.
Cells are written as text, never as formulas (a value beginning with "=" stays text), and ID-like
numbers never become floats.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from pathlib import Path
from typing import Any

from yibiaotong.access.audit import local_time
from yibiaotong.files import close_workbook
from yibiaotong.rules.alerts import list_alerts
from yibiaotong.rules.definitions import SEVERITIES
from yibiaotong.rules.evidence import Readable

COLUMNS = [("id", "编号", 8), ("title", "预警", 30), ("severity_zh", "等级", 6), ("department", "部门", 10),
           ("org_unit_name", "单位", 14), ("org_unit", "单位代码", 14), ("status_zh", "状态", 8),
           ("explanation", "说明", 80), ("action", "建议处置", 40), ("as_of", "截至日期", 11),
           ("first_found_at", "首次发现", 17), ("last_found_at", "最近发现", 17), ("times_found", "发现次数", 8),
           ("present_zh", "本次仍存在", 9), ("status_changed_by", "处理人", 10), ("status_reason", "处理说明", 30),
           ("rule_id", "规则", 24), ("out_of_scope", "未显示的依据", 30)]


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):  # written as the pages show it
        return local_time(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def export_alerts(engine, path: str | Path, *, readable: Readable | None = None, units: Collection[str] | None = None,
                  lang: str = "zh", **scope: Any) -> int:
    """Write the alerts of a scope (filters as :func:`yibiaotong.rules.alerts.list_alerts`) to an
    .xlsx file, evidence as the viewer may see it (``readable``, ``units``; how many records it may
    not see in the viewer's language ``lang``); returns how many alerts were written."""
    import xlsxwriter

    alerts = list_alerts(engine, limit=None, readable=readable, units=units, **scope)
    wb = xlsxwriter.Workbook(str(path), {"strings_to_numbers": False, "strings_to_formulas": False,
                                         "strings_to_urls": False})
    head = wb.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True})
    wrap = wb.add_format({"text_wrap": True, "valign": "top"})
    ws = wb.add_worksheet("预警清单")
    for c, (_k, label, width) in enumerate(COLUMNS):
        ws.write_string(0, c, label, head)
        ws.set_column(c, c, width)
    ws.freeze_panes(1, 0)
    records = wb.add_worksheet("涉及记录")
    for c, label in enumerate(("预警编号", "台账", "台账名称", "记录（已脱敏）")):
        records.write_string(0, c, label, head)
    records.set_column(0, 0, 9)
    records.set_column(1, 3, 28)
    r2 = 1
    for r, a in enumerate(alerts, start=1):
        outside = (a.get("evidence") or {}).get("out_of_scope")
        a = {**a, "severity_zh": SEVERITIES.get(a["severity"], a["severity"]),
             "present_zh": "是" if a["present"] else "否",
             "out_of_scope": outside and outside["note_en" if lang == "en" else "note"]}
        for c, (key, _label, _w) in enumerate(COLUMNS):
            ws.write_string(r, c, _cell(a.get(key)), wrap)
        for rec in (a.get("evidence") or {}).get("records", []):
            for c, value in enumerate((str(a["id"]), rec["ledger"], rec["ledger_name"], rec["key"])):
                records.write_string(r2, c, value)
            r2 += 1
    ws.autofilter(0, 0, max(len(alerts), 1), len(COLUMNS) - 1)
    close_workbook(wb)
    return len(alerts)
