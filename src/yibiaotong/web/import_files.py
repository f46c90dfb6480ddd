"""Uploads for the import page (上传文件): read with a size limit, kept for a day per app.

The body is counted as it arrives, so an upload past ``YBT_IMPORT_MAX_MB`` (the limit of
``ybt import``) is refused without being written to disk first. Each upload gets a folder under
a per-app data directory (``YBT_IMPORT_DIR``, default the system temp directory, one per database;
never the repository) holding its result and its error workbook; folders older than a day go.
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

from fastapi import Request
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

KEEP_SECONDS = 24 * 3600
FORM_SLACK = 256 * 1024  # multipart boundaries and the small fields around the file
RECENT = 20
_STATE_LOCK = threading.Lock()


class ImportFiles:
    """Uploads' results and error workbooks, one folder per upload, removed after a day.

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
        if not re.fullmatch(r"[A-Za-z0-9_-]{16,64}", upload_id or ""):
            return None
        folder = self.root / upload_id
        return folder if (folder / "meta.json").is_file() and not self._expired(folder) else None

    def save(self, folder: Path, meta: dict[str, Any], report: dict[str, Any]) -> None:
        (folder / "report.json").write_text(json.dumps(report, ensure_ascii=False, default=str), encoding="utf-8")
        (folder / "meta.json").write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")

    def meta(self, upload_id: str) -> dict[str, Any] | None:
        folder = self.folder(upload_id)
        return json.loads((folder / "meta.json").read_text(encoding="utf-8")) if folder else None

    def report(self, upload_id: str) -> dict[str, Any]:
        return json.loads((self.root / upload_id / "report.json").read_text(encoding="utf-8"))

    def workbook(self, upload_id: str) -> Path | None:
        folder = self.folder(upload_id)
        path = folder / "errors.xlsx" if folder else None
        return path if path and path.is_file() else None

    def recent(self, owner: str, limit: int = RECENT) -> list[dict[str, Any]]:
        self.clean()
        out = []
        for meta_path in self.root.glob("*/meta.json"):
            try:
                meta = json.loads(meta_path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                continue
            if meta.get("owner") == owner:
                out.append(meta)
        return sorted(out, key=lambda m: m["created"], reverse=True)[:limit]

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

    def __init__(self, fields: dict[str, str], name: str, path: Path | None):
        self.fields, self.name, self.path = fields, name, path

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


async def read_upload(request: Request, folder: Path, limit: int) -> Upload:
    """Parse the multipart body, counting bytes as they arrive: past the limit it stops (TooLarge)."""
    length = request.headers.get("content-length", "")
    if length.isdigit() and int(length) > limit + FORM_SLACK:
        raise TooLarge(int(length))
    received = 0

    async def receive():
        nonlocal received
        message = await request.receive()
        if message.get("type") == "http.request":
            received += len(message.get("body", b""))
            if received > limit + FORM_SLACK:
                raise TooLarge(received)
        return message

    form = await Request(request.scope, receive).form(max_files=1, max_fields=20)
    try:
        fields = {k: v for k, v in form.items() if isinstance(v, str)}
        upload = form.get("file")
        if not isinstance(upload, UploadFile) or not (upload.filename or "").strip():
            return Upload(fields, "", None)
        name = clean_name(upload.filename) or "上传文件"
        path = folder / name
        await run_in_threadpool(_copy, upload, path)
        return Upload(fields, name, path)
    finally:
        await form.close()


def _copy(upload: UploadFile, path: Path) -> None:
    upload.file.seek(0)
    with path.open("wb") as out:
        shutil.copyfileobj(upload.file, out, 1 << 20)
