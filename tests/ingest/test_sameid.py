"""IdNames noting a batch's new ID numbers in bulk finds the clashes a row-by-row pass finds."""

from __future__ import annotations

import random

from yibiaotong.ingest.sameid import IdNames, name_as_said


def _row_by_row(batches):
    """What each batch's clashes are when its rows are taken one at a time, in row order."""
    first: dict[str, tuple[str, int]] = {}
    out = []
    for ids, names, numbers in batches:
        found = {}
        for i, (key, name, number) in enumerate(zip(ids, names, numbers)):
            if key in (None, ""):
                continue
            said = name_as_said(name)
            if key not in first or not first[key][0]:
                if key not in first or said:
                    first[key] = (said, number)
            elif said and said != first[key][0] and number != first[key][1]:
                found[i] = (None, first[key][1])
        out.append(found)
    return out


def test_bulk_noting_finds_what_a_row_by_row_pass_finds():
    rnd = random.Random(3)
    batches, number = [], 5
    for _batch in range(30):  # ID numbers again within a batch and across batches, names missing or other
        size = rnd.randrange(1, 40)
        ids = [rnd.choice([None, "", *(f"ID{k}" for k in range(60))]) for _ in range(size)]
        names = [rnd.choice([None, "", "张三", "张 三", "李四", "王五"]) for _ in range(size)]
        batches.append((ids, names, list(range(number, number + size))))
        number += size
    ids_names = IdNames()
    got = [ids_names.clashes(ids, names, numbers, range(len(ids))) for ids, names, numbers in batches]
    assert got == _row_by_row(batches)
    assert any(got)  # the batches had clashes to find
