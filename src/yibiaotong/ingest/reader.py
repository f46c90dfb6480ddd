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

import os
import pickle
import struct
import subprocess
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from itertools import compress, dropwhile
from operator import is_not
from pathlib import Path
from typing import Any

from yibiaotong.elements.model import CodeList, Element
from yibiaotong.ingest import workbook
from yibiaotong.ingest.convert import ColumnConverter, compile_column
from yibiaotong.ingest.workbook import Chunk

_SEPARATOR = "\x1f"  # ASCII unit separator: almost never in a cell, and checked for
_LENGTH = struct.Struct("<Q")
_TEXT, _OBJECTS, _END, _ERROR, _SAME = 0, 1, 2, 3, 4


@dataclass
class Conversion:
    """What the reading process converts: per planned column, its sheet column (0-based), its
    element and the unit the file states, converted as :func:`compile_column` converts them."""

    columns: list[tuple[int, Element, str | None]]
    codelists: Mapping[str, CodeList]

    def compile(self) -> list[tuple[int, ColumnConverter]]:
        return [(index, compile_column(element, self.codelists, unit)) for index, element, unit in self.columns]


def chunks(path: Path, name: str, scan: Any, first: int, size: int, conversion: Conversion | None = None
           ) -> Iterator[Chunk]:
    """The sheet's rows from ``first`` on, ``size`` at a time, read (and converted) by a child process."""
    package = Path(workbook.__file__).resolve().parents[2]  # where yibiaotong is imported from
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(package), os.environ.get("PYTHONPATH")]))}
    child = subprocess.Popen([sys.executable, "-c", "from yibiaotong.ingest.reader import main; main()"],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env)
    try:
        # the part sizes go along: they are the importing process's (tests make them small)
        job = (str(path), name, scan, first, size, conversion, workbook.PART_BYTES, workbook.FIRST_PART_BYTES)
        child.stdin.write(pickle.dumps(job, pickle.HIGHEST_PROTOCOL))
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
        child.stdout.close()
        if child.poll() is None:  # the import stopped before the sheet's end
            child.kill()
        child.wait()


def _packed(chunk: Chunk) -> tuple[list[int], list[tuple[int, Any]], list | None]:
    columns = []
    for column in chunk.columns:
        if column and set(map(type, column)) == {str}:
            joined = _SEPARATOR.join(column)
            if joined.count(_SEPARATOR) == len(column) - 1:
                columns.append((_TEXT, joined))
                continue
        columns.append((_OBJECTS, column))
    return chunk.numbers, columns, chunk.converted


def _unpacked(body: tuple[list[int], list[tuple[int, Any]], list | None]) -> Chunk:
    numbers, columns, converted = body
    chunk = Chunk(numbers, [values.split(_SEPARATOR) if kind == _TEXT else values for kind, values in columns])
    if converted is not None:
        chunk.converted = [(_same_but(chunk.column(index), values) if kind == _SAME else values, bad)
                           for index, kind, values, bad in converted]
    return chunk


def _converted(chunk: Chunk, converters: list[tuple[int, ColumnConverter]]) -> list[tuple[int, int, Any, dict]]:
    """Each planned column converted; one whose values are its cells but for a few goes as those few."""
    out = []
    for index, convert in converters:
        cells = chunk.column(index)
        values, bad = convert(cells)
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
    """The child: read the job from stdin, send chunks to stdout (nothing else may go there)."""
    out = sys.stdout.buffer
    sys.stdout = sys.stderr
    job = pickle.load(sys.stdin.buffer)
    path, name, scan, first, size, conversion, workbook.PART_BYTES, workbook.FIRST_PART_BYTES = job
    try:
        converters = conversion.compile() if conversion is not None else None
        rows = dropwhile(lambda item: item[0] < first, workbook.part_rows(Path(path), name, scan))
        for chunk in workbook.chunked(rows, size):
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
