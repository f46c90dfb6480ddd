"""Files written whole or not at all: a failed write leaves what was there, and no half file."""

from __future__ import annotations

import pytest

from yibiaotong.files import partial_of, write_text_whole, written_whole


def test_a_file_appears_only_when_written_whole(tmp_path):
    target = tmp_path / "报表.xlsx"
    with written_whole(target) as partial:
        partial.write_bytes(b"whole")
        assert not target.exists() and partial.name == ".报表.xlsx.part"
    assert target.read_bytes() == b"whole" and list(tmp_path.iterdir()) == [target]


def test_a_failed_write_leaves_the_file_that_was_there_and_no_part(tmp_path):
    target = tmp_path / "report.json"
    write_text_whole(target, '{"rows": 1}')
    with pytest.raises(OSError), written_whole(target) as partial:
        partial.write_text("{half", encoding="utf-8")
        raise OSError("the disk is full")
    assert target.read_text(encoding="utf-8") == '{"rows": 1}'
    assert not partial_of(target).exists()
