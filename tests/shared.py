"""The project's shared data (shared/data: forms-dev.json, yongchuan-towns.csv), read-only, beside
the checkout. A clone elsewhere (CI clones into /tmp) finds it through $YBT_SHARED or the
workplace's /work/shared; tests that need it skip, saying where they looked, when it is nowhere."""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def places() -> list[Path]:
    return [Path(p) for p in (os.environ.get("YBT_SHARED"), ROOT.parent / "shared", "/work/shared") if p]


def shared_data(name: str) -> Path | None:
    """shared/data/<name>, or None when no place holds it."""
    return next((base / "data" / name for base in places() if (base / "data" / name).is_file()), None)


def not_found(name: str) -> str:
    return f"shared/data/{name} not found (looked in {', '.join(map(str, places()))}; set YBT_SHARED)"
