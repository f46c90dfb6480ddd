"""Reading a large .xlsx sheet in a second process while the import converts and writes.

calamine's parsing holds Python's lock, so in a thread it would not overlap the conversion and
the writing; in a process of its own it runs on another core. The child reads the sheet's parts
(:func:`yibiaotong.ingest.workbook.part_rows`, the same reading as in the importing process),
cuts them into chunks of rows, turns each chunk into columns and sends it through a pipe: a
column of texts as one string joined by a separator (split again at the other end, far cheaper
than pickling each cell), any other column pickled. At most the chunk being read and the one in
the pipe are ahead of the import, so memory stays bounded.

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
from collections.abc import Iterator
from itertools import dropwhile
from pathlib import Path
from typing import Any

from yibiaotong.ingest import workbook
from yibiaotong.ingest.workbook import Chunk

_SEPARATOR = "\x1f"  # ASCII unit separator: almost never in a cell, and checked for
_LENGTH = struct.Struct("<Q")
_TEXT, _OBJECTS, _END, _ERROR = 0, 1, 2, 3


def chunks(path: Path, name: str, scan: Any, first: int, size: int) -> Iterator[Chunk]:
    """The sheet's rows from ``first`` on, ``size`` at a time, read by a child process."""
    package = Path(workbook.__file__).resolve().parents[2]  # where yibiaotong is imported from
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(package), os.environ.get("PYTHONPATH")]))}
    child = subprocess.Popen([sys.executable, "-m", "yibiaotong.ingest.reader"], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, env=env)
    try:
        # the part sizes go along: they are the importing process's (tests make them small)
        job = (str(path), name, scan, first, size, workbook.PART_BYTES, workbook.FIRST_PART_BYTES)
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


def _packed(chunk: Chunk) -> tuple[list[int], list[tuple[int, Any]]]:
    columns = []
    for column in chunk.columns:
        if column and set(map(type, column)) == {str}:
            joined = _SEPARATOR.join(column)
            if joined.count(_SEPARATOR) == len(column) - 1:
                columns.append((_TEXT, joined))
                continue
        columns.append((_OBJECTS, column))
    return chunk.numbers, columns


def _unpacked(body: tuple[list[int], list[tuple[int, Any]]]) -> Chunk:
    numbers, columns = body
    return Chunk(numbers, [values.split(_SEPARATOR) if kind == _TEXT else values for kind, values in columns])


def _send(out, message: Any) -> None:
    data = pickle.dumps(message, pickle.HIGHEST_PROTOCOL)
    out.write(_LENGTH.pack(len(data)))
    out.write(data)
    out.flush()


def _main() -> None:
    """The child: read the job from stdin, send chunks to stdout (nothing else may go there)."""
    out = sys.stdout.buffer
    sys.stdout = sys.stderr
    path, name, scan, first, size, workbook.PART_BYTES, workbook.FIRST_PART_BYTES = pickle.load(sys.stdin.buffer)
    try:
        rows = dropwhile(lambda item: item[0] < first, workbook.part_rows(Path(path), name, scan))
        for chunk in workbook.chunked(rows, size):
            _send(out, (_OBJECTS, _packed(chunk)))
        _send(out, (_END, None))
    except BrokenPipeError:
        os._exit(0)  # the import went away: nobody to tell (and nothing left to flush)
    except Exception as exc:  # said in the importing process, as if read there
        try:
            pickle.dumps(exc)
        except Exception:  # an exception that does not travel: its class and words do
            exc = OSError(f"{exc.__class__.__name__}: {exc}")
        _send(out, (_ERROR, exc))


if __name__ == "__main__":
    _main()
