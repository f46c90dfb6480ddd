"""Files the platform writes for people and for its own jobs (reports, error workbooks, a job's
zip, an import's result and progress): written under a temporary name beside their place and
moved there when complete, so a reader — or a crash, or a failed write — never leaves or shows
half a file, and a file that was there stays until the new one is whole."""

from __future__ import annotations

import contextlib
import errno
import os
from collections.abc import Iterator
from pathlib import Path

from yibiaotong.errors import Problem, YbtError

# why a file could not be written, in words a clerk knows (the system's own words go in the English text)
_WRITE_FAILURES = {errno.ENOENT: "要写入的文件夹不存在", errno.ENOTDIR: "路径中的某一级不是文件夹",
                   errno.ENOSPC: "磁盘空间不足", errno.EDQUOT: "磁盘空间配额已用完", errno.EACCES: "没有写入权限",
                   errno.EPERM: "没有写入权限", errno.EROFS: "磁盘是只读的", errno.EISDIR: "同名的文件夹占用了这个位置",
                   errno.EEXIST: "同名的文件占用了要建文件夹的位置",
                   errno.ENAMETOOLONG: "文件名或路径太长"}


# failures of the place written to, not of one file: every other file there fails alike
_PLACE_FAILURES = frozenset({"ENOENT", "ENOTDIR", "EEXIST", "ENOSPC", "EDQUOT", "EACCES", "EPERM", "EROFS"})


def write_failure(exc: OSError) -> dict[str, str]:
    """Why ``exc`` stopped a write: ``reason`` for the clerk, ``reason_en`` the system's own words,
    ``cause`` its errno's name."""
    return {"reason": _WRITE_FAILURES.get(exc.errno, "文件无法写入"), "reason_en": exc.strerror or str(exc),
            "cause": errno.errorcode.get(exc.errno or 0, "")}


def place_unwritable(problems: list[Problem]) -> bool:
    """Whether one of ``problems`` says that the place files are written to takes none (no such
    folder, no permission, a full disk), not only that one file could not be written there."""
    return any(p.code == "output-unwritable" and p.params.get("cause") in _PLACE_FAILURES for p in problems)


@contextlib.contextmanager
def writing(target: str | Path) -> Iterator[None]:
    """An OSError in the block (no such folder, no space, no permission …) becomes the user's
    ``output-unwritable`` problem naming ``target`` and why, not a traceback."""
    try:
        yield
    except OSError as exc:
        raise YbtError(Problem("output-unwritable", {"path": str(target), **write_failure(exc)})) from exc


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
