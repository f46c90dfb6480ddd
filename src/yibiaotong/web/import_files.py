"""Uploads for the import page (上传文件): streamed to disk with a size limit, kept for a day per app.

The multipart body is parsed as it arrives and the file's bytes go straight into the upload's own
folder under the app's import directory (``YBT_IMPORT_DIR``, default the system temp directory,
one per database; never the repository), so a 50 MB roster is never held in memory nor copied
from a temporary file. The bytes are counted as they arrive: past ``YBT_IMPORT_MAX_MB`` (the limit
of ``ybt import``) the upload stops at once. Each upload's folder then holds the job's progress,
its result and its error workbook; folders older than a day go.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import secrets
import shutil
import tempfile
import threading
import time
import unicodedata
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

from fastapi import Request
from python_multipart import MultipartParser
from python_multipart.exceptions import FormParserError
from python_multipart.multipart import parse_options_header
from starlette.concurrency import run_in_threadpool

from yibiaotong.errors import Problem, YbtError
from yibiaotong.files import write_text_whole

KEEP_SECONDS = 24 * 3600
FORM_SLACK = 256 * 1024  # multipart boundaries and the small fields around the file
MAX_FIELDS, MAX_FIELD_BYTES = 20, 64 * 1024
WRITE_AT = 1 << 20  # bytes gathered before they are written (in a worker thread, off the event loop)
_STATE_LOCK = threading.Lock()


class ImportFiles:
    """Uploads, their results and error workbooks, one folder per import job, removed after a day.

    ``YBT_IMPORT_DIR`` chooses the folder; by default it is in the system's temp directory, one
    per database (two apps on one machine never see each other's uploads)."""

    def __init__(self, root: Path, keep: float = KEEP_SECONDS):
        self.root, self.keep = Path(root), keep
        self.root.mkdir(parents=True, exist_ok=True, mode=0o700)
        self._cleaned = 0.0

    @classmethod
    def of(cls, app) -> ImportFiles:
        with _STATE_LOCK:
            files = getattr(app.state, "imports", None)
            if files is None:
                root = os.environ.get("YBT_IMPORT_DIR")
                if not root:
                    db = hashlib.sha256(str(app.state.engine.url).encode()).hexdigest()[:12]
                    root = Path(tempfile.gettempdir()) / f"yibiaotong-imports-{db}"
                files = app.state.imports = cls(Path(root))
            return files

    def new(self) -> tuple[str, Path]:
        self.clean()
        upload_id = secrets.token_urlsafe(18)
        folder = self.root / upload_id
        folder.mkdir(mode=0o700)
        return upload_id, folder

    def folder(self, upload_id: str) -> Path | None:
        """The upload's folder while it is kept (None for anything that is not an upload's id)."""
        if not re.fullmatch(r"[A-Za-z0-9_-]{16,40}", upload_id or ""):
            return None
        folder = self.root / upload_id
        return folder if folder.is_dir() and not self._expired(folder) else None

    def save(self, folder: Path, report: dict[str, Any]) -> None:
        # a reader sees the whole report or none
        write_text_whole(folder / "report.json", json.dumps(report, ensure_ascii=False, default=str))

    def report(self, upload_id: str) -> dict[str, Any] | None:
        folder = self.folder(upload_id)
        try:
            return json.loads((folder / "report.json").read_text(encoding="utf-8")) if folder else None
        except OSError:
            return None

    def workbook(self, upload_id: str) -> Path | None:
        folder = self.folder(upload_id)
        path = folder / "errors.xlsx" if folder else None
        return path if path and path.is_file() else None

    def remove(self, upload_id: str) -> None:
        folder = self.folder(upload_id)
        if folder is not None:
            shutil.rmtree(folder, ignore_errors=True)

    def _expired(self, folder: Path) -> bool:
        try:
            return time.time() - folder.stat().st_mtime > self.keep
        except OSError:
            return True

    def clean(self) -> None:
        """Remove uploads older than a day (at most once a minute)."""
        if time.monotonic() - self._cleaned < 60:
            return
        self._cleaned = time.monotonic()
        for folder in self.root.iterdir():
            if folder.is_dir() and self._expired(folder):
                shutil.rmtree(folder, ignore_errors=True)


class TooLarge(Exception):
    def __init__(self, size: int):
        self.size = size


class Upload:
    """The request's fields and the file, saved under its own (cleaned) name for provenance."""

    def __init__(self, fields: dict[str, str], name: str, path: Path | None, size: int = 0):
        self.fields, self.name, self.path, self.size = fields, name, path, size

    def get(self, key: str) -> str:
        return self.fields.get(key, "").strip()

    @property
    def strict(self) -> bool:
        return self.get("strict").lower() in ("1", "true", "on", "yes")


def clean_name(name: str) -> str:
    """The uploaded file's own name without any folder, control characters or odd length."""
    name = unicodedata.normalize("NFC", str(name or "")).replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if ch.isprintable() and ch not in '<>:"|?*').strip(" .")
    if len(name) > 120:
        stem, dot, suffix = name.rpartition(".")
        name = (stem[:110] + dot + suffix[:8]) if dot else name[:120]
    return name


def _bad_form(reason: str, reason_en: str) -> YbtError:
    return YbtError(Problem("invalid-request", {"reason": reason, "reason_en": reason_en}))


class _Parts:
    """python-multipart's callbacks: small fields kept as text, the one file part written to
    ``folder`` as it arrives. (Starlette's own form parser would spool the file into the system's
    temp directory first; the upload belongs in the import directory, once.)"""

    def __init__(self, folder: Path, limit: int):
        self.folder, self.limit = folder, limit
        self.fields: dict[str, str] = {}
        self.name, self.path, self.size = "", None, 0
        self._out = None
        self._pending: list[bytes] = []
        self._pending_bytes = 0
        self._header, self._value = b"", b""
        self._disposition = b""
        self._field: str | None = None
        self._data = bytearray()
        self._is_file = False

    def callbacks(self) -> dict[str, Any]:
        return {"on_part_begin": self.begin, "on_header_field": self.header_field,
                "on_header_value": self.header_value, "on_header_end": self.header_end,
                "on_headers_finished": self.headers_finished, "on_part_data": self.data, "on_part_end": self.end}

    def begin(self) -> None:
        self._disposition, self._field, self._is_file = b"", None, False
        self._data = bytearray()

    def header_field(self, data: bytes, start: int, end: int) -> None:
        self._header += data[start:end]

    def header_value(self, data: bytes, start: int, end: int) -> None:
        self._value += data[start:end]

    def header_end(self) -> None:
        if self._header.lower() == b"content-disposition":
            self._disposition = self._value
        self._header, self._value = b"", b""

    def headers_finished(self) -> None:
        _kind, options = parse_options_header(self._disposition)
        self._field = options.get(b"name", b"").decode("utf-8", "replace")
        if b"filename" not in options:
            if len(self.fields) >= MAX_FIELDS:
                raise _bad_form("表单字段太多", "too many form fields")
            return
        if self._field != "file" or self.path is not None or self._out is not None:
            raise _bad_form("一次只能上传一个文件", "upload one file, as the field `file`")
        self._is_file = True
        raw = options[b"filename"].decode("utf-8", "replace")
        if raw.strip():
            self.name = clean_name(raw) or "上传文件"
            self.path = self.folder / self.name
            self._out = self.path.open("wb")

    def data(self, data: bytes, start: int, end: int) -> None:
        if not self._is_file:
            self._data += data[start:end]
            if len(self._data) > MAX_FIELD_BYTES:
                raise _bad_form(f"表单字段“{self._field}”太长", f"form field {self._field!r} is too long")
            return
        if self._out is None:
            return  # a file input left empty: the browser sends no name and no bytes
        self.size += end - start
        if self.size > self.limit:
            raise TooLarge(self.size)
        self._pending.append(data[start:end])
        self._pending_bytes += end - start

    def end(self) -> None:
        if not self._is_file and self._field:
            self.fields[self._field] = self._data.decode("utf-8", "replace")

    @property
    def due(self) -> bool:
        return self._pending_bytes >= WRITE_AT

    def flush(self) -> None:
        if self._out is not None and self._pending:
            self._out.writelines(self._pending)
        self._pending, self._pending_bytes = [], 0

    def close(self) -> None:
        if self._out is not None:
            self._out.close()


async def _small_form(request: Request) -> dict[str, str]:
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > FORM_SLACK:
            raise _bad_form("表单数据太大", "the form is too large")
    pairs = parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True, max_num_fields=MAX_FIELDS)
    return dict(pairs)


async def read_upload(request: Request, folder: Path, limit: int) -> Upload:
    """Parse the multipart body as it arrives, the file straight into ``folder``; past ``limit``
    it stops reading (TooLarge)."""
    length = request.headers.get("content-length", "")
    if length.isdigit() and int(length) > limit + FORM_SLACK:
        raise TooLarge(int(length))
    kind, options = parse_options_header(request.headers.get("content-type", ""))
    if kind == b"application/x-www-form-urlencoded":  # a form without a file: its fields say what is missing
        return Upload(await _small_form(request), "", None)
    if kind != b"multipart/form-data" or not options.get(b"boundary"):
        raise _bad_form("请用表单上传文件（multipart/form-data，文件字段名为 file）",
                        "send the file as multipart/form-data, in the field `file`")
    parts = _Parts(folder, limit)
    parser = MultipartParser(options[b"boundary"], parts.callbacks())
    received = 0
    try:
        async for chunk in request.stream():
            received += len(chunk)
            if received > limit + FORM_SLACK:
                raise TooLarge(received)
            parser.write(chunk)
            if parts.due:
                await run_in_threadpool(parts.flush)
        parser.finalize()
        await run_in_threadpool(parts.flush)
    except FormParserError:
        raise _bad_form("上传的表单数据不完整或格式有误，请重新上传", "the multipart body is malformed") from None
    finally:
        parts.close()
    return Upload(parts.fields, parts.name, parts.path, parts.size)
