"""Python's cycle collector while a file is imported.

An import allocates millions of short-lived lists, tuples and strings (a chunk of 20,000 rows is
300,000 cells) and frees them a chunk later; none of them is in a reference cycle. With the
default thresholds the collector runs every 700 allocations and, as the chunks pile up between
runs, traverses ever more live objects: about a tenth of an import's CPU time, in the importing
process and in the reading process alike. While any import runs in a process, the collector runs
every 100,000 allocations instead (it still runs: a cycle made meanwhile is freed, a little later).
"""

from __future__ import annotations

import contextlib
import gc
import threading
from collections.abc import Iterator

IMPORT_THRESHOLDS = (100_000, 50, 100)

_lock = threading.Lock()
_running = 0
_before: tuple[int, int, int] | None = None


@contextlib.contextmanager
def fewer_collections() -> Iterator[None]:
    """The collector's import thresholds while the block runs, the process's own after the last
    import of the process (web uploads run in threads, one beside another) has ended."""
    global _running, _before
    with _lock:
        if _running == 0:
            _before = gc.get_threshold()
            gc.set_threshold(*IMPORT_THRESHOLDS)
        _running += 1
    try:
        yield
    finally:
        with _lock:
            _running -= 1
            if _running == 0 and _before is not None:
                gc.set_threshold(*_before)
                _before = None
