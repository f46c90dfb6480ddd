"""What a file must pass before it is opened: its size, and for zip-based workbooks the size it
unpacks to (a "zip bomb" is a small .xlsx that unpacks to gigabytes and would exhaust memory).

Limits are settings, not constants: ``YBT_IMPORT_MAX_MB`` (the file, default 150 MB — a roster
of a million rows is about 100 MB), ``YBT_IMPORT_MAX_UNPACKED_MB`` (default 2048 MB) and
``YBT_IMPORT_MAX_RATIO`` (unpacked ÷ packed, default 100: real workbooks compress 5-20 times).
"""

from __future__ import annotations

import os
import zipfile
from dataclasses import dataclass
from pathlib import Path

from yibiaotong.errors import Problem
from yibiaotong.forms.sources import sniff

MB = 1024 * 1024


@dataclass(frozen=True)
class Limits:
    max_bytes: int = 150 * MB
    max_unpacked: int = 2048 * MB
    max_ratio: float = 100.0

    @classmethod
    def from_env(cls, max_mb: float | None = None) -> Limits:
        env = os.environ.get
        return cls(
            max_bytes=int((max_mb if max_mb is not None else float(env("YBT_IMPORT_MAX_MB", 150))) * MB),
            max_unpacked=int(float(env("YBT_IMPORT_MAX_UNPACKED_MB", 2048)) * MB),
            max_ratio=float(env("YBT_IMPORT_MAX_RATIO", 100)),
        )


def check_file(path: Path, limits: Limits) -> tuple[str | None, list[Problem]]:
    """The file's real kind ('xlsx', 'xls', 'csv', 'ods'), or None and why it cannot be imported."""
    where = {"file": path.name}
    if path.is_dir():
        return None, [Problem("file-is-folder", {}, where)]
    if not path.is_file():
        return None, [Problem("file-not-found", {}, {"file": str(path)})]
    size = path.stat().st_size
    if size > limits.max_bytes:
        return None, [Problem("file-too-large", {"size_mb": round(size / MB, 1),
                                                 "limit_mb": round(limits.max_bytes / MB, 1)}, where)]
    try:
        kind = sniff(path)
        if kind in ("zip", "binary"):
            damage = _damaged_workbook(path)
            if damage:
                return None, [Problem("file-incomplete", {"reason": damage[0], "reason_en": damage[1]}, where)]
    except PermissionError:
        return None, [Problem("file-no-permission", {}, where)]
    if kind in ("empty", "encrypted", "web-page", "zip", "binary"):
        code = {"empty": "file-empty", "encrypted": "file-encrypted", "web-page": "file-is-web-page"}
        return None, [Problem(code.get(kind, "file-not-spreadsheet"), {}, where)]
    if kind in ("xlsx", "ods"):
        problem = _zip_bomb(path, size, limits)
        if problem:
            return None, [problem.at(**where)]
    return kind, []


def _damaged_workbook(path: Path) -> tuple[str, str] | None:
    """Why a zip that begins as a workbook is none (in Chinese and English), or None when it is some
    other zip or no zip at all. A download or upload cut short leaves a zip without its directory."""
    with path.open("rb") as fh:
        if fh.read(4) != b"PK\x03\x04":
            return None
    try:
        with zipfile.ZipFile(path) as zf:
            names = set(zf.namelist())
    except zipfile.BadZipFile:
        return "文件不完整，结尾部分缺失", "the file is cut short: its end is missing"
    if "[Content_Types].xml" in names and any(n.startswith("xl/") for n in names):
        return "缺少工作簿部件 xl/workbook.xml", "the part xl/workbook.xml is missing"
    return None


def _zip_bomb(path: Path, size: int, limits: Limits) -> Problem | None:
    """Sizes from the zip's directory, read without unpacking anything."""
    try:
        with zipfile.ZipFile(path) as zf:
            unpacked = sum(info.file_size for info in zf.infolist())
    except zipfile.BadZipFile:
        return Problem("file-unreadable", {"reason": "zip directory damaged"})
    ratio = unpacked / max(size, 1)
    if unpacked > limits.max_unpacked or ratio > limits.max_ratio:
        return Problem("file-zip-bomb", {"unpacked_mb": round(unpacked / MB, 1), "ratio": round(ratio)})
    return None
