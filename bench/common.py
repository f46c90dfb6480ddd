"""Shared helpers for the benchmarks: peak memory, timing, the JSON last line, the shared data."""

from __future__ import annotations

import json
import os
import resource
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def shared_data(name: str) -> Path:
    """shared/data/<name>: in $YBT_SHARED, beside the checkout, or in /work/shared (as tests/shared.py finds it)."""
    for base in filter(None, [os.environ.get("YBT_SHARED"), ROOT.parent / "shared", Path("/work/shared")]):
        path = Path(base) / "data" / name
        if path.exists():
            return path
    sys.exit(f"cannot find shared/data/{name}: set YBT_SHARED to the folder that holds data/")


def peak_rss_mb(children: bool = False) -> float:
    who = resource.RUSAGE_CHILDREN if children else resource.RUSAGE_SELF
    return round(resource.getrusage(who).ru_maxrss / 1024, 1)


def machine() -> str:
    return f"{os.cpu_count()} cores, Python {sys.version.split()[0]}"


def emit(result: dict) -> None:
    """The last line every benchmark prints: one JSON object."""
    print(json.dumps(result, ensure_ascii=False))


def _rss_mb(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
    except (OSError, ValueError):  # gone meanwhile
        return 0.0


def _children(pid: int) -> list[int]:
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            return [int(c) for c in f.read().split()]
    except OSError:
        return []


class TreeMemory:
    """The largest RSS of a process and its children together, sampled every ``every`` seconds
    (Linux /proc): each process's own peak is exact, but added they are only an upper bound, since
    the two need not peak at once."""

    def __init__(self, pid: int, every: float = 0.1):
        self.pid, self.every, self.peak_mb = pid, every, 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()

    def _sample(self) -> None:
        while not self._stop.is_set():
            total = _rss_mb(self.pid) + sum(_rss_mb(c) for c in _children(self.pid))
            self.peak_mb = max(self.peak_mb, total)
            time.sleep(self.every)

    def stop(self) -> float:
        self._stop.set()
        self._thread.join()
        return round(self.peak_mb, 1)
