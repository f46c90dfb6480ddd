"""Shared helpers for the benchmarks: peak memory, timing, the JSON last line, the shared data."""

from __future__ import annotations

import json
import os
import resource
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def shared_data(name: str) -> Path:
    """../shared/data/<name> beside the checkout (CI lays shared/ there), or $YBT_SHARED_DIR."""
    for base in filter(None, [os.environ.get("YBT_SHARED_DIR"), ROOT.parent / "shared", Path("/work/shared")]):
        path = Path(base) / "data" / name
        if path.exists():
            return path
    sys.exit(f"cannot find shared/data/{name}: set YBT_SHARED_DIR to the folder that holds data/")


def peak_rss_mb(children: bool = False) -> float:
    who = resource.RUSAGE_CHILDREN if children else resource.RUSAGE_SELF
    return round(resource.getrusage(who).ru_maxrss / 1024, 1)


def machine() -> str:
    return f"{os.cpu_count()} cores, Python {sys.version.split()[0]}"


def emit(result: dict) -> None:
    """The last line every benchmark prints: one JSON object."""
    print(json.dumps(result, ensure_ascii=False))
