"""Data intake (数据归集): import filled forms into the ledgers — fast, validated, nothing lost.

``import_file(engine, path, form=None, period=None, org_unit=None, actor=None, strict=False)``
reads a filled .xlsx/.xls/.csv, recognises each sheet's form among the installed definitions,
converts and validates every cell, finds which ledger record (which person) each row is about,
and upserts — one transaction per file. It returns an :class:`ImportReport` with every problem
(file, sheet, row, column letter, header, masked value, rule code, Chinese message) and writes
the rows it could not import to an error workbook the clerk can fix and import again.

Modules: ``limits`` (size, zip bombs), ``workbook`` (reading; a large sheet in parts, so memory
stays bounded), ``reader`` (a large sheet read by a second process while the import works), ``recognise`` (which form), ``plan`` and ``convert`` (per-column converters, cell
by cell and a chunk of a column at a time), ``orgmatch`` (which village), ``sheet`` (chunks of
rows, column-wise for clean rows, row by row for the others), ``resolve`` (entity resolution: ID numbers, then Splink), ``conflicts`` (which value
wins), ``errors_workbook``, ``report``, ``review`` (link and conflict queues), ``pipeline``.
"""

from yibiaotong.ingest.limits import Limits
from yibiaotong.ingest.pipeline import import_file
from yibiaotong.ingest.report import ImportReport
from yibiaotong.ingest.review import confirm_link, list_conflicts, list_links, reject_link, resolve_conflict

__all__ = ["ImportReport", "Limits", "confirm_link", "import_file", "list_conflicts", "list_links", "reject_link",
           "resolve_conflict"]
