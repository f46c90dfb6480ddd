"""Fields of a one-record form (登记表/申请表/审批表/表单式).

Labels sit anywhere in the grid, each followed by a box for its value (to the right, or below
when nothing is to the right). Labels at the left of a row, before the first label that has a
box, are section labels (家庭情况 merged down over 母亲姓名, 父亲姓名 …); a full-width label
row is a heading for the rows under it. A row of labels side by side with two or more rows of
boxes aligned under them is a repeated sub-table (家庭成员情况: 姓名 | 与户主关系 | …).
"""

from __future__ import annotations

from collections import Counter

from yibiaotong.forms import words
from yibiaotong.forms.frame import Frame, kind
from yibiaotong.forms.grid import Grid, Span
from yibiaotong.forms.model import FormTemplate, TemplateField
from yibiaotong.forms.roster import field_unit


def read_record(grid: Grid, frame: Frame, form: FormTemplate) -> None:
    reader = _RecordReader(grid, frame, form)
    reader.read()


class _RecordReader:
    def __init__(self, grid: Grid, frame: Frame, form: FormTemplate):
        self.grid, self.frame, self.form = grid, frame, form
        self.seen: set[Span] = set()
        self.heading: list[str] = []
        self.value_starts, self.label_starts = self._column_roles()

    def spans(self, r: int) -> list[Span]:
        return self.grid.row_spans(r, self.frame.left, self.frame.right)

    def text(self, span: Span) -> str:
        return words.clean_label(self.grid.text(*span.anchor))

    def _column_roles(self) -> tuple[Counter[int], Counter[int]]:
        """Columns where boxes usually start after a label, and where labels start; a text in a
        box column right after a label is sample data, not a label (姓名 | 张三 | 性别 | 男)."""
        values: Counter[int] = Counter()
        labels: Counter[int] = Counter()
        for r in self.frame.rows:
            spans = self.spans(r)
            kinds = [kind(self.grid, s) for s in spans]
            for i in range(len(spans) - 1):
                if kinds[i] == "label" and kinds[i + 1] != "label" and spans[i].top == r:
                    labels[spans[i].left] += 1
                    values[spans[i + 1].left] += 1
        return values, labels

    def read(self) -> None:
        consumed: set[int] = set()
        width = self.frame.right - self.frame.left + 1
        for r in self.frame.rows:
            if r in consumed:
                continue
            spans = self.spans(r)
            kinds = [kind(self.grid, s) for s in spans]
            labels = [s for s, k in zip(spans, kinds) if k == "label"]
            if not labels:
                continue
            if len(labels) == 1 and labels[0].top == r:
                text = self.grid.text(*labels[0].anchor)
                if (words.is_note(text) and len(words.squeeze(text)) > 6) or words.bracketed(text):
                    continue
                alone = all(s == labels[0] or (k == "empty" and not self.grid.info(*s.anchor).border)
                            for s, k in zip(spans, kinds))
                if alone and labels[0].width >= 0.6 * width and not self._box_below(labels[0]):
                    self.heading = [self.text(labels[0])]
                    continue
            rows = self._subtable(r, spans, kinds)
            if rows:
                consumed.update(rows)
                continue
            self._pairs(r, spans, kinds)

    def _box_below(self, span: Span) -> Span | None:
        r = span.bottom + 1
        if r > self.frame.last:
            return None
        below = self.grid.span(r, span.left)
        ok = below.left == span.left and kind(self.grid, below) != "label"
        return below if ok else None

    def _subtable(self, r: int, spans: list[Span], kinds: list[str]) -> list[int]:
        """Header labels side by side with aligned boxes under them; returns the rows taken."""
        i = 0
        while i < len(spans) and kinds[i] == "label" and spans[i].bottom > r:
            i += 1  # sections merged down over the sub-table
        lead, rest, rest_kinds = spans[:i], spans[i:], kinds[i:]
        while rest and rest_kinds[-1] == "empty":
            rest, rest_kinds = rest[:-1], rest_kinds[:-1]
        if len(rest) < 2 or any(k != "label" for k in rest_kinds) or any(s.bottom != r for s in rest):
            return []
        shape = [(s.left, s.right) for s in rest]
        x = r + 1
        while x <= self.frame.last:
            below = self.grid.row_spans(x, rest[0].left, rest[-1].right)
            if [(s.left, s.right) for s in below] != shape or any(s.top != x for s in below):
                break
            if all(kind(self.grid, s) == "label" for s in below):
                break  # another header row, or a fully written sample: stop here
            x += 1
        data = list(range(r + 1, x))
        if not data:
            return []
        sections = self.heading + [self.text(s) for s in lead]
        name = sections[-1] if len(data) >= 2 and sections else None
        for s in rest:
            self.seen.add(s)
            self._add(s, sections, (r + 1, s.left), subtable=name)
        return data

    def _pairs(self, r: int, spans: list[Span], kinds: list[str]) -> None:
        kinds = list(kinds)
        for i in range(1, len(spans)):  # sample data in a box (性别 | 男) reads as a value
            if kinds[i] != "label" or kinds[i - 1] != "label":
                continue
            col = spans[i].left
            nxt = kinds[i + 1:i + 3]
            boxless = (not nxt or nxt == ["label"] * len(nxt)) and not self._box_below(spans[i])
            boxed = bool(nxt) and nxt[0] != "label"  # a text followed by its own box is a label
            if not boxed and (self.value_starts[col] > self.label_starts[col] or (boxless and spans[i].top == r)):
                kinds[i] = "sample"
        first = next((i for i in range(len(spans) - 1) if kinds[i] == "label" and kinds[i + 1] != "label"), None)
        start = first if first is not None and all(k == "label" for k in kinds[:first]) else 0
        sections = self.heading + [self.text(s) for s in spans[:start]]
        for i in range(start, len(spans)):
            s = spans[i]
            if kinds[i] != "label" or s in self.seen:
                continue
            self.seen.add(s)
            if i + 1 < len(spans) and kinds[i + 1] != "label":
                value: Span | None = spans[i + 1]
            else:
                value = self._box_below(s)
            self._add(s, sections, value.anchor if value else None)

    def _add(self, span: Span, sections: list[str], value_cell: tuple[int, int] | None,
             subtable: str | None = None) -> None:
        label = self.text(span)
        if not label:
            return
        path = tuple(sections) + (label,)
        sample = self.grid.text(*value_cell) if value_cell else ""
        grid = self.grid
        hidden = span.top in grid.hidden_rows or all(c in grid.hidden_cols for c in range(span.left, span.right + 1))
        self.form.fields.append(TemplateField(
            header="/".join(path), path=path, label=label, row=span.top, column=span.left,
            value_cell=value_cell, unit=field_unit(path, self.frame.measure_unit),
            section="/".join(sections) or None, subtable=subtable, hidden=hidden,
            choices=(grid.choices(*value_cell) if value_cell else ()) or words.checkbox_choices(sample),
            sample=sample or None,
        ))
