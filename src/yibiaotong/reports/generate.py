"""Generating reports (报表自动生成): a form filled from the ledgers for one org unit and one month,
in its own layout; or every form for every town and subdistrict.

:class:`Reporter` keeps what many reports share (the org tree, templates, which ledger columns
hold data), so ``generate_all`` reads each template once. Files are written beside their final
name and renamed when complete: a stopped run never leaves half a workbook.
"""

from __future__ import annotations

import contextlib
import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, func, select

from yibiaotong.elements.dates import today as china_today
from yibiaotong.elements.dictionary import Dictionary
from yibiaotong.errors import Problem, YbtError
from yibiaotong.files import place_unwritable, writing, written_whole
from yibiaotong.forms import words
from yibiaotong.forms.definition import FormDef
from yibiaotong.forms.store import get_form, load_forms
from yibiaotong.ledgers.store import LedgerStore
from yibiaotong.orgunits import OrgTree, load_tree
from yibiaotong.reports import defaults as D
from yibiaotong.reports import values as V
from yibiaotong.reports.period import Period
from yibiaotong.reports.query import Place, RowQuery, _qualifiers, indicator_queries, row_query, totals_query
from yibiaotong.reports.sources import ListedStore
from yibiaotong.reports.subtables import SubTable, fetch_rows, find_subtables, link_of, rows_ledger, rows_query
from yibiaotong.reports.template import TemplateSheet, load_template
from yibiaotong.reports.titles import Place as Where
from yibiaotong.reports.titles import fill_line, fill_title
from yibiaotong.reports.writer import Book, OutColumn, write_fixed, write_roster

MAX_RECORD_SHEETS = 300  # one-record forms: one sheet per record, up to this many per workbook
FETCH = 5000
MIN_WIDTHS = {"id_number": 19.0, "phone": 13.0, "mobile": 13.0}  # characters, so the number shows whole
Progress = Callable[[int, int, "ReportResult"], None]


@dataclass
class ReportResult:
    form: str
    title: str
    org_unit: str
    org_name: str
    period: str
    path: Path | None = None
    rows: int = 0
    blank: list[tuple[str, str]] = field(default_factory=list)  # (header, why it is blank)
    problems: list[Problem] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return self.path is not None

    def to_dict(self) -> dict[str, Any]:
        return {"form": self.form, "title": self.title, "org_unit": self.org_unit, "org_name": self.org_name,
                "period": self.period, "path": str(self.path) if self.path else None, "rows": self.rows,
                "blank": [{"header": h, "reason": w} for h, w in self.blank],
                "problems": [p.to_dict() for p in self.problems], "seconds": round(self.seconds, 3)}


class Reporter:
    """Reports of one database. ``reveal``: show sensitive values in full (the caller may see them)."""

    def __init__(self, engine: Engine, *, reveal: bool = False, report_date: date | None = None,
                 dictionary: Dictionary | None = None, may_read: Callable[[str], bool] | None = None):
        self.engine = engine
        self.store = ListedStore(LedgerStore(engine, dictionary))
        self.may_read = may_read  # which ledgers a sub-table's link may be read from (None: any)
        self.tree: OrgTree = load_tree(engine)
        self.reveal = reveal
        self.report_date = report_date or china_today()
        self._has_data: dict[str, dict[str, bool]] = {}
        self._names: dict[str, dict[Any, str]] = {}
        self._subtable_plans: dict[tuple[str, str], tuple[str | None, tuple[str, str] | None, str | None]] = {}

    # --- public ---------------------------------------------------------------------------------

    def report(self, form: str | FormDef, period: str | Period, org_unit: str, out: str | Path) -> ReportResult:
        started = time.perf_counter()
        fd = form if isinstance(form, FormDef) else get_form(self.engine, form)
        period = Period.parse(period)
        unit = self.org_unit(org_unit)
        result = ReportResult(fd.id, fd.title, unit.code, unit.name, period.text)
        if fd.template_path is None:
            raise YbtError(Problem("report-template-missing", {"file": fd.template or fd.id}))
        tpl = load_template(fd.template_path, fd.sheet)
        where = Where(tuple(u.name for u in [*self.tree.ancestors(unit.code), unit]))
        target = Path(out)
        if target.suffix.lower() != ".xlsx":
            target = target / file_name(where.name, fd, period)
        with writing(target), written_whole(target) as partial:
            target.parent.mkdir(parents=True, exist_ok=True)
            if tpl.form.layout == "indicator":
                self._indicator(fd, tpl, period, unit, where, partial, result)
            else:
                self._rows(fd, tpl, period, unit, where, partial, result)
        result.path = target
        result.seconds = time.perf_counter() - started
        return result

    def org_unit(self, code_or_name: str):
        """A unit by code, or by its name when only one unit has it."""
        if code_or_name in self.tree.units:
            return self.tree[code_or_name]
        named = [u for u in self.tree if u.name == code_or_name or self.tree.full_name(u.code) == code_or_name]
        if len(named) == 1:
            return named[0]
        raise YbtError(Problem("unknown-org-unit", {"org_unit": code_or_name}))

    def has_data(self, ledger: str, column: str) -> bool:
        """Does any record of the ledger hold a value in the column? (one scan per ledger and run)"""
        if ledger not in self._has_data:
            definition, table = self.store.definition_and_table(ledger)
            names = definition.column_names
            with self.engine.connect() as conn:
                counts = conn.execute(select(*(func.count(table.c[n]) for n in names))).one()
            self._has_data[ledger] = {n: bool(c) for n, c in zip(names, counts)}
        return self._has_data[ledger].get(column, False)

    # --- rosters and one-record forms -----------------------------------------------------------

    def _rows(self, fd: FormDef, tpl: TemplateSheet, period: Period, unit, where: Where, path: Path,
              result: ReportResult) -> None:
        if tpl.form.layout != "roster":
            self._records(fd, tpl, period, unit, where, path, result)
            return
        fields = [f for f in tpl.form.fields if f.column != tpl.form.serial_column]
        q = row_query(self.store, fd, fields, period, unit.path, unit.code)
        result.problems += q.problems
        result.blank += [(p.header, p.why or "") for p in q.places if p.kind == "blank"]
        fill = self._filler(tpl, where, period)
        columns = [self._out_column(p, period) for p in q.places]
        if tpl.form.serial_column:
            columns.append(OutColumn(tpl.form.serial_column, None, lambda n: ("n", n)))
        columns.sort(key=lambda c: c.column)
        top = self._top_totals(q, tpl, columns)
        book = Book(path)
        ws = book.wb.add_worksheet(_sheet_name(tpl.form.sheet))
        with self.engine.connect() as conn:
            rows = self._fetch(conn, q.stmt) if q.stmt is not None else iter(())
            result.rows = write_roster(book, ws, tpl, columns, rows, fill, top)
        book.close()

    def _records(self, fd: FormDef, tpl: TemplateSheet, period: Period, unit, where: Where, path: Path,
                 result: ReportResult) -> None:
        """One sheet per record; its sub-tables (家庭成员情况) hold the records linked to it."""
        q, subs = self.record_queries(fd, tpl, period, unit)
        result.problems += q.problems
        result.blank += [(p.header, p.why or "") for p in q.places if p.kind == "blank"]
        for sub in subs:
            result.blank += sub.blank
            result.problems += sub.problems
        fill = self._filler(tpl, where, period)
        book = Book(path, constant_memory=False)  # many small sheets: one temporary file each otherwise
        convs = [(p, self._out_column(p, period)) for p in q.places if p.cell is not None]
        sub_convs = [(sub, [(p, self._out_column(p, period)) for p in sub.places if p.cell is not None])
                     for sub in subs if sub.stmt is not None]
        formats = {p.cell: c.num_format for p, c in convs if c.num_format}
        for sub, cs in sub_convs:
            formats.update({(r, p.cell[1]): c.num_format for p, c in cs if c.num_format for r in sub.rows})
        used: set[str] = set()
        with self.engine.connect() as conn:
            records = conn.execute(q.stmt.limit(MAX_RECORD_SHEETS + 1)).all() if q.stmt is not None else []
            members = {id(sub): fetch_rows(conn, sub, {r[q.link_index[sub.record_link]] for r in records} - {None})
                       for sub, _cs in sub_convs}
        if len(records) > MAX_RECORD_SHEETS:
            records = records[:MAX_RECORD_SHEETS]
            result.problems.append(Problem("report-records-truncated", {"limit": MAX_RECORD_SHEETS}))
        for n, row in enumerate(records, start=1):
            cells = {p.cell: (c.convert(n) if c.source is None else c.convert(row[c.source])) for p, c in convs}
            grow: dict[int, list[dict[int, tuple[str, Any]]]] = {}
            for sub, cs in sub_convs:
                linked = row[q.link_index[sub.record_link]]
                for i, member in enumerate(members[id(sub)].get(linked, ()) if linked is not None else ()):
                    values = {p.cell[1]: (c.convert(i + 1) if c.source is None else c.convert(member[c.source]))
                              for p, c in cs}
                    if i < len(sub.rows):
                        cells.update({(sub.rows[i], col): v for col, v in values.items()})
                    else:
                        grow.setdefault(sub.rows[-1], []).append(values)
            ws = book.wb.add_worksheet(_unique(_record_sheet_name(n, q.places, row), used))
            write_fixed(book, ws, tpl, cells, fill, formats, grow)
        result.rows = len(records)
        if not records:
            write_fixed(book, book.wb.add_worksheet(_sheet_name(tpl.form.sheet)), tpl, {}, fill)
        book.close()

    def record_queries(self, fd: FormDef, tpl: TemplateSheet, period: Period, unit) -> tuple[RowQuery, list[SubTable]]:
        """A one-record form's SELECT (at most MAX_RECORD_SHEETS + 1 rows are read from it) and its
        sub-tables, each with its SELECT or the reason it stays blank."""
        subs = find_subtables(tpl)
        in_sub = {id(f) for s in subs for f in s.fields}
        fields = [f for f in tpl.form.fields if id(f) not in in_sub]
        main = D.main_ledger(fd, self.store)
        for sub in subs:
            self._plan_subtable(fd, sub, main, period)
        q = row_query(self.store, fd, fields, period, unit.path, unit.code,
                      links=list(dict.fromkeys(s.record_link for s in subs if s.record_link)))
        for sub in subs:
            if sub.record_link and sub.record_link not in q.link_index:
                sub.why = "子表与本表记录无法关联（关联表达式不适用于本表的台账）"
                sub.problems += [p.at(form_field=sub.name) for p in q.link_problems.get(sub.record_link, [])]
            if not sub.why:
                rows_query(self.store, fd, sub, period, unit.path, unit.code)
            if sub.why and not sub.places:
                sub.places = [Place(f.header, f.column, f.value_cell, "blank", why=sub.why) for f in sub.fields]
        return q, subs

    def _plan_subtable(self, fd: FormDef, sub: SubTable, main: str | None, period: Period) -> None:
        """The sub-table's ledger and link (the same for every org unit: kept per form)."""
        key = (fd.id, sub.name)
        if key not in self._subtable_plans:
            ledger = sub.ledger = rows_ledger(self.store, fd, sub)
            link = None
            why = None
            if ledger is None:
                why = "报表定义没有为子表指定台账"
            elif main is None:
                why = "报表定义没有对应任何台账"
            else:
                link = link_of(self.store, fd, sub, main, period)
                if link is None:
                    why = "子表与本表记录没有共同的户编号、户主身份证号或户籍地址，无法关联"
                elif self.may_read and not all(self.may_read(q) for q in _qualifiers(list(link))):
                    link, why = None, "子表与本表记录的关联要读取未授权的台账，留空"
            self._subtable_plans[key] = (ledger, link, why)
        sub.ledger, link, sub.why = self._subtable_plans[key]
        sub.record_link, sub.rows_link = link or (None, None)

    def _fetch(self, conn, stmt) -> Iterable[tuple]:
        # a server-side cursor on PostgreSQL: rows arrive in batches, never all at once
        result = conn.execution_options(stream_results=True, yield_per=FETCH).execute(stmt)
        for partition in result.partitions(FETCH):
            yield from partition

    def _top_totals(self, q, tpl: TemplateSheet, columns: list[OutColumn]) -> dict[int, float] | None:
        form = tpl.form
        if q.stmt is None or not form.total_row or not form.data_first_row or form.total_row > form.data_first_row:
            return None
        summed = [c for c in columns if c.total]
        if not summed:
            return {}
        with self.engine.connect() as conn:
            sums = conn.execute(totals_query(q.stmt, [c.source for c in summed])).one()
        out = {}
        for c, s in zip(summed, sums):
            kind, value = c.convert(s)
            if kind == "n":
                out[c.column] = value
        return out

    def _out_column(self, p: Place, period: Period, aggregate: bool = False) -> OutColumn:
        if p.kind == "serial":
            return OutColumn(p.column, None, lambda n: ("n", n))
        if p.kind == "org":
            names = self._org_names(p.org)
            return OutColumn(p.column, 0, lambda code, names=names: V.text_cell(names.get(code, "")) if code else V.BLANK)
        if p.kind == "period":
            cell = _period_cell(p, period)
            return OutColumn(p.column, 0, lambda _v, cell=cell: cell)
        if p.kind == "date":
            when = self.report_date
            return OutColumn(p.column, 0, lambda _v: ("d", when))
        if p.kind == "blank":
            return OutColumn(p.column, 0, lambda _v: V.BLANK)
        if aggregate:  # a count or a sum tells nothing about one person: never masked, no code labels
            convert = V.converter(p.type, p.element, None, reveal=True, form_unit=p.unit)
            fmt = V.number_format(p.type, p.unit)
            return OutColumn(p.column, p.index, convert, num_format=fmt)
        codelist = self.store.dictionary.codelists.get(p.codelist) if p.type == "code" and p.codelist else None
        if codelist is not None and p.answers:
            with contextlib.suppress(KeyError):  # an answer naming no code: the import says so; labels here
                codelist = codelist.answered(p.answers, codelist.id)
        convert = V.converter(p.type, p.element, codelist, reveal=self.reveal, form_unit=p.unit)
        numeric = p.type in ("integer", "decimal", "amount") and not (not self.reveal and V.masked(p.element)) \
            and not (p.element is not None and p.element.type in ("year", "code"))
        fmt = V.number_format(p.type, p.unit) if numeric else None
        kind = p.element.type if p.element is not None else p.type
        return OutColumn(p.column, p.index, convert, total=numeric and not words.is_serial_header(p.header),
                         num_format=fmt, min_width=MIN_WIDTHS.get(kind))

    def _org_names(self, which: int | str | None) -> dict[Any, str]:
        """Org code -> the name that goes in the place (town, village …) — built once per kind."""
        key = str(which)
        if key not in self._names:
            names: dict[Any, str] = {}
            for u in self.tree:
                if which == "code":
                    names[u.code] = u.code
                elif which == "full":
                    names[u.code] = self.tree.full_name(u.code)
                else:
                    chain = [*self.tree.ancestors(u.code), u]
                    names[u.code] = next((a.name for a in chain if a.level == which), "")
            self._names[key] = names
        return self._names[key]

    # --- indicator tables ----------------------------------------------------------------------

    def _indicator(self, fd: FormDef, tpl: TemplateSheet, period: Period, unit, where: Where, path: Path,
                   result: ReportResult) -> None:
        places, queries, problems = indicator_queries(self.store, fd, tpl.form.fields, period, unit.path, unit.code,
                                                      self.has_data)
        result.problems += problems
        cells: dict[tuple[int, int], tuple[str, Any]] = {}
        formats: dict[tuple[int, int], str] = {}
        with self.engine.connect() as conn:
            for aq in queries:
                row = conn.execute(aq.stmt).one()
                for p in aq.places:
                    c = self._out_column(p, period, aggregate=True)
                    cells[p.cell] = c.convert(row[p.index])
                    if c.num_format:
                        formats[p.cell] = c.num_format
        for p in places:
            if p.kind in ("org", "period", "date") and p.cell:
                c = self._out_column(p, period)
                cells[p.cell] = c.convert(unit.code)
            elif p.kind == "blank":
                result.blank.append((p.header, p.why or ""))
        result.rows = len([p for p in places if p.kind == "sql"])
        book = Book(path, constant_memory=False)  # one small sheet
        write_fixed(book, book.wb.add_worksheet(_sheet_name(tpl.form.sheet)), tpl, cells,
                    self._filler(tpl, where, period), formats)
        book.close()

    # --- the lines around the table ------------------------------------------------------------

    def _filler(self, tpl: TemplateSheet, where: Where, period: Period):
        form = tpl.form
        top = (form.header_rows or (None, None))[0] or min((f.row for f in form.fields), default=tpl.max_row + 1)
        footer = set(form.footer_rows)
        title = words.clean(form.title) if form.title else None
        report_date = self.report_date

        def fill(r: int, text: str) -> str:
            if r < top:
                if title and words.clean(text) == title:
                    return fill_title(text.strip(), where, period)
                return fill_line(text, where, period, report_date)
            if r in footer:
                return fill_line(text, where, period, report_date)
            return text

        return fill


def _period_cell(p: Place, period: Period) -> tuple[str, Any]:
    element = p.element.id if p.element else ""
    if element == "report_year":
        return ("n", period.year)
    if element == "report_quarter":
        return ("n", period.quarter)
    return ("s", period.zh)


def file_name(org_name: str, fd: FormDef, period: Period) -> str:
    return _safe(f"{org_name}_{fd.id}_{period.text}") + ".xlsx"


def _safe(text: str) -> str:
    return re.sub(r'[\\/:*?"<>|\s]+', "_", text).strip("._")[:150]


def _sheet_name(name: str | None) -> str:
    return re.sub(r"[\[\]:*?/\\]", "", name or "Sheet1")[:31] or "Sheet1"


def _record_sheet_name(n: int, places: list[Place], row: tuple) -> str:
    for p in places:
        if p.kind == "sql" and p.element is not None and p.element.id in ("person_name", "household_head_name"):
            value = row[p.index]
            if value:
                return _sheet_name(f"{n}_{value}")
    return str(n)


def _unique(name: str, used: set[str]) -> str:
    out, i = name, 2
    while out.lower() in used:
        out = f"{name[:27]}_{i}"
        i += 1
    used.add(out.lower())
    return out


# --- the library functions the CLI and the web app call --------------------------------------

def generate_report(engine: Engine, form: str, period: str, org_unit: str, out: str | Path, *, reveal: bool = False,
                    report_date: date | None = None) -> ReportResult:
    """One form for one org unit and month, written to ``out`` (a folder or an .xlsx path)."""
    return Reporter(engine, reveal=reveal, report_date=report_date).report(form, period, org_unit, out)


def report_units(tree: OrgTree) -> list[str]:
    """Where ``--all`` reports: every town and subdistrict (the level under the district)."""
    return [u.code for u in tree if u.level == 2]


def generate_all(engine: Engine, period: str, out_dir: str | Path, *, forms: list[str] | None = None,
                 org_units: list[str] | None = None, reveal: bool = False, report_date: date | None = None,
                 progress: Progress | None = None, may_read: Callable[[str], bool] | None = None
                 ) -> list[ReportResult]:
    """Every form × every town/subdistrict (or the ones given) for one month, into
    ``out_dir/<town>/``. A form that cannot be generated is a result with problems, not a stop; a
    place that takes no file stops the run (the reports written before stand)."""
    reporter = Reporter(engine, reveal=reveal, report_date=report_date, may_read=may_read)
    period_ = Period.parse(period)
    defs = [get_form(engine, f) for f in forms] if forms else load_forms(engine)
    units = [reporter.org_unit(u).code for u in org_units] if org_units else report_units(reporter.tree)
    jobs = [(fd, u) for u in units for fd in defs]
    results: list[ReportResult] = []
    for done, (fd, code) in enumerate(jobs, start=1):
        unit = reporter.tree[code]
        folder = Path(out_dir) / _safe(f"{unit.code}_{unit.name}")
        try:
            result = reporter.report(fd, period_, code, folder)
        except YbtError as exc:
            if place_unwritable(exc.problems):
                raise  # no folder, no permission, a full disk: said once, not for each form of each town
            result = ReportResult(fd.id, fd.title, code, unit.name, period_.text, problems=list(exc.problems))
        results.append(result)
        if progress:
            progress(done, len(jobs), result)
    return results
