"""Reading a large .xlsx sheet in a second process while the import writes.

calamine's parsing holds Python's lock, so in a thread it would not overlap the conversion and
the writing; in a process of its own it runs on another core. The child reads the sheet's parts
(:func:`yibiaotong.ingest.workbook.part_rows`, the same reading as in the importing process),
cuts them into chunks of rows, turns each chunk into columns, converts the planned columns with
the same converters the plan has (:class:`Conversion`) and sends it through a pipe: a column of
texts as one string joined by a separator (split again at the other end, far cheaper than
pickling each cell), any other column pickled; a converted column that is its cells as they
are (names, ID numbers, phones) goes as the few cells that differ. At most the chunk being read
and the one in the pipe are ahead of the import, so memory stays bounded.

The child ends with the import: when the importing process goes away (even killed), the pipe
breaks and the child's next write fails; an import that stops early ends the child itself.
The database is never touched here.
"""

from __future__ import annotations

import contextlib
import gc
import os
import pickle
import struct
import subprocess
import sys
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time
from itertools import chain, compress
from operator import is_not
from pathlib import Path
from typing import Any

from yibiaotong.elements.model import CodeList, Element
from yibiaotong.ingest import workbook
from yibiaotong.ingest.collector import IMPORT_THRESHOLDS
from yibiaotong.ingest.convert import ColumnConverter, compile_column
from yibiaotong.ingest.workbook import Chunk

_SEPARATOR = "\x1f"  # ASCII unit separator: almost never in a cell, and checked for
_LENGTH = struct.Struct("<Q")
_TEXT, _OBJECTS, _END, _ERROR, _SAME = 0, 1, 2, 3, 4
# the child's parts are smaller than those read in the importing process: the first rows come
# sooner, and the child's memory adds to the import's
PART_BYTES = 16 * 1024 * 1024
# rows read at most before the import says where the data starts (it is scanning the sheet meanwhile)
READ_AHEAD_ROWS = 100_000
_SAMPLE = 200  # rows of a converted column looked at to choose how it travels (see _converted)


# columns the importing process converts itself: their cells travel as text anyway, and finding
# the few that are not clean is a few passes in C there, while the reading process is the busier
IMPORTER_CONVERTS = frozenset({"text", "id_number", "phone", "mobile"})


@dataclass
class Conversion:
    """What the reading process converts: per planned column, its sheet column (0-based), its
    element and the unit the file states, converted as :func:`compile_column` converts them;
    None for a column the importing process converts (see :meth:`of`)."""

    columns: list[tuple[int, Element, str | None] | None]
    codelists: Mapping[str, CodeList]

    @classmethod
    def of(cls, columns: list[tuple[int, Element, str | None]], codelists: Mapping[str, CodeList]) -> Conversion:
        return cls([None if element.type in IMPORTER_CONVERTS else (index, element, unit)
                    for index, element, unit in columns], codelists)

    def compile(self) -> list[tuple[int, ColumnConverter] | None]:
        return [None if c is None else self._compiled(*c) for c in self.columns]

    def _compiled(self, index: int, element: Element, unit: str | None) -> tuple[int, ColumnConverter]:
        return index, compile_column(element, self.codelists, unit)


class Reading:
    """A child process reading one large sheet. Started as soon as the sheet is found, it reads
    its first rows ahead while this process scans the sheet and recognises its form; it goes on
    when :meth:`chunks` says from which row, in what chunks and with which converters."""

    def __init__(self, path: Path, name: str, member: str):
        package = Path(workbook.__file__).resolve().parents[2]  # where yibiaotong is imported from
        env = {**os.environ,
               "PYTHONPATH": os.pathsep.join(filter(None, [str(package), os.environ.get("PYTHONPATH")]))}
        # a group of its own: the terminal's Ctrl+C stops the importing process, which ends this one
        # (close), without a traceback of the child's own on the clerk's screen
        self.child = subprocess.Popen([sys.executable, "-c", "from yibiaotong.ingest.reader import main; main()"],
                                      stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env, process_group=0)
        # the part sizes go along: they are this process's (tests make them small)
        parts = (min(workbook.PART_BYTES, PART_BYTES), workbook.FIRST_PART_BYTES)
        self._tell((str(path), name, member, *parts))

    def chunks(self, first: int, size: int, conversion: Conversion | None = None) -> Iterator[Chunk]:
        """The sheet's rows from ``first`` on, ``size`` at a time, read (and converted) by the child."""
        child = self.child
        try:
            self._tell((first, size, conversion))
            child.stdin.close()
            while True:
                head = child.stdout.read(_LENGTH.size)
                if len(head) < _LENGTH.size:
                    child.wait()
                    raise OSError(f"the process reading the sheet ended early (exit code {child.returncode})")
                kind, body = pickle.loads(child.stdout.read(_LENGTH.unpack(head)[0]))
                if kind == _END:
                    return
                if kind == _ERROR:
                    raise body
                yield _unpacked(body)
        finally:
            self.close()

    def close(self) -> None:
        """End the child, whether or not it was asked for the rows."""
        child = self.child
        if child.poll() is None:  # not asked, or the import stopped before the sheet's end
            child.kill()
        child.wait()
        for stream in (child.stdin, child.stdout):
            with contextlib.suppress(OSError):
                stream.close()

    def _tell(self, message: Any) -> None:
        try:
            self.child.stdin.write(pickle.dumps(message, pickle.HIGHEST_PROTOCOL))
            self.child.stdin.flush()
        except BrokenPipeError as exc:  # the child is gone: said where its rows are wanted
            raise OSError("the process reading the sheet ended early") from exc


# cells that equal only cells of their own kind (1, 1.0 and True are equal: ints and booleans are
# left as they are), and that are the same value when equal (a -0.0 may become 0.0: no element
# reads them differently)
_INTERNED = frozenset({str, float, datetime, date, time, type(None)})


def _packed(chunk: Chunk) -> tuple[list[int], list[tuple[int, Any]], list | None]:
    columns = []
    for column in chunk.columns:
        try:  # a column of texts (most are) joins; any other cell makes join fail at once
            joined = _SEPARATOR.join(column) if column else None
        except TypeError:
            joined = None
        if joined is not None and joined.count(_SEPARATOR) == len(column) - 1:
            columns.append((_TEXT, joined))
            continue
        if set(map(type, column)) <= _INTERNED:  # equal cells as one object (dates repeat): pickle writes each object once
            seen: dict[Any, Any] = {}
            column = list(map(seen.setdefault, column, column))
        columns.append((_OBJECTS, column))
    return chunk.numbers, columns, chunk.converted


def _unpacked(body: tuple[list[int], list[tuple[int, Any]], list | None]) -> Chunk:
    numbers, columns, converted = body
    chunk = Chunk(numbers, [values.split(_SEPARATOR) if kind == _TEXT else values for kind, values in columns])
    if converted is not None:  # None for a column the importing process converts
        chunk.converted = [None if c is None else _column_converted(chunk, *c) for c in converted]
    return chunk


def _column_converted(chunk: Chunk, index: int, kind: int, values: Any, bad: dict) -> tuple[list[Any], dict]:
    return (_same_but(chunk.column(index), values) if kind == _SAME else values), bad


def _converted(chunk: Chunk, converters: list[tuple[int, ColumnConverter] | None]
               ) -> list[tuple[int, int, Any, dict] | None]:
    """Each planned column converted; one whose values are its cells but for a few goes as those few."""
    out: list[tuple[int, int, Any, dict] | None] = []
    for converter in converters:
        if converter is None:
            out.append(None)
            continue
        index, convert = converter
        cells = chunk.column(index)
        values, bad = convert(cells)
        # most values differ from their cells (a label made a code, a text a date) or almost none do
        # (names): the first rows say which, sparing a pass that builds what is not sent
        head = min(len(values), _SAMPLE)
        if sum(map(is_not, values[:head], cells[:head])) >= head // 2:
            out.append((index, _OBJECTS, values, bad))
            continue
        differ = dict(compress(enumerate(values), map(is_not, values, cells)))
        if len(differ) < len(values) // 4:
            out.append((index, _SAME, differ, bad))
        else:
            out.append((index, _OBJECTS, values, bad))
    return out


def _same_but(cells, differ: dict[int, Any]) -> list[Any]:
    values = list(cells)
    for i, value in differ.items():
        values[i] = value
    return values


def _send(out, message: Any) -> None:
    data = pickle.dumps(message, pickle.HIGHEST_PROTOCOL)
    out.write(_LENGTH.pack(len(data)))
    out.write(data)
    out.flush()


def main() -> None:
    """The child: the sheet from stdin, its first rows read ahead, then from stdin where to start and
    how to convert; chunks to stdout (nothing else may go there). Without an answer (the sheet is
    not imported) it ends."""
    out, stdin = sys.stdout.buffer, sys.stdin.buffer
    sys.stdout = sys.stderr
    gc.set_threshold(*IMPORT_THRESHOLDS)  # this process only reads for an import (see .collector)
    path, name, member, workbook.PART_BYTES, workbook.FIRST_PART_BYTES = pickle.load(stdin)
    answer: list = []
    answered = threading.Event()

    def listen() -> None:
        with contextlib.suppress(EOFError):
            answer.append(pickle.load(stdin))
        answered.set()

    threading.Thread(target=listen, daemon=True).start()
    blocks = workbook.part_blocks(Path(path), name, workbook.SheetScan(member, 0))
    ahead: list = []
    failed: Exception | None = None
    try:  # rows read while the importing process scans the sheet and recognises its form
        read = 0
        while read < READ_AHEAD_ROWS and not answered.is_set():
            block = next(blocks, None)
            if block is None:
                break
            ahead.append(block)
            read += len(block[1])
    except Exception as exc:  # said if the rows are asked for
        failed = exc
    answered.wait()
    if not answer:
        return  # the sheet is not imported
    first, size, conversion = answer[0]
    try:
        if failed is not None:
            raise failed
        converters = conversion.compile() if conversion is not None else None
        for chunk in workbook.chunked_blocks(chain(ahead, blocks), first, size):
            body = _packed(chunk)
            if converters is not None:
                body = (*body[:2], _converted(chunk, converters))
            _send(out, (_OBJECTS, body))
        _send(out, (_END, None))
    except BrokenPipeError:
        os._exit(0)  # the import went away: nobody to tell (and nothing left to flush)
    except Exception as exc:  # said in the importing process, as if read there
        try:
            pickle.dumps(exc)
        except Exception:  # an exception that does not travel: its class and words do
            exc = OSError(f"{exc.__class__.__name__}: {exc}")
        _send(out, (_ERROR, exc))
