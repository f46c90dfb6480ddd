"""The collector's thresholds while imports run in a process, and the process's own afterwards."""

from __future__ import annotations

import gc
import threading

from yibiaotong.ingest.collector import IMPORT_THRESHOLDS, fewer_collections


def test_imports_side_by_side_leave_the_process_thresholds_as_they_were():
    before = gc.get_threshold()
    first_in, second_out = threading.Event(), threading.Event()
    seen = []

    def second() -> None:
        assert first_in.wait(10)
        with fewer_collections():
            seen.append(gc.get_threshold())
        second_out.set()

    other = threading.Thread(target=second)
    other.start()
    with fewer_collections():
        first_in.set()
        assert second_out.wait(10)  # the other import ended first: this one still runs
        seen.append(gc.get_threshold())
    other.join()
    assert seen == [IMPORT_THRESHOLDS, IMPORT_THRESHOLDS]
    assert gc.get_threshold() == before


def test_a_failed_import_gives_the_thresholds_back():
    before = gc.get_threshold()
    try:
        with fewer_collections():
            raise RuntimeError("the import failed")
    except RuntimeError:
        pass
    assert gc.get_threshold() == before
