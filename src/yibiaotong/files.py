"""Files the platform writes for people and for its own jobs (reports, error workbooks, a job's
zip, an import's result and progress): written under a temporary name beside their place and
moved there when complete, so a reader — or a crash, or a failed write — never leaves or shows
half a file, and a file that was there stays until the new one is whole."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path


def partial_of(target: Path) -> Path:
    """Where ``target`` is written until it is whole: beside it, hidden, ``.<name>.part``."""
    return target.with_name(f".{target.name}.part")


@contextlib.contextmanager
def written_whole(target: Path) -> Iterator[Path]:
    """Write to the path given; when the block ends without an error it becomes ``target``, and
    otherwise it is removed."""
    partial = partial_of(target)
    try:
        yield partial
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)


def write_text_whole(target: Path, text: str) -> None:
    with written_whole(target) as partial:
        partial.write_text(text, encoding="utf-8")


def close_workbook(wb) -> None:
    """Close an xlsxwriter workbook (it writes the file then); a file it could not create is the
    OSError that stopped it (its errno says why: no such folder, no space, no permission), not
    xlsxwriter's own exception, so callers say it as any file they could not write."""
    from xlsxwriter.exceptions import FileCreateError

    try:
        wb.close()
    except FileCreateError as exc:
        cause = exc.args[0] if exc.args else None
        raise (cause if isinstance(cause, OSError) else OSError(str(exc))) from exc
