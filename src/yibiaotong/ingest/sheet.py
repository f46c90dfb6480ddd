"""Importing one recognised sheet inside the file's transaction (逐行校验与写入).

Rows stream from the reader in chunks of :data:`BATCH_ROWS`. A chunk is converted column by
column (:func:`yibiaotong.ingest.convert.compile_column`); a row that is plainly clean — every cell
converts, its village is found, every ledger key is there, nothing looks like a total line or a
formula — goes into the ledgers' columns as it is, without a Python step of its own. Any other
row takes the row-by-row path, which keeps every problem with its place (row, column letter,
header), recognises empty, total and footer rows, and sets aside rows without a usable ID
number, which are linked to a person at the end of the sheet (:mod:`yibiaotong.ingest.resolve`).
Each chunk is written by a writer thread while the next is read: keys new to a ledger that was
empty take the bulk insert (:meth:`LedgerStore.insert_new`), all others the look-up-and-merge
path with conflicts and history (:meth:`LedgerStore.write`).
"""

from __future__ import annotations

import contextlib
import queue
import threading
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import compress, filterfalse, repeat
from operator import itemgetter, ne
from typing import Any

from sqlalchemy import Connection, insert, select

from yibiaotong.elements.idnumber import mask_id_number
from yibiaotong.elements.validate import mask
from yibiaotong.errors import Problem
from yibiaotong.forms import words
from yibiaotong.forms.model import FormTemplate
from yibiaotong.ingest import resolve
from yibiaotong.ingest.conflicts import Arbiter, SourceInfo
from yibiaotong.ingest.idfacts import ID_FACTS, IdFacts
from yibiaotong.ingest.errors_workbook import MAX_ROWS, RejectedRow, SheetErrors
from yibiaotong.ingest.layout import member_rows
from yibiaotong.ingest.orgmatch import OrgMatcher
from yibiaotong.ingest.plan import LedgerPlan, SheetPlan, column_title, implied_values, last_given
from yibiaotong.ingest.reader import Conversion
from yibiaotong.ingest.recognise import norm
from yibiaotong.ingest.report import LedgerCounts, LinkedRow, SheetReport
from yibiaotong.ingest.sameid import IdNames
from yibiaotong.ingest.scope import ScopeGuard
from yibiaotong.ingest.workbook import Chunk, Sheet, column_letter, from_rows
from yibiaotong.ledgers.definition import ORG_UNIT_KEY
from yibiaotong.ledgers.store import LedgerStore, PreparedRecord, RecordColumns, _json_scalar, key_text, record_key
from yibiaotong.orgunits import GRASSROOTS
from yibiaotong.store import schema

BATCH_ROWS = 20_000  # rows converted column-wise and written together
_FORMULA_ERRORS = frozenset({"#DIV/0!", "#N/A", "#NAME?", "#NULL!", "#NUM!", "#REF!", "#VALUE!", "#SPILL!", "#CALC!"})


class Writer:
    """One background thread that writes batches in order; its error is raised in the caller."""

    def __init__(self, write: Callable[[Any], None]):
        self._write = write
        self._queue: queue.Queue = queue.Queue(maxsize=1)
        self._error: BaseException | None = None
        self._stopping = False
        # its end is waited for on an event: a Ctrl+C that stops a Thread.join takes the thread for
        # ended while it still writes on the connection (Python before 3.13)
        self._ended = threading.Event()
        threading.Thread(target=self._loop, name="ybt-import-writer", daemon=True).start()

    def _loop(self) -> None:
        try:
            while True:
                item = self._queue.get()
                try:
                    if item is None:
                        return
                    if self._error is None and not self._stopping:
                        self._write(item)
                except BaseException as exc:  # handed to the reading thread, which raises it
                    self._error = exc
                finally:
                    self._queue.task_done()
        finally:
            self._ended.set()

    def submit(self, batch: Any) -> None:
        self._raise()
        self._queue.put(batch)

    def drain(self) -> None:
        self._queue.join()
        self._raise()

    def stop(self) -> None:
        """End the thread after the batch it writes: one still queued is not written (an import that
        stopped, by an error or Ctrl+C, rolls back; one that ends well has drained the queue)."""
        if not self._ended.is_set():
            self._stopping = True
            self._queue.put(None)
            self._ended.wait()

    def _raise(self) -> None:
        if self._error is not None:
            error, self._error = self._error, None
            raise error


@dataclass
class Pending:
    """A row whose person is to be found by linkage."""

    row: int
    raw: list[Any]
    values: list[Any]
    org_unit: str
    problems: list[Problem]
    cells: list[Any]  # as typed, per planned column: what a reviewer is shown (masked)


@dataclass
class SheetContext:
    conn: Connection
    store: LedgerStore
    file_name: str
    file_hash: str
    source_id: int
    period: str | None
    department: str | None
    form_id: str
    matcher: OrgMatcher
    authority: dict[str, str]
    actor: str | None = None
    progress: Callable[[int], None] | None = None
    strict: bool = False  # any error rejects the file: a row whose ID number is wrong is not linked by name
    id_names: IdNames | None = None  # the file's ID numbers so far, over its sheets (see .sameid)
    problems: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)


def import_sheet(ctx: SheetContext, sheet: Sheet, template: FormTemplate, plan: SheetPlan, report: SheetReport,
                 errors: SheetErrors) -> None:
    SheetImport(ctx, sheet, template, plan, report, errors).run()


def _header_width(sheet: Sheet, template: FormTemplate) -> tuple[int | None, int]:
    """A CSV roster's last labelled column, and how many cells its header rows have (Excel saves
    every row of a CSV as wide as the sheet: a column without a label has its cell in the header
    row too). None for other sheets, and for a record form, whose values sit beside their labels."""
    if not sheet.delimited or template.layout != "roster":
        return None, 0
    first, last = template.header_rows or (0, -1)
    labelled = max((f.column for f in template.fields), default=0)
    return labelled, max([labelled, *(sheet.widths.get(r, 0) for r in range(first, last + 1))])


class SheetImport:
    def __init__(self, ctx: SheetContext, sheet: Sheet, template: FormTemplate, plan: SheetPlan,
                 report: SheetReport, errors: SheetErrors):
        self.ctx, self.sheet, self.template, self.plan, self.report, self.errors = (
            ctx, sheet, template, plan, report, errors)
        self.where = {"file": ctx.file_name, "sheet": sheet.name}
        within = ctx.matcher.within
        new = SourceInfo(ctx.source_id, ctx.file_hash, ctx.period, ctx.department, ctx.form_id, within,
                         within is not None and ctx.matcher.tree[within].kind in GRASSROOTS)
        self.arbiters = {lid: Arbiter(ctx.conn, lp.definition, new, ctx.authority) for lid, lp in plan.ledgers.items()}
        for lp in plan.ledgers.values():
            report.ledgers.setdefault(lp.ledger, LedgerCounts())
        self.batch: dict[str, list[PreparedRecord]] = {lid: [] for lid in plan.ledgers}  # rows taken one by one
        self.columns: dict[str, list[RecordColumns]] = {lid: [] for lid in plan.ledgers}  # rows taken column-wise
        self.pending: list[Pending] = []
        self.text_columns = [i for i, c in enumerate(plan.columns) if c.element.type == "text"]
        # a CSV row with values right of the header: a separator inside a value that was not quoted
        # (一个地址里的逗号) moved every later value one column on
        self.header_width, self.header_cells = _header_width(sheet, template)
        # a ledger empty when the file's transaction began holds only what this sheet wrote: keys
        # not written yet need no lookup (a first import of a big roster skips a query per batch)
        self.written: dict[str, set[str]] = {
            lid: set() for lid, lp in plan.ledgers.items()
            if ctx.conn.execute(select(lp.table.c._id).limit(1)).first() is None}
        self.converters = [c.convert for c in plan.columns]
        self._offset = 0  # record forms: rows below a sub-table's first value row (see _record)
        self._only: set[str] | None = None  # record forms: the ledgers a sub-table row writes
        self.picked = [c.column - 1 for c in plan.columns]
        # the labels each column is headed by: a printed roster repeats them at the top of every page
        self.labels = [frozenset(map(norm, c.header.split("/"))) for c in plan.columns]
        self.headers_again: list[int] = []  # rows that repeat the header
        self.merged: list = []  # merged ranges reaching into the data rows (see _roster_chunks)
        self.not_records: set[int] = set()  # rows read that are none: empty, totals, footer lines
        self.disagree: dict[int, list[int]] = {}  # per merged column (plan.merged), the rows whose columns differ
        # a ledger keyed by one text column (the ID number): its key is that value itself
        self.simple_keys = {lid: next(i for name, i in lp.columns if name == lp.definition.key[0])
                            for lid, lp in plan.ledgers.items()
                            if len(lp.definition.key) == 1 and lp.definition.key[0] in dict(lp.columns)
                            and plan.columns[dict(lp.columns)[lp.definition.key[0]]].element.type
                            in ("id_number", "text", "code")}
        # per ledger, the form's columns that are not its key: a row leaving them all blank gives
        # that ledger nothing but the key, and writes no record there (a roster of the disabled
        # lists people the subsidy ledger has no record of: an empty record would say they have one)
        self.non_key = {lid: [i for name, i in lp.columns if name not in lp.definition.key]
                        for lid, lp in plan.ledgers.items()}
        # ... but the main ledger's (低保对象 on a 低保 roster): a row listed there is a record of it,
        # its other values blank or not
        self.values_of = {lid: [] if lid == plan.main else indices for lid, indices in self.non_key.items()}
        # ... and a column's own records (a payment of each subsidy the row gives): that column's,
        # where it holds something other than 0 (no 护理补贴 paid: no payment of it)
        self.own = {lid: lp.own for lid, lp in plan.ledgers.items() if lp.own is not None}
        self.values_of.update((lid, [i]) for lid, i in self.own.items())
        self.implied = implied_values(plan, ctx.period, ctx.store.dictionary)
        # a ledger key's month column, where the file says its month (title or --period): how many rows
        # give which month, so that rows of another one are said (the title changed but not the rows)
        self.months: dict[int, Counter] = {}
        if ctx.period and len(ctx.period) == 7:
            self.months = {i: Counter() for lp in plan.ledgers.values() for name, i in lp.columns
                           if name in lp.definition.key and plan.columns[i].element.type == "month"}
        # a ledger keyed by several parts (a payment: ID number, month, kind): how each part is given
        # (see _key_parts); one whose key the form never gives keeps its rows on the row-by-row path
        self.composite_keys = {lid: parts for lid, lp in plan.ledgers.items() if lid not in self.simple_keys
                               for parts in [_key_parts(lp, self.implied.get(lid, {}))] if parts is not None}
        # a key no cell of the row gives (a village's figures of the month: its unit and the period)
        # is there for an empty row too, which is no record: such rows are looked at one by one
        self.keyed_by_no_cell = any(all(not isinstance(p, int) for p in parts) for parts in self.composite_keys.values())
        # the ledgers keyed by the subject's ID number (see _gives_subject)
        self.subject_ledgers = [lid for lid, lp in plan.ledgers.items()
                                if any(i == plan.id_index and name in lp.definition.key for name, i in lp.columns)]
        self.org_memo: dict[tuple[Any, Any], tuple[str | None, Problem | None]] = {}
        # the subject's name beside its ID number: one ID number is one person (see .sameid)
        self.name_index = _name_index(plan, self.subject_ledgers)
        self.id_facts = IdFacts.of(plan, self.subject_ledgers)  # 出生日期 and 性别 as the ID number says them
        self.id_names = (ctx.id_names or IdNames()) if self.name_index is not None else None
        if self.id_names is not None:
            self.id_names.sheet(sheet.name)
        # records kept outside the import's unit are not this file's to change (ledgers empty at
        # the start hold only what this file wrote: nothing to look up there)
        self.guard = ScopeGuard(ctx.store.engine, ctx.matcher.tree, ctx.matcher.within,
                                {lid: (lp.definition, lp.table) for lid, lp in plan.ledgers.items()
                                 if lid not in self.written})

    # --- rows --------------------------------------------------------------------------------

    def run(self) -> None:
        self.writer = Writer(self._write)
        try:
            with contextlib.ExitStack() as reading:
                if self.template.layout == "roster":
                    chunks = reading.enter_context(contextlib.closing(self._roster_chunks()))
                    for chunk in chunks:
                        self._chunk(chunk)
                        self._flush()
                        if self.ctx.progress:
                            self.ctx.progress(self.report.rows_read)
                else:  # one record on the sheet: its values sit in the value cells
                    self._record()
                self._flush()
                merged = sum(m.top not in self.not_records for m in self.merged)
                if merged:
                    self.ctx.warnings.append(Problem("merged-cells-in-data", {"count": merged}, self.where))
                self.ctx.warnings.extend(self._disagreements())
                self.ctx.warnings.extend(self._other_months())
                if self.headers_again:
                    self.ctx.warnings.append(Problem("header-repeated-in-data", {
                        "count": len(self.headers_again), "rows": "、".join(map(str, self.headers_again[:5])) + ("…" if len(self.headers_again) > 5 else "")},
                        self.where))
                self.writer.drain()  # linking reads what this file wrote
                self._link_pending()
                self._flush()
                self.writer.drain()
            self._record_import()
        finally:
            self.writer.stop()  # never leave a thread on the connection the transaction ends on
            self.guard.close()

    def _roster_chunks(self) -> Iterator[Chunk]:
        """The data rows, :data:`BATCH_ROWS` at a time, column by column, without the total and
        footer rows, merged ranges filled in."""
        first = self.template.data_first_row or 1
        skip = {self.template.total_row, *self.template.footer_rows} - {None}
        fills = [m for m in self.sheet.merges if m.bottom >= first and m.bottom > m.top]
        # said at the end (see run), but for those on rows that turn out to be no records: a footer's
        # 负责人： line merged across the sheet is no merged cell in the data
        self.merged = [m for m in self.sheet.merges if m.bottom >= first and (m.bottom > m.top or m.right > m.left)
                       and not skip.issuperset(range(m.top, m.bottom + 1))]
        carried: dict[int, tuple[int, Any]] = {}  # column -> (last row, value) of a vertical merge
        starts: dict[int, list] = {}
        for m in fills:
            starts.setdefault(m.top, []).append(m)
        # the reading process (a large sheet) converts the columns too, unless merged cells are to be filled first
        conversion = None if starts else Conversion.of(
            [(c.column - 1, c.element, c.unit) for c in self.plan.columns], self.plan.codelists)
        with contextlib.closing(self.sheet.chunks(first, BATCH_ROWS, conversion)) as chunks:  # a reading process ends with it
            for chunk in chunks:
                if skip and not skip.isdisjoint(chunk.numbers):
                    kept = [i for i, number in enumerate(chunk.numbers) if number not in skip]
                    rows = chunk.rows()
                    chunk = from_rows([chunk.numbers[i] for i in kept], [rows[i] for i in kept])  # converted here
                if starts:  # merged ranges down the data: each row takes what is carried into it
                    chunk = from_rows(chunk.numbers, [self._fill_merged(number, values, starts, carried)
                                                      for number, values in zip(chunk.numbers, chunk.rows())])
                if len(chunk):
                    yield chunk

    @staticmethod
    def _fill_merged(number: int, values: list[Any], starts: dict[int, list], carried: dict) -> list[Any]:
        """What a person sees in a merged range (a village name merged down over its rows) is in every cell."""
        for m in starts.get(number, ()):
            value = values[m.left - 1] if m.left - 1 < len(values) else None
            for c in range(m.left, m.right + 1):
                carried[c] = (m.bottom, value)
        for c, (bottom, value) in list(carried.items()):
            if number > bottom:
                del carried[c]
                continue
            while len(values) < c:
                values.append("")
            if values[c - 1] in (None, ""):
                values[c - 1] = value
        return values

    def _chunk(self, chunk: Chunk) -> None:
        """A chunk of roster rows, converted column by column (the hot path: a million rows pass
        here). A row that is clean — every cell converts, its village is found, every ledger key is
        there, nothing looks like a total line or a formula — goes to the ledgers' columns as it is;
        any other row takes the row-by-row path (:meth:`_row`), which says what is wrong with it."""
        if not chunk:
            return
        plan = self.plan
        numbers = chunk.numbers
        cells = [chunk.column(i) for i in self.picked]
        done = chunk.converted or [None] * len(cells)  # by the reading process (a large sheet), in part
        converted = [c.convert_column(col) if d is None else d for c, col, d in zip(plan.columns, cells, done)]
        if self.id_facts is not None:
            self.id_facts.check(cells, converted)
        out = [values for values, _bad in converted]
        if plan.merged:
            self._merge_columns(out, numbers)
        for i, months in self.months.items():
            months.update(out[i])
        n = len(chunk)
        slow: set[int] = set()
        for _values, bad in converted:
            slow.update(bad)
        orgs = self._org_units(out, n)
        slow.update(i for i, (code, _problem) in enumerate(orgs) if code is None)
        slow.update(self._suspect_rows(chunk, cells))
        keys = self._keys(out, orgs, n)
        if self.keyed_by_no_cell:
            slow.update(i for i, values in enumerate(zip(*out)) if all(v is None or v == "" for v in values))
        key_columns = [out[plan.id_index]] if plan.id_index is not None else []
        for column in {id(c): c for c in [*key_columns, *keys.values()]}.values():
            # no key: linked by name, or said which key is missing
            slow.update(i for i, k in enumerate(column) if k is None or k == "")
        if self.guard.active:  # a record kept outside the import's unit: said so in _add
            for lid, column in keys.items():
                if lid in self.guard.tables:
                    self.guard.check(lid, column)
                    outside = self.guard.outside[lid]
                    if outside:
                        slow.update(i for i, k in enumerate(column) if k in outside)
        # an empty row has no key either (nor, where a key comes from no cell, is it a record): it is
        # among the rows looked at one by one already
        if len(keys) < len(plan.ledgers):  # a ledger whose key the form never gives: said row by row
            slow = set(range(n))
        if self.id_names is not None and len(slow) < n:  # another person under an ID number written before
            ids = out[plan.id_index]
            if slow:  # an ID number of a row looked at one by one: its rows all are, in row order
                looked = {ids[i] for i in slow} - {None, ""}
                if looked:
                    slow.update(i for i in range(n) if ids[i] in looked)
            slow.update(self.id_names.clashes(ids, out[self.name_index], numbers,
                                              filterfalse(slow.__contains__, range(n))))
        if len(slow) < n:
            self._take([i for i in range(n) if i not in slow], numbers, out, orgs, keys)
        for i in sorted(slow):
            bad = [(j, p) for j, (_values, problems) in enumerate(converted) if i in problems
                   for p in problems[i]] or None
            self._row(numbers[i], chunk.row(i), [col[i] for col in cells], [col[i] for col in out], bad)

    def _merge_columns(self, out: list[Sequence[Any]], numbers: Sequence[int], warn: bool = True) -> None:
        """Each ledger column the form asks for in several columns (plan.merged) takes, row by row, the
        last of them that is filled; with ``warn``, rows where filled ones differ are noted (said once,
        see run). A one-record form's rows are not: its member rows repeat the record's cells, and an
        indicator form's 合计/男/女 under one element is the definition's to mend, not the clerk's."""
        for keep, sources in self.plan.merged.items():
            columns = [out[i] for i in sources]
            out[keep] = list(map(last_given, *columns))
            if not warn:
                continue
            n = len(numbers)
            # a row whose filled values differ has two neighbouring columns that differ: only those looked at
            maybe = sorted({i for a, b in zip(columns, columns[1:]) for i in compress(range(n), map(ne, a, b))})
            differ = [numbers[i] for i in maybe if _filled_differently([c[i] for c in columns])]
            if differ:
                self.disagree.setdefault(keep, []).extend(differ)

    def _other_months(self) -> list[Problem]:
        """Per month column of a ledger key, the rows whose month is not the file's own (the rows are
        written with theirs: a back payment's is another month rightly)."""
        problems = []
        for i, months in self.months.items():
            other = sorted(((m, n) for m, n in months.items() if m not in (None, "", self.ctx.period)),
                           key=lambda mn: (-mn[1], mn[0]))
            if other:
                shown = "、".join(f"{m}（{n}行）" for m, n in other[:3]) + ("等" if len(other) > 3 else "")
                problems.append(Problem("rows-of-another-month", {
                    "period": self.ctx.period, "header": self.plan.columns[i].header,
                    "rows": sum(n for _m, n in other), "months": shown}, self.where))
        return problems

    def _disagreements(self) -> list[Problem]:
        """Per merged ledger column, the rows whose columns were filled differently: which value was kept."""
        problems = []
        for keep, rows in self.disagree.items():
            kept = self.plan.columns[keep]  # a column of the ledger it feeds (see plan._merge_same_columns)
            definition = next(lp.definition for lp in self.plan.ledgers.values() if any(i == keep for _n, i in lp.columns))
            shown = "、".join(map(str, rows[:5])) + ("…" if len(rows) > 5 else "")
            problems.append(Problem("form-columns-disagree", {
                "count": len(rows), "headers": "、".join(f"“{self.plan.columns[i].header}”"
                                                         for i in self.plan.merged[keep]),
                "ledger": definition.name, "rows": shown,
                "column": column_title(self.ctx.store.dictionary, definition, kept.ledger_column)}, self.where))
        return problems

    def _keys(self, out: list[Sequence[Any]], orgs: list, n: int) -> dict[str, Sequence[Any]]:
        """Per ledger whose key the form gives, the chunk's keys as the ledger stores them (None where a
        part is blank): a simple key is its column; the parts of another are joined as
        :func:`~yibiaotong.ledgers.store.record_key` joins them."""
        keys: dict[str, Sequence[Any]] = {lid: out[j] for lid, j in self.simple_keys.items()}
        codes = None
        for lid, parts in self.composite_keys.items():
            columns: list[Any] = []
            for part in parts:
                if part is None:  # the row's unit
                    codes = codes if codes is not None else [code for code, _problem in orgs]
                    columns.append(codes)
                else:
                    columns.append(out[part] if isinstance(part, int) else repeat(part, n))
            keys[lid] = [None if any(v is None or v == "" for v in values) else "|".join(map(key_text, values))
                         for values in zip(*columns)]
        return keys

    def _take(self, taken: list[int], numbers: list[int], out: list[list[Any]], orgs: list,
              keys: dict[str, Sequence[Any]]) -> None:
        """Clean rows of a chunk: per ledger, its columns for those rows."""
        pick = itemgetter(*taken) if len(taken) > 1 else (lambda seq, i=taken[0]: (seq[i],))
        codes = pick([code for code, _problem in orgs])
        rows = pick(numbers)
        given = self._given(taken, out)
        for lid, lp in self.plan.ledgers.items():
            values = {name: pick(out[i]) for name, i in lp.columns}
            for name, value in self.implied.get(lid, {}).items():  # the form's values: every row's
                values[name] = (value,) * len(taken)
            records = RecordColumns(pick(keys[lid]), codes, rows, values)
            if given[lid] is not None:
                records = _split(records, [j for j, g in enumerate(given[lid]) if not g])[0]
            if len(records):
                self.columns[lid].append(records)
        self.report.rows_read += len(taken)
        self.report.rows_imported += len(taken)

    def _given(self, taken: list[int], out: list[list[Any]]) -> dict[str, list[bool] | None]:
        """Per ledger, for the taken rows, whether the row gives it a value besides its key (None:
        every row does). A row that gives no ledger anything besides the keys writes them all."""
        given: dict[str, list[bool] | None] = {}
        whole = len(taken) == len(out[0]) if out else True
        for lid, indices in self.values_of.items():
            if lid in self.own:
                continue
            columns = [out[i] for i in indices]
            # a column without a blank among the taken rows: every row gives this ledger a value
            if not columns or any(None not in (c if whole else map(c.__getitem__, taken)) for c in columns):
                given[lid] = None
            else:
                given[lid] = [any(c[i] is not None for c in columns) for i in taken]
        flags = [g for g in given.values() if g is not None]
        if len(flags) == len(given) and flags:
            nothing = [not any(f) for f in zip(*flags)]
            if any(nothing):
                given = {lid: [a or b for a, b in zip(g, nothing)] for lid, g in given.items()}
        for lid, i in self.own.items():  # written only where its own column is
            given[lid] = [_makes_record(out[i][j]) for j in taken]
        return given

    def _org_units(self, out: list[list[Any]], n: int) -> list[tuple[str | None, Problem | None]]:
        """Per row, its org unit code (or None and why), from the town and village columns."""
        plan, memo, find = self.plan, self.org_memo, self.ctx.matcher.find
        towns = out[plan.town] if plan.town is not None else [None] * n
        villages = out[plan.village] if plan.village is not None else [None] * n
        pairs = list(zip(towns, villages))
        found = list(map(memo.get, pairs))
        if None in found:
            for i, hit in enumerate(found):
                if hit is None:
                    found[i] = memo[pairs[i]] = find(*pairs[i])
        return found

    def _suspect_rows(self, chunk: Chunk, cells: list[Sequence[Any]]) -> set[int]:
        """Rows that may be a total line (合计) or hold a formula without a value or an error value:
        looked at one by one. Each column is first looked at as a whole (its texts joined)."""
        found = set()
        for c in range(4):  # 合计/总计/小计/汇总 in the first cells: a look for 计 or 汇 first
            column = [v if v.__class__ is str else "" for v in chunk.column(c)]
            joined = "|".join(column)
            if "计" in joined or "汇" in joined:
                found.update(i for i, v in enumerate(column) if "计" in v or "汇" in v)
        if self.sheet.uncached_formulas:
            rows = {r for r, _c in self.sheet.uncached_formulas}
            found.update(i for i, number in enumerate(chunk.numbers) if number in rows)
        if self.header_width is not None:
            for column in chunk.columns[self.header_width:]:
                found.update(i for i, v in enumerate(column) if v not in (None, ""))
        for j in self.text_columns:  # an error value (#DIV/0!) converts as text
            column = [v if v.__class__ is str else "" for v in cells[j]]
            if "#" in "|".join(column):
                found.update(i for i, v in enumerate(column) if v[:1] == "#")
        return found

    def _record(self) -> None:
        """A record form: its value cells are one row; each further filled row of a sub-table
        (家庭成员情况: one household member a row) is one more row, for the sub-table's own ledgers."""
        head = self.sheet.head_values
        cols = self.plan.columns
        cells = [head.get((c.cell_row, c.column)) for c in cols]
        invalid = self.report.rows_invalid
        self._record_row(cells, cols[0].cell_row or 1)
        record_rejected = self.report.rows_invalid > invalid
        for name in dict.fromkeys(c.subtable for c in cols if c.subtable and c.cell_row):
            sub = [i for i, c in enumerate(cols) if c.subtable == name and c.cell_row]
            first = min(cols[i].cell_row for i in sub)
            # a member row gives only the sub-table's own ledgers (keyed by its cells, see plan) its own
            # cells and their keys: the record's other values (家庭收入 beside 家庭成员) are the record's
            own_ledgers = {lid for lid, lp in self.plan.ledgers.items() if any(i in sub for _n, i in lp.columns)}
            if not own_ledgers:  # no ledger keeps its cells (said once: subtable-column-not-kept): no member
                continue  # to write, and none to refuse without a reason
            own = set(sub)
            for lid in own_ledgers:
                lp = self.plan.ledgers[lid]
                own.update(i for n, i in lp.columns if n in lp.definition.key)
            fed = {i for lid in own_ledgers for _n, i in self.plan.ledgers[lid].columns}
            kept = [cells[i] if i in own or i not in fed else None for i in range(len(cols))]
            for row in member_rows(head, self.template, name):
                member = list(kept)
                for i in sub:
                    member[i] = head.get((row, cols[i].column))
                self._record_row(member, row, sub, row - first, rejected=record_rejected, ledgers=own_ledgers)
        self._offset, self._only = 0, None

    def _record_row(self, cells: list[Any], number: int, sub: list[int] | None = None, offset: int = 0, *,
                    rejected: bool = False, ledgers: set[str] | None = None) -> None:
        """One row of a record form: the record itself, or (``sub``: the sub-table's columns) a member
        at sheet row ``number``, ``offset`` rows below the sub-table's first value row, writing only
        ``ledgers``. A member row carries the record's keys: only its own cells' problems are its own,
        and when the record itself was rejected its members wait with it."""
        self._offset, self._only = offset, ledgers
        results = [f(x) for f, x in zip(self.converters, cells)]
        if self.id_facts is not None and sub is None:  # the record's own person, not a member's
            results = self.id_facts.check_row(cells, results)
        bad = [(i, p) for i, r in enumerate(results) if r[1] and (sub is None or i in sub) for p in r[1]] or None
        if rejected:
            problems = [self._at(p, i, number) for i, p in bad] if bad else [Problem(
                "record-rejected-with-form", {}, {**self.where, "row": number})]
            self.report.rows_read += 1
            self._reject(number, cells, problems)
            return
        out = [[r[0]] for r in results]
        if self.plan.merged:
            self._merge_columns(out, [number], warn=False)
        self._row(number, cells, cells, [values[0] for values in out], bad)

    def _row(self, number: int, values: list[Any], cells: list[Any], out: list[Any], bad) -> None:
        """One row that is not plainly clean: what it is (empty, a total, a footer line) and what is
        wrong with it; written, set aside for linking, or rejected with every problem."""
        plan = self.plan
        if bad is None and out.count(None) == len(out):
            self.not_records.add(number)
            self._check_formulas(number, cells, blank=True)
            return  # an empty row (a pre-numbered template row, a spacer)
        if self._not_data(values, bad):
            self.not_records.add(number)
            return
        if bad and self._header_again(cells):
            self.headers_again.append(number)
            return
        report = self.report
        cols = plan.columns
        report.rows_read += 1
        problems = [self._at(p, i, number) for i, p in bad] if bad else []
        problems += self._beyond_header(number, values)
        problems += self._check_formulas(number, cells, full=bool(bad))
        org, org_problem = self._org_unit(out)
        if org_problem:
            idx = plan.village if plan.village is not None else plan.town
            problems.append(self._at(org_problem, idx, number) if idx is not None else org_problem.at(
                **self.where, row=number))
        if problems and self.id_names is not None and all(p.code in ID_FACTS for p in problems):
            first = self.id_names.clash(out[plan.id_index], out[self.name_index], number)
            if first is not None:  # another person's birth date and sex: the ID number is the one pasted wrongly
                problems = [self._at(_other_person(*first), plan.id_index, number)]
        id_only = bool(problems) and plan.id_index is not None and all(
            p.location.get("column") == cols[plan.id_index].letter for p in problems)
        if problems and not id_only:
            self._reject(number, values, problems)
            return
        # a sub-table's member row writes only ledgers keyed by its own cells: it needs no subject to link
        needs_subject = self._only is None or any(i == plan.id_index for lid in self._only
                                                  for _n, i in plan.ledgers[lid].columns)
        # a row that gives the ledgers keyed by the ID number nothing but that key (a land roster's
        # 流出方 left blank) is written to its other ledgers by their own keys (the parcel code)
        needs_subject = needs_subject and self._gives_subject(out)
        if id_only and self.ctx.strict:  # the file is rejected anyway: the ID problem is said, no link sought
            self._reject(number, values, problems)
            return
        if id_only or (plan.id_index is not None and out[plan.id_index] is None and needs_subject):
            self.pending.append(Pending(number, values, out, org or "", problems, cells))
            return
        self._add(number, values, out, org or "")

    def _add(self, number: int, raw: list[Any], out: list[Any], org: str) -> bool:
        """Group the row's values by ledger and queue one record per ledger whose key is complete."""
        ids, plan = self.id_names, self.plan
        if ids is not None:
            first = ids.clash(out[plan.id_index], out[self.name_index], number)
            if first is not None:
                self._reject(number, raw, [self._at(_other_person(*first), plan.id_index, number)])
                return False
        missing: list[Problem] = []
        simple = self.simple_keys
        records: list[tuple[str, PreparedRecord]] = []
        outside: list[Problem] = []
        given = self._gives(out)
        # only keys in the row: written everywhere, as the clerk listed them (a column's own records aside)
        nothing = not any(g for lid, g in given.items() if lid not in self.own)
        for lid, lp in self.plan.ledgers.items():
            if self._only is not None and lid not in self._only:
                continue  # a sub-table row writes its own ledgers; the record's were written with the record
            if not given[lid] and (not nothing or lid in self.own):
                continue  # nothing for this ledger but its key: no record to write there
            values = {name: out[i] for name, i in lp.columns} | self.implied.get(lid, {})
            key = out[simple[lid]] if lid in simple else record_key(lp.definition, values, org)
            if key == "":
                key = None
            if key is None:
                empty = [k for k in lp.definition.key if k != "_org_unit" and values.get(k) in (None, "")]
                missing.append(Problem("ledger-key-missing", {"ledger": lp.definition.name, "column": "、".join(
                    self._header_of(lid, k) for k in empty) or "所属单位"}, {**self.where, "row": number}))
                continue
            if lid in self.guard.tables and self.guard.is_outside(lid, key):
                outside.append(self._outside(lid, key, number))
            records.append((lid, PreparedRecord(key, org, values, number)))
        if outside:  # the whole row waits: half a row written would be worse than none
            self._reject(number, raw, _one_per_record(outside))
            return False
        for lid, record in records:
            self.batch[lid].append(record)
        written = bool(records)
        if not written:
            self._reject(number, raw, missing)
            return False
        self.ctx.warnings.extend(missing)  # written to the other ledgers: said, not dropped
        self.report.rows_imported += 1
        if ids is not None:
            ids.note(out[plan.id_index], out[self.name_index], number)
        return True

    def _gives(self, out: list[Any]) -> dict[str, bool]:
        """Per ledger the row may write, whether it gives that ledger a value besides the keys."""
        return {lid: (_makes_record(out[self.own[lid]]) if lid in self.own else
                      not indices or any(out[i] is not None for i in indices))
                for lid, indices in self.values_of.items() if self._only is None or lid in self._only}

    def _gives_subject(self, out: list[Any]) -> bool:
        """Does the row give a ledger keyed by the subject's ID number a value besides its key (or
        give no other ledger one either)?"""
        keyed = self.subject_ledgers
        if any(out[i] is not None for lid in keyed for i in self.non_key[lid]):
            return True
        return not any(out[i] is not None for lid, indices in self.non_key.items() if lid not in keyed
                       for i in indices)

    def _outside(self, ledger_id: str, key: str, number: int) -> Problem:
        definition = self.plan.ledgers[ledger_id].definition
        first = definition.key[0]
        where = {**self.where, "row": number}
        index = dict(self.plan.ledgers[ledger_id].columns).get(first)
        if index is not None:
            c = self.plan.columns[index]
            where.update(column=c.letter, header=c.header)
        return Problem("record-outside-scope", {"ledger": definition.name,
                                                "record": self.ctx.store.shown_key(definition.id, key),
                                                "within": self.guard.within_name}, where)

    def _header_of(self, ledger_id: str, column: str) -> str:
        """The header the form gives the ledger column, else the name of its element (统计月份, not
        stat_month: a key the form does not ask for)."""
        lp = self.plan.ledgers[ledger_id]
        for name, i in lp.columns:
            if name == column:
                return self.plan.columns[i].header
        return column_title(self.ctx.store.dictionary, lp.definition, column)

    def _not_data(self, values: list[Any], bad) -> bool:
        """合计 rows and footer lines (负责人： 填表人：) inside the data area are not records."""
        for v in values[:4]:
            # 合计/总计/小计/汇总: a cheap look for 计 or 汇 first, the full rule only then
            if v.__class__ is str and ("计" in v or "汇" in v) and words.is_total(v.strip()):
                return True
        texts = [v.strip() for v in values if v.__class__ is str and v.strip()]
        if not texts:
            return False
        if bad:  # a footer line that fails validation as a record: its first text says what it is
            return words.is_footer_line(texts[0]) or words.is_note(texts[0])
        # one that does not (a 注： note in the name or town column, below a roster longer than the
        # rows its header was found in): every text in it is a footer line, and it holds nothing else
        return (all(v.__class__ is str or v is None for v in values)
                and all(words.is_footer_line(t) or words.is_note(t) for t in set(texts)))

    def _beyond_header(self, number: int, values: list[Any]) -> list[Problem]:
        """A CSV row with values right of the header's last column: which values are in which
        column is a guess (the row is rejected whole, not stored shifted)."""
        width = self.header_width
        if width is None or not any(v not in (None, "") for v in values[width:]):
            return []
        cells = len(values)  # the row's own cells (a CSV's are never None): the chunk's are as wide as its widest row
        while cells and values[cells - 1] is None:
            cells -= 1
        if cells <= self.header_cells:  # no more cells than the header row: values in a column it leaves unlabelled
            return []
        filled = max(i for i, v in enumerate(values) if v not in (None, "")) + 1
        return [Problem("csv-row-too-long", {"count": filled, "width": width},
                        {**self.where, "row": number, "column": column_letter(width + 1)})]

    def _header_again(self, cells: list[Any]) -> bool:
        """The header printed again in the data (a roster printed page by page, pages pasted
        together): most of the row's cells are the labels of their own columns."""
        texts = [(norm(v), labels) for v, labels in zip(cells, self.labels) if v.__class__ is str and v.strip()]
        same = sum(text in labels for text, labels in texts)
        return same >= 2 and 2 * same >= len(texts)

    def _check_formulas(self, number: int, cells: list[Any], blank: bool = False, full: bool = False
                        ) -> list[Problem]:
        """Formulas Excel never calculated look empty; errors like #DIV/0! are not values."""
        found = []
        formulas = self.sheet.uncached_formulas
        # without uncalculated formulas only an error value (#DIV/0!) can hide here, and it fails
        # conversion except in a text column: look at those
        if not formulas and not blank and not full and not any(
                cells[i].__class__ is str and cells[i][:1] == "#" for i in self.text_columns):
            return found
        for i, c in enumerate(self.plan.columns):
            row = c.cell_row or number
            if formulas and (row, c.column) in formulas:
                found.append(self._at(Problem("formula-no-cached-value", {}), i, number))
            elif cells[i].__class__ is str and cells[i] in _FORMULA_ERRORS:
                found.append(self._at(Problem("formula-error", {"value": cells[i]}), i, number))
        if blank and found:  # a row that is empty only because its formulas were never calculated
            self.report.rows_read += 1
            self._reject(number, cells, found)
        return [] if blank else found

    def _org_unit(self, out: list[Any]) -> tuple[str | None, Problem | None]:
        plan = self.plan
        town = out[plan.town] if plan.town is not None else None
        village = out[plan.village] if plan.village is not None else None
        return self.ctx.matcher.find(town, village)

    def _at(self, p: Problem, index: int, number: int) -> Problem:
        c = self.plan.columns[index]
        row = c.cell_row + (self._offset if c.subtable else 0) if c.cell_row else number
        return p.at(**self.where, row=row, column=c.letter, header=c.header)

    def _reject(self, number: int, raw: list[Any], problems: list[Problem]) -> None:
        self.report.rows_invalid += 1
        self.ctx.problems.extend(problems)
        if len(self.errors.rows) < MAX_ROWS:
            cols = self.plan.columns
            places = {(p.location.get("row"), p.location.get("column")) for p in problems}
            if self.template.layout == "roster":
                bad = {c.column for c in cols if (number, c.letter) in places}
            else:  # a record form's row in the error workbook lists its fields left to right
                bad = {i + 1 for i, c in enumerate(cols)
                       if (c.cell_row + (self._offset if c.subtable else 0), c.letter) in places}
            # what is wrong and how to fix it, as the result page says it: the workbook is what the clerk fixes
            self.errors.rows.append(RejectedRow(number, list(raw), bad, [p.advice_zh for p in problems]))

    # --- writing -----------------------------------------------------------------------------

    def _flush(self) -> None:
        """Hand the batch to the writer thread and go on reading: the database's own work
        (SQLite's and PostgreSQL's C code runs without Python's lock) overlaps the next chunk's
        conversion. At most one batch waits, so memory stays bounded."""
        batch = {}
        for lid in self.plan.ledgers:
            parts, records = self.columns[lid], self.batch[lid]
            if parts or records:
                batch[lid] = _merge(parts, records)
        self.batch = {lid: [] for lid in self.plan.ledgers}
        self.columns = {lid: [] for lid in self.plan.ledgers}
        if batch:
            self.writer.submit(batch)

    def _write(self, batch: dict[str, RecordColumns]) -> None:
        """In the writer thread: one batch, ledger by ledger, in the file's transaction. Keys new to
        a ledger that was empty take the bulk insert; keys it already has (an update, a conflict,
        a person listed twice in the file) are looked up and merged record by record."""
        ctx = self.ctx
        for lid, records in batch.items():
            seen, ledger = self.written.get(lid), self.plan.ledgers[lid].ledger
            records, duplicates = _distinct(records)
            if seen is None:
                result = ctx.store.write(ledger, records.records(), conn=ctx.conn, source_id=ctx.source_id,
                                         arbiter=self.arbiters[lid])
            else:
                keys = records.keys
                again = [] if seen.isdisjoint(keys) else list(compress(range(len(keys)), map(seen.__contains__, keys)))
                new, known = _split(records, again)
                result = ctx.store.insert_new(ledger, new, conn=ctx.conn, source_id=ctx.source_id)
                if len(known):  # written by this sheet already: no other source to weigh against
                    more = ctx.store.write(ledger, known.records(), conn=ctx.conn, source_id=ctx.source_id)
                    result.updated, result.unchanged = more.updated, more.unchanged
                seen.update(new.keys)
            result.duplicate_keys += duplicates
            counts = self.report.ledgers[ledger]
            counts.inserted += result.inserted
            counts.updated += result.updated
            counts.unchanged += result.unchanged
            counts.duplicate_keys += result.duplicate_keys
        self.report.conflicts = sum(a.recorded for a in self.arbiters.values())
        self.report.values_kept = sum(a.rejected for a in self.arbiters.values())

    # --- rows without an ID number -----------------------------------------------------------

    def _link_pending(self) -> None:
        if not self.pending:
            return
        plan = self.plan
        ledgers = [(lp.definition, lp.table) for lp in plan.ledgers.values()]
        registry = resolve.find_registry(ledgers, plan.id_column) if plan.id_column else None
        if registry is None:
            for p in self.pending:
                self._reject(p.row, p.raw, p.problems or [self._missing_id(p.row)])
            return
        persons = [self._person(registry, p) for p in self.pending]
        found, size = resolve.candidates(self.ctx.conn, registry, persons)
        matches = resolve.link(persons, found, size)
        if self.guard.active and registry.ledger.id in self.guard.tables:
            guard, lid = self.guard, registry.ledger.id
            guard.check(lid, [c.key for c in found])
            matches = [[m for m in options if m.candidate.key not in guard.outside[lid]] for options in matches]
        for p, _person, options in zip(self.pending, persons, matches):
            sure = resolve.certain(options)
            if sure is not None:
                p.values[plan.id_index] = sure.candidate.id_number
                if self._add(p.row, p.raw, p.values, p.org_unit):
                    self.report.linked.append(LinkedRow(p.row, mask_id_number(sure.candidate.id_number),
                                                        round(sure.probability, 4)))
                    self.ctx.warnings.append(Problem("row-linked", {
                        "record": mask_id_number(sure.candidate.id_number), "probability": f"{sure.probability:.1%}"},
                        {**self.where, "row": p.row}))
                    self.ctx.warnings.extend(p.problems)  # what was wrong with the ID number the row gave
            elif options:
                self._queue(p, options, registry)
                self.ctx.warnings.extend(p.problems)
            else:
                self._reject(p.row, p.raw, p.problems or [self._missing_id(p.row)])

    def _person(self, registry: resolve.Registry, p: Pending) -> resolve.Person:
        by_column = {c.ledger_column: p.values[i] for i, c in enumerate(self.plan.columns)
                     if c.ledger == registry.ledger.id}
        return resolve.normalize(**{f: by_column.get(col) for f, col in registry.columns.items()})

    def _missing_id(self, row: int) -> Problem:
        c = self.plan.columns[self.plan.id_index]
        if c.virtual:  # the form prints no ID number: no one in the ledger is like this row's person
            return Problem("row-person-not-found", {"column": c.header}, {**self.where, "row": row})
        return Problem("missing-key", {"column": c.header}, {**self.where, "row": row, "column": c.letter,
                                                             "header": c.header})

    def _queue(self, p: Pending, options: list[resolve.Match], registry: resolve.Registry) -> None:
        conn, plan = self.ctx.conn, self.plan
        # the ledgers the row would be written to were its person known (see _add): a confirmed link
        # writes those, not an empty record of every other ledger the form feeds
        given = self._gives(p.values)
        everywhere = not any(given.values())
        payload = {"id_column": plan.id_column, "org_unit": p.org_unit, "ledgers": {
            lid: {name: _json_scalar(p.values[i]) for name, i in lp.columns if p.values[i] is not None}
            | {name: _json_scalar(v) for name, v in self.implied.get(lid, {}).items()}
            for lid, lp in plan.ledgers.items() if (everywhere and lid not in self.own) or given.get(lid, False)}}
        shown = {c.header: mask(c.element, p.cells[i]) for i, c in enumerate(plan.columns)
                 if p.cells[i] not in (None, "")}
        now = datetime.now(UTC)
        queued = False
        t = schema.link
        for m in options[:3]:
            body = {**payload, "candidate_id": m.candidate.id_number}
            asked = conn.execute(select(t.c.payload).where(
                (t.c.candidate_key == m.candidate.key) & ((t.c.status == "pending") | (
                    (t.c.file_hash == self.ctx.file_hash) & (t.c.sheet == self.sheet.name)
                    & (t.c.source_row == p.row))))).scalars().all()
            if body in asked:
                continue  # the same row again (the same file, or a copy saved anew): already asked
            conn.execute(insert(schema.link).values(
                source_id=self.ctx.source_id, file_hash=self.ctx.file_hash, sheet=self.sheet.name, source_row=p.row,
                org_unit=p.org_unit, payload=body, shown=shown,
                candidate_ledger=registry.ledger.id, candidate_key=m.candidate.key,
                probability=round(m.probability, 6), evidence=m.evidence, status="pending", created_at=now))
            queued = True
        if queued:
            self.report.rows_queued += 1
        self.ctx.warnings.append(Problem("row-link-uncertain", {"probability": f"{options[0].probability:.1%}"},
                                         {**self.where, "row": p.row}))

    def _record_import(self) -> None:
        ctx, r = self.ctx, self.report
        ctx.conn.execute(insert(schema.import_batch).values(
            source_id=ctx.source_id, file_name=ctx.file_name, file_hash=ctx.file_hash, sheet=self.sheet.name,
            form_id=ctx.form_id, department=ctx.department, period=ctx.period, org_unit=ctx.matcher.within,
            actor=ctx.actor, rows_read=r.rows_read, rows_imported=r.rows_imported, rows_invalid=r.rows_invalid,
            result={k: vars(v) for k, v in r.ledgers.items()}, created_at=datetime.now(UTC)))


def _other_person(sheet: str | None, row: int) -> Problem:
    """The row's ID number was written first at ``row`` (of ``sheet``, when another) for someone else."""
    params: dict[str, Any] = {"first_row": row, "first": f"第{row}行", "first_en": f"row {row}"}
    if sheet is not None:
        params.update(first_sheet=sheet, first=f"工作表“{sheet}”第{row}行", first_en=f"row {row} of sheet {sheet!r}")
    return Problem("id-number-other-person", params)


def _name_index(plan: SheetPlan, subject_ledgers: list[str]) -> int | None:
    """The column naming the person whose ID number keys the rows: 姓名 beside a person's own ID
    number (id_number), and beside another's the name element of the same stem (户主姓名
    household_head_name beside 户主身份证号 household_head_id_number). None where no such name is
    printed: a role has several names (a family member's, a father's, a mother's), so no other is
    taken for it."""
    if plan.id_index is None:
        return None
    id_element = plan.columns[plan.id_index].element.id
    wanted = "person_name" if id_element == "id_number" else (
        id_element.removesuffix("_id_number") + "_name" if id_element.endswith("_id_number") else None)
    return next((i for lid in subject_ledgers for _name, i in plan.ledgers[lid].columns
                 if plan.columns[i].element.id == wanted), None)


def _key_parts(lp: LedgerPlan, implied: dict[str, Any]) -> list[int | str | None] | None:
    """How the form gives each part of the ledger's key: a column's index, a text every row shares
    (the form's values, the file's period), or None for the row's unit; None if it gives not all."""
    printed = dict(lp.columns)
    parts: list[int | str | None] = []
    for k in lp.definition.key:
        if k == ORG_UNIT_KEY:
            parts.append(None)
        elif k in printed:
            parts.append(printed[k])
        elif implied.get(k) not in (None, ""):
            parts.append(key_text(implied[k]))
        else:
            return None
    return parts


def _merge(parts: list[RecordColumns], records: list[PreparedRecord]) -> RecordColumns:
    """The chunk's column-wise records and the ones taken row by row, as one set of columns in
    the order of the sheet's rows."""
    if len(parts) == 1 and not records:
        return parts[0]
    names = list(parts[0].values) if parts else list(dict.fromkeys(k for p in records for k in p.values))
    rows = [(r, k, o, vals) for part in parts
            for r, k, o, vals in zip(part.rows, part.keys, part.org_units, zip(*part.values.values()))]
    rows += [(p.row, p.key, p.org_unit, tuple(p.values.get(name) for name in names)) for p in records]
    if records:
        rows.sort(key=lambda x: -1 if x[0] is None else x[0])
    columns = list(zip(*[vals for *_rest, vals in rows])) if rows else [()] * len(names)
    return RecordColumns([x[1] for x in rows], [x[2] for x in rows], [x[0] for x in rows],
                         dict(zip(names, columns)))


def _distinct(records: RecordColumns) -> tuple[RecordColumns, int]:
    """A key twice in one batch: one record, whose later non-empty values win (as
    :meth:`LedgerStore.write` merges them), at the place of the first; and how many were merged."""
    keys = records.keys
    n = len(keys)
    if len(set(keys)) == n:
        return records, 0
    first = dict(zip(reversed(keys), range(n - 1, -1, -1)))  # each key's first place (found in C: a batch
    # of 20,000 random ID numbers often holds a pair)
    later = [(first[keys[i]], i) for i in compress(range(n), map(ne, map(first.__getitem__, keys), range(n)))]
    values = {name: list(column) for name, column in records.values.items()}
    orgs, rows = list(records.org_units), list(records.rows)
    for j, i in later:
        for column in values.values():
            if column[i] is not None:
                column[j] = column[i]
        orgs[j], rows[j] = orgs[i], rows[i]
    merged = RecordColumns(keys, orgs, rows, values)
    return _split(merged, [i for _j, i in later])[0], len(later)


def _split(records: RecordColumns, positions: list[int]) -> tuple[RecordColumns, RecordColumns]:
    """The records but those at ``positions``, and those."""
    drop = set(positions)
    keep = list(filterfalse(drop.__contains__, range(len(records))))

    def pick(indices: list[int]) -> RecordColumns:
        if not indices:
            return RecordColumns((), (), (), {name: () for name in records.values})
        get = itemgetter(*indices) if len(indices) > 1 else (lambda seq, i=indices[0]: (seq[i],))
        return RecordColumns(get(records.keys), get(records.org_units), get(records.rows),
                             {name: get(column) for name, column in records.values.items()})

    return pick(keep), pick(sorted(drop))


def _makes_record(value: Any) -> bool:
    """Does a column's value make a record of its own (see LedgerPlan.own)? Blank and 0 do not."""
    return value is not None and value != 0 and value != ""


def _filled_differently(values: Sequence[Any]) -> bool:
    filled = [v for v in values if v is not None]
    return any(v != filled[0] for v in filled[1:])


def _one_per_record(problems: list[Problem]) -> list[Problem]:
    """One record-outside-scope problem per record, naming every ledger the row would have changed
    in it: a person kept in another village was said three times a row (identity, contacts,
    employment), and the clerk's list of problems tripled."""
    merged: dict[tuple[Any, Any], Problem] = {}
    for p in problems:
        place = (p.params["record"], p.location.get("column"))
        first = merged.get(place)
        merged[place] = p if first is None else Problem(
            first.code, {**first.params, "ledger": f"{first.params['ledger']}、{p.params['ledger']}"}, first.location)
    return list(merged.values())
