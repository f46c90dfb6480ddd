"""Importing a filled form file (数据归集): the library function behind ``ybt import`` and the
web upload page.

One file is one transaction: every sheet, batch, link question and conflict of the file is
committed together or not at all, so a crash or a kill leaves the database as it was before the
file. The transaction is also rolled back when the file changed nothing (importing it again is
a no-op that says so) and, in strict mode, when any row is wrong.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
import unicodedata
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import Engine, func, select
from sqlalchemy.exc import DBAPIError, SQLAlchemyError

from yibiaotong.elements.dates import MAX_YEAR, MIN_YEAR, parse_month
from yibiaotong.elements.dictionary import Dictionary
from yibiaotong.errors import Problem, YbtError
from yibiaotong.files import partial_of, write_failure
from yibiaotong.forms.definition import FormDef
from yibiaotong.forms.model import FormTemplate
from yibiaotong.forms.reader import read_sheet
from yibiaotong.forms.sources import extension_mismatch
from yibiaotong.forms.store import get_form, load_forms
from yibiaotong.ingest.collector import fewer_collections
from yibiaotong.ingest.conflicts import load_authority
from yibiaotong.ingest.csvheader import merged_down
from yibiaotong.ingest.errors_workbook import SheetErrors, write_error_workbook
from yibiaotong.ingest.layout import fixed_layout
from yibiaotong.ingest.limits import Limits, check_file
from yibiaotong.ingest.orgmatch import OrgMatcher
from yibiaotong.ingest.plan import ORG_ELEMENTS, SheetPlan, build_plan, column_title, infer_period, keys_not_given
from yibiaotong.ingest.recognise import THRESHOLD, Recognition, recognise
from yibiaotong.ingest.report import ImportReport, SheetReport
from yibiaotong.ingest.sameid import IdNames
from yibiaotong.ingest.sheet import SheetContext, import_sheet
from yibiaotong.ingest.workbook import CsvRowError, EncryptedWorkbook, UndecodableText, Workbook
from yibiaotong.ledgers.provenance import Source, file_sha256
from yibiaotong.ledgers.store import LedgerStore
from yibiaotong.orgunits.store import load_tree
from yibiaotong.store import schema

log = logging.getLogger("yibiaotong.ingest")

IMPORT_CACHE_KB = 96 * 1024
_ENCODINGS = {"utf-8-sig": "UTF-8", "gb18030": "GBK（GB18030）", "utf-16": "UTF-16", "utf-16-le": "UTF-16",
              "utf-16-be": "UTF-16"}  # as Excel's save dialog names them
Progress = Callable[[int, int | None], None]  # rows of the file done, rows known so far (None: unknown)


class _Undo(Exception):
    """Roll the file's transaction back on purpose (strict mode, nothing changed)."""


def import_file(engine: Engine, path: str | Path, form: str | None = None, period: str | None = None,
                org_unit: str | None = None, actor: str | None = None, strict: bool = False, *,
                error_workbook: str | Path | None = None, progress: Progress | None = None,
                limits: Limits | None = None, dictionary: Dictionary | None = None,
                authority: dict[str, str] | None = None) -> ImportReport:
    """Import one filled .xlsx/.xls/.csv into the ledgers; returns what happened, never raises for
    a bad file (its problems are in the report). ``error_workbook``: where to write the rows that
    were not imported (default: ``<file>.错误清单.xlsx`` beside the file); ``authority``: element ->
    authoritative department (default: the installed packs' authority.yaml)."""
    started = time.perf_counter()
    path = Path(path)
    report = ImportReport(file=path.name, strict=strict)
    try:
        with fewer_collections():
            _import(engine, path, form, period, org_unit, actor, strict, progress, limits, dictionary, report,
                    error_workbook, authority)
    except YbtError as exc:
        report.status, report.sheets = "failed", []  # rolled back: no sheet's counts hold
        report.problems = [p.at(file=path.name) if "file" not in p.location else p for p in exc.problems]
    except Exception as exc:
        refusal = _refusal(engine, exc)
        if refusal is None:
            raise
        # rolled back: the rows counted as imported before the refusal are not (the result page
        # said 导入 40000 beside 本文件未导入任何数据)
        report.status, report.sheets = "failed", []
        report.problems = [Problem(*refusal, {"file": path.name})]
    report.seconds = time.perf_counter() - started
    return report


def last_import(engine: Engine) -> int:
    """The last file import recorded so far (0: none): see :func:`imported_since`."""
    with engine.connect() as conn:
        return conn.execute(select(func.max(schema.import_batch.c.id))).scalar() or 0


def imported_since(engine: Engine, path: str | Path, mark: int) -> bool:
    """Whether ``path`` is in the ledgers by an import recorded after :func:`last_import` said
    ``mark``: where an import stopped by Ctrl+C got to (it may come after the commit, while the
    error workbook is written). The file is hashed only if some import was recorded since."""
    if last_import(engine) == mark:
        return False
    try:
        return _recorded(engine, file_sha256(Path(path)), after=mark)
    except OSError:  # moved or deleted meanwhile: by its name
        return _recorded(engine, None, after=mark, name=Path(path).name)


def _recorded(engine: Engine, file_hash: str | None, after: int = 0, name: str | None = None) -> bool:
    """Whether an import of the file with ``file_hash`` (or, without one, named ``name``) is
    recorded, after import ``after``."""
    b = schema.import_batch
    same = b.c.file_hash == file_hash if file_hash is not None else b.c.file_name == name
    with engine.connect() as conn:
        return conn.execute(select(b.c.id).where(same & (b.c.id > after)).limit(1)).first() is not None


# another transaction on the same records: PostgreSQL's serialization failure and deadlock (two
# imports updating the same people in another order), SQLite's lock held past the wait
_COLLISIONS = frozenset({"40001", "40P01", "SQLITE_BUSY", "SQLITE_LOCKED"})


def _as_roster(sheet, path, forms, template, rec, problem):
    """A sheet that looks like a one-record form (a short roster with notes beside a few of its
    rows does) and is read better as an installed roster: read as that roster, every row a record,
    not its first row alone."""
    roster, _why = read_sheet(sheet.head, path.name, "roster")
    if roster is None or roster.layout != "roster":
        return template, rec, problem
    better, _problem = recognise(roster, [f for f in forms if f.layout == "roster"])
    if better is not None and (rec is None or better.score > rec.score):
        return roster, better, None
    return template, rec, problem


def _wrong_form(store: LedgerStore, template: FormTemplate, rec: Recognition, plan: SheetPlan,
                others: list[FormDef]) -> Problem | None:
    """A form chosen by hand (--form, the web's choice) whose headers the sheet matches poorly is
    refused when another installed form is what the sheet is, or when no row could be written (no
    ledger of the form finds its key among the sheet's columns): every row refused for a missing
    key would hide the cause, the choice of form."""
    if rec.score >= THRESHOLD:
        return None
    score = f"{rec.score:.0%}"
    best, _problem = recognise(template, [f for f in others if f.layout == template.layout])
    if best is not None and best.score > rec.score:
        return Problem("form-chosen-is-another", {"form": rec.form.title, "score": score, "best": best.form.title,
                                                  "best_score": f"{best.score:.0%}"})
    missing = keys_not_given(plan, store.dictionary)
    if len(missing) < len(plan.ledgers):
        return None
    headers = {(f.ledger, f.column or f.element): f.header for f in rec.form.fields if f.ledger}
    names = []
    for lid, keys in missing.items():
        definition = plan.ledgers[lid].definition
        names += [headers.get((lid, key)) or column_title(store.dictionary, definition, key) for key in keys]
    return Problem("form-chosen-lacks-keys", {"form": rec.form.title, "score": score,
                                              "headers": "、".join(dict.fromkeys(names))})


def _keyless_form(store: LedgerStore, rec: Recognition, plan: SheetPlan) -> Problem | None:
    """A form none of whose ledgers its columns can key (117 应急避难场所登记表 lists shelters under
    person ledgers keyed by an ID number it does not print, nor a person to find one by: see
    plan._linked_by_person): said once, the sheet not imported. Row by row, each row was refused for
    lacking a 公民身份号码 the clerk has no column to fill in. (A sheet lacking the form's ID column is
    the sheet's to mend: said as a missing column, row by row.)"""
    missing = keys_not_given(plan, store.dictionary)
    if not missing or len(missing) < len(plan.ledgers):
        return None
    printed = {f.element for f in rec.form.fields if f.element}
    keys = {(lid, key): plan.ledgers[lid].definition.column(key).element for lid, ks in missing.items() for key in ks}
    if any(element in printed for element in keys.values()):
        return None
    names = [column_title(store.dictionary, plan.ledgers[lid].definition, key) for lid, key in keys]
    return Problem("form-gives-no-keys", {"form": rec.form.title, "keys": "、".join(dict.fromkeys(names))})


def _refusal(engine: Engine, exc: Exception) -> tuple[str, dict[str, str]] | None:
    """A database's refusal of the data (a value the checks let through, or a record another import
    wrote meanwhile; the transaction is rolled back) as a problem's code and words; None for any
    other exception. The log gets the error's class and state, never its words: they may quote a
    value (an ID number)."""
    orig = exc.orig if isinstance(exc, DBAPIError) else exc
    dbapi = engine.dialect.loaded_dbapi
    state = getattr(orig, "sqlstate", None) or getattr(orig, "sqlite_errorname", None)
    if isinstance(orig, dbapi.IntegrityError) or state in _COLLISIONS:
        code = "database-write-conflict"
    elif isinstance(orig, dbapi.DataError):
        code = "database-refused-data"
    else:
        return None
    reason = state or type(orig).__name__
    log.error("an import was refused by the database: %s %s", type(orig).__name__, reason)
    return code, {"reason": reason}


def _import(engine, path, form, period, org_unit, actor, strict, progress, limits, dictionary, report,
            error_workbook, authority) -> None:
    where = {"file": path.name}
    kind, problems = check_file(path, limits or Limits.from_env())
    if problems:
        raise YbtError(problems)
    mismatch = extension_mismatch(path, kind)
    if mismatch is not None:
        report.warnings.append(mismatch.at(**where))
    report.file_hash = file_hash = file_sha256(path)
    store = LedgerStore(engine, dictionary)
    forced = get_form(engine, form) if form else None
    forms = [forced] if forced else load_forms(engine)
    # a chosen form the sheet matches poorly is compared with the others (see _wrong_form)
    others = [f for f in load_forms(engine) if f.id != forced.id] if forced else []
    if period:
        period = _period(period)
    tree = load_tree(engine)
    if org_unit and org_unit not in tree.units:
        by_name = [u.code for u in tree if u.name == org_unit]
        if len(by_name) > 1:  # 第一网格, 新华村: a name many units have
            raise YbtError(Problem("org-unit-name-ambiguous", {"org_unit": org_unit, "count": len(by_name)}))
        if not by_name:
            raise YbtError(Problem("unknown-org-unit", {"org_unit": org_unit}))
        org_unit = by_name[0]
    if authority is None:
        authority = load_authority(engine)
    seen_before = _recorded(engine, file_hash)
    errors: list[SheetErrors] = []
    target = Path(error_workbook) if error_workbook else path.with_name(f"{path.stem}.错误清单.xlsx")
    rejected = _RejectedRows(target, errors)
    try:
        with engine.begin() as conn, _page_cache(conn):
            _sheets(conn, path, kind, file_hash, forms, forced, others, period, org_unit, actor, store, tree,
                    authority, progress, report, errors, IdNames())
            if not report.sheets:
                raise YbtError(report.problems or [_no_form(report.warnings, where)])
            rejected.start()  # written while the transaction ends (the database's own work, without Python's lock)
            if strict and report.rows_invalid:
                report.reject()  # rolled back below: no row of the file counts as imported
                raise _Undo()
            if not any(s.changed for s in report.sheets):
                report.status = "already-imported" if seen_before else "no-change"
                raise _Undo()
            report.status = "imported"
    except _Undo:
        pass  # rolled back by engine.begin(): nothing of this file is in the database
    except BaseException:
        rejected.discard()  # the import failed as a whole: no list of rows to fix
        raise
    try:
        report.error_workbook = rejected.finish()
    except OSError as exc:  # the import is over (stored or not): its problems are in the report still
        code = "error-workbook-unwritable-nothing-stored" if report.status == "rejected" else "error-workbook-unwritable"
        report.warnings.append(Problem(code, write_failure(exc), {"file": path.name}))


def _no_form(warnings: list[Problem], where: dict) -> Problem:
    """Why no sheet of the file was imported, when none was a form it could not read (each sheet
    hidden, empty or holding no table): what each sheet was, in one problem."""
    zh, en = [], []
    for w in warnings:
        sheet = w.location.get("sheet")
        if w.code == "sheet-hidden":
            zh.append(f"工作表“{sheet}”是隐藏的，已跳过")
            en.append(f"sheet {sheet!r} is hidden")
        elif w.code == "sheet-not-a-form":
            zh.append(f"工作表“{sheet}”{w.params.get('reason', '没有报表')}")
            en.append(f"sheet {sheet!r}: {w.params.get('reason_en', 'no form')}")
    return Problem("file-no-form", {"skipped": "；".join(zh) or "没有工作表", "skipped_en": "; ".join(en) or "no sheets"},
                   where)


class _RejectedRows:
    """The error workbook (错误清单) written in a thread of its own, under a temporary name until
    the import is over: a failed import leaves whatever was there before.

    Its end is waited for on an event, not by joining the thread: a Ctrl+C that stops a join takes
    the thread for ended while it still writes (Python before 3.13), and the half workbook it then
    finishes would be left behind."""

    def __init__(self, target: Path, errors: list[SheetErrors]):
        self.target, self.errors = target, errors
        self._ended: threading.Event | None = None
        self._stop = threading.Event()  # the workbook is no longer wanted (see discard)
        self._written: Path | None = None
        self._error: BaseException | None = None

    def start(self) -> None:
        if any(e.rows for e in self.errors):
            ended = threading.Event()
            threading.Thread(target=self._write, args=(ended,), name="ybt-error-workbook", daemon=True).start()
            self._ended = ended  # once it runs: an event no thread will set is never waited for

    def _write(self, ended: threading.Event) -> None:
        partial = partial_of(self.target)
        try:
            self._written = write_error_workbook(partial, [e for e in self.errors if e.rows], self._stop)
            if self._stop.is_set():  # discarded while the workbook was closed (its slowest step)
                partial.unlink(missing_ok=True)
                self._written = None
        except BaseException as exc:  # raised in the importing thread by finish()
            partial.unlink(missing_ok=True)  # half a workbook is no list of rows to fix
            self._error = exc
        finally:
            ended.set()

    def finish(self) -> str | None:
        if self._ended is None:
            return None
        try:
            self._ended.wait()
        except BaseException:  # Ctrl+C while it is written: no hidden half workbook is left behind
            self.discard()
            raise
        if self._error is not None:
            raise self._error
        try:
            return str(self._written.replace(self.target))
        except OSError:  # its place is taken (a folder, a file held open): no hidden copy of the rows is left
            self._written.unlink(missing_ok=True)
            raise

    def discard(self) -> None:
        """No workbook after all (the import failed or was stopped): its writing is told to stop,
        which it does within a thousand rows, and what it wrote is removed."""
        if self._ended is not None:
            self._stop.set()
            self._ended.wait()
            if self._written is not None:
                self._written.unlink(missing_ok=True)


def _sheets(conn, path, kind, file_hash, forms, forced, others, period, org_unit, actor, store, tree, authority,
            progress, report, errors, ids) -> None:
    try:
        from python_calamine import CalamineError, PasswordError
    except ImportError:  # pragma: no cover - a dependency of the project
        CalamineError = PasswordError = OSError
    where = {"file": path.name}
    try:
        before = 0  # rows of the sheets already read: progress counts the whole file
        for sheet in Workbook(path, kind).sheets():
            counted = None if progress is None else (
                lambda done, total, b=before: progress(b + done, None if total is None else b + total))
            _sheet(conn, path, sheet, file_hash, forms, forced, others, period, org_unit, actor, store, tree,
                   authority, counted, report, errors, ids)
            before += sheet.total_rows or 0
    except (PasswordError, EncryptedWorkbook) as exc:
        raise YbtError(Problem("file-encrypted", {}, where)) from exc
    except UndecodableText as exc:
        if exc.line is None:
            raise YbtError(Problem("file-unknown-encoding", {}, where)) from exc
        said = _ENCODINGS.get(exc.encoding or "", exc.encoding)
        raise YbtError(Problem("csv-line-undecodable", {"encoding": said}, {**where, "row": exc.line})) from exc
    except CsvRowError as exc:
        raise YbtError(Problem(exc.code, {}, {**where, "row": exc.row})) from exc
    except (CalamineError, OSError) as exc:
        raise YbtError(Problem("file-unreadable", {"reason": f"{exc.__class__.__name__}: {str(exc)[:160]}"},
                               where)) from exc


def _sheet(conn, path, sheet, file_hash, forms, forced, others, period, org_unit, actor, store, tree, authority,
           progress, report, errors, ids) -> None:
    where = {"file": path.name, "sheet": sheet.name}
    if sheet.hidden:
        report.warnings.append(Problem("sheet-hidden", {}, where))
        return
    printed, why = read_sheet(sheet.head, path.name, forced.layout if forced is not None else None)
    fixed, lost = fixed_layout(sheet.head_values, forms, forced)
    if fixed is None and lost:  # read afresh below: values may be taken for labels
        report.warnings.append(Problem("form-template-missing", {"form": lost[0].title}, where))
    if fixed is None and printed is None:
        report.warnings.append(Problem("sheet-not-a-form", {"reason": why[0], "reason_en": why[1]}, where))
        return
    # a one-record form with an installed layout is read where its template says
    template = fixed.template if fixed is not None else printed
    rec, problem = recognise(template, forms, fixed.form if fixed is not None else forced)
    if fixed is None and forced is None and template.layout == "record":
        template, rec, problem = _as_roster(sheet, path, forms, template, rec, problem)
    if fixed is None and sheet.delimited:  # a CSV's header, read with the merges its workbook had
        template, rec, problem = merged_down(sheet, path.name, forms, template, rec, problem)
    if rec is None:
        report.problems.append(problem.at(**where))
        return
    plan, plan_problems = build_plan(rec, template, store, store.dictionary)
    report.warnings.extend(p.at(**where) for p in plan_problems)
    if plan is None:
        return
    wrong = _wrong_form(store, template, rec, plan, others) if forced is not None else None
    if wrong is None:
        wrong = _keyless_form(store, rec, plan)
    if wrong is not None:  # before anything else is said of the sheet: the choice of form is the cause
        report.problems.append(wrong.at(**where))
        return
    if plan.town is None and plan.village is None and not org_unit:
        report.problems.append(Problem("org-unit-required", {}, where))
        return
    sheet_period = period or infer_period(printed or template)
    sr = SheetReport(sheet.name, rec.form.id, rec.form.title, rec.score, sheet_period,
                     missing_fields=rec.missing, extra_columns=[h for h in rec.extra if h != "错误说明"])
    # the form's columns missing from the sheet whose data the import would have kept (a missing
    # 序号 or 领取人签字 column loses nothing: said every import, it taught clerks to skip the warning)
    kept = {f.header for f in rec.form.fields if f.ledger or f.element in ORG_ELEMENTS}
    lost = [h for h in rec.missing if h in kept]
    if lost:
        report.warnings.append(Problem("form-fields-missing", {"headers": "、".join(lost[:10])}, where))
    source_id = Source(kind="file", actor=actor, file_name=path.name, file_hash=file_hash, sheet=sheet.name,
                       period=sheet_period).record(conn)
    ctx = SheetContext(conn, store, path.name, file_hash, source_id, sheet_period, rec.form.department or None,
                       rec.form.id, OrgMatcher(tree, org_unit), authority, actor,
                       (lambda done: progress(done, sheet.total_rows)) if progress else None, report.strict, ids)
    on_sheet = [c for c in plan.columns if not c.virtual]  # the error workbook is the sheet's columns
    width = max([c.column for c in on_sheet] + [c for _r, c in sheet.head_values])
    first = template.data_first_row or 1
    se = SheetErrors(sheet.name, {k: v for k, v in sheet.head_values.items() if k[0] < first},
                     sheet.head.merges, first, template.header_rows[0] if template.header_rows else None, width,
                     {c.column for c in on_sheet if c.element.type in ("id_number", "phone", "mobile")})
    if template.layout != "roster":  # one record: its fields become the columns of the error workbook
        se.first_data_row, se.header_row, se.width, se.head_merges = 2, 1, len(plan.columns), []
        se.head = {(1, i + 1): c.header for i, c in enumerate(plan.columns)}
        se.text_columns = {i + 1 for i, c in enumerate(plan.columns) if c.element.type in ("id_number", "phone")}
    import_sheet(ctx, sheet, template, plan, sr, se)
    report.sheets.append(sr)
    report.problems.extend(ctx.problems)
    report.warnings.extend(ctx.warnings)
    errors.append(se)
    if progress:
        progress(sr.rows_read, sheet.total_rows)


@contextlib.contextmanager
def _page_cache(conn):
    """SQLite's default page cache (2 MB) makes every insert into a big ledger's key index
    (random ID numbers) go to the OS for pages; for the import it gets 96 MB, then its old size."""
    if conn.dialect.name != "sqlite":
        yield
        return
    before = conn.exec_driver_sql("PRAGMA cache_size").scalar()
    conn.exec_driver_sql(f"PRAGMA cache_size = {-IMPORT_CACHE_KB}")
    try:
        yield
    finally:
        with contextlib.suppress(SQLAlchemyError):  # never hide the error that ended the import
            conn.exec_driver_sql(f"PRAGMA cache_size = {int(before)}")


def _period(text: str) -> str:
    value, problem = parse_month(text)
    if value is None:
        year = unicodedata.normalize("NFKC", text).strip()  # ２０２４ typed in full width
        if year.isascii() and year.isdigit() and len(year) == 4 and MIN_YEAR <= int(year) <= MAX_YEAR:
            return year  # a year: annual forms
        raise YbtError(problem or Problem("invalid-month", {"value": text}))
    return value
