"""Reading report templates as they really are (读取报表模板).

:func:`read_templates` opens a file (.xlsx, .xls, .csv, .ods; detected by content), reads every
sheet and returns the forms found and, as problems, every sheet (or the whole file) that gave
none. Nothing needs configuring: title, unit/date lines, header block, 序号 column, number row,
合计 row, footer and layout are all detected; ``FormTemplate.layout_reason`` says why.
"""

from __future__ import annotations

from pathlib import Path

from yibiaotong.errors import Problem
from yibiaotong.forms import words
from yibiaotong.forms.frame import Frame, find_frame
from yibiaotong.forms.grid import Grid
from yibiaotong.forms.indicators import read_indicator
from yibiaotong.forms.layout import as_roster, decide
from yibiaotong.forms.model import FormTemplate, ReadResult
from yibiaotong.forms.records import read_record
from yibiaotong.forms.roster import read_roster
from yibiaotong.forms.sources import load


def read_templates(path: str | Path, *, include_hidden_sheets: bool = False) -> ReadResult:
    """Every form in the file at ``path``; sheets without one are listed in ``skipped``.

    Hidden sheets usually hold the lists behind drop-downs, so they are skipped (and said so)
    unless ``include_hidden_sheets``.
    """
    path = Path(path)
    result = ReadResult()
    if not path.is_file():
        result.skipped.append(Problem("file-not-found", {}, {"file": str(path)}))
        return result
    loaded = load(path)
    result.skipped += loaded.skipped
    result.warnings += loaded.warnings
    for grid in loaded.grids:
        where = {"file": str(path), "sheet": grid.sheet}
        if grid.sheet_hidden and not include_hidden_sheets:
            result.skipped.append(Problem("sheet-hidden", {}, where))
            continue
        form, why = read_sheet(grid, str(path))
        if form is None:
            result.skipped.append(Problem("sheet-not-a-form", {"reason": why[0], "reason_en": why[1]}, where))
        else:
            result.forms.append(form)
    return result


def read_sheet(grid: Grid, source: str, layout: str | None = None) -> tuple[FormTemplate | None, tuple[str, str]]:
    """The form on one sheet, or None and why not (in Chinese and English). ``layout="roster"``:
    the sheet's form is known to be a roster; it is read as one wherever it has a header row."""
    if not any(cell.text for cell in grid.cells.values()):
        if grid.has_drawing:
            return None, ("只有图表或图片", "only charts or pictures")
        return None, ("空白工作表", "the sheet is empty")
    frame = find_frame(grid)
    if frame.last < frame.first:
        return None, ("只有标题或说明文字，没有表格", "only a title or notes, no table")
    if _prose(grid, frame):
        return None, ("只有说明文字，没有表格", "only instructions (prose), no table")
    decision = decide(grid, frame)
    if layout == "roster" and decision.layout != "roster":
        decision = as_roster(grid, frame) or decision
    form = FormTemplate(
        source=source, sheet=grid.sheet, title=frame.title, layout=decision.layout,  # type: ignore[arg-type]
        layout_reason=decision.reason, unit_line=frame.unit_line, date_line=frame.date_line,
        measure_unit=frame.measure_unit, preamble=frame.preamble, footer_rows=frame.footer_rows,
        footer=frame.footer, sheet_hidden=grid.sheet_hidden,
    )
    if decision.layout == "roster" and decision.table:
        read_roster(grid, frame, decision.table, form)
    elif decision.layout == "indicator" and decision.table:
        read_indicator(grid, frame, decision.table, form)
    else:
        read_record(grid, frame, form)
    if not form.fields:
        return None, ("没有找到可填写的栏目", "no fields found")
    _neighbors(form)
    return form, ("", "")


def _prose(grid: Grid, frame: Frame) -> bool:
    """An instructions sheet (填表说明): one text per row, long sentences, no table drawn."""
    rows = [r for r in frame.rows if grid.row_texts(r)]
    if not rows or any(grid.info(r, c).border for r in rows for c in range(1, grid.ncols + 1)):
        return False  # a drawn box is a form, however wordy
    singles = [grid.row_texts(r) for r in rows]
    if any(len(t) > 1 for t in singles):
        return False
    long = sum(1 for t in singles if len(words.squeeze(t[0])) >= 15 or words.is_note(t[0]))
    return long >= max(1, len(rows) // 2)


def _neighbors(form: FormTemplate) -> None:
    """Previous and next field labels; an indicator's value columns count as one field."""
    groups: list[list] = []
    for f in form.fields:
        if groups and (groups[-1][0].item, groups[-1][0].row) == (f.item, f.row):
            groups[-1].append(f)
        else:
            groups.append([f])
    for i, group in enumerate(groups):
        prev = groups[i - 1][0].label if i > 0 else None
        nxt = groups[i + 1][0].label if i + 1 < len(groups) else None
        for f in group:
            f.neighbors = (prev, nxt)
