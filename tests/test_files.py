"""Files written whole or not at all: a failed write leaves what was there, and no half file."""

from __future__ import annotations

import errno

import pytest

from yibiaotong.errors import YbtError
from yibiaotong.files import partial_of, place_unwritable, write_failure, write_text_whole, writing, written_whole


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


def test_a_write_that_fails_is_said_as_the_output_it_could_not_write_and_why(tmp_path):
    blocker = tmp_path / "报表"
    blocker.write_text("a file where a folder should be", encoding="utf-8")
    target = blocker / "一月.xlsx"
    with pytest.raises(YbtError) as caught, writing(target):
        target.write_bytes(b"PK")
    (problem,) = caught.value.problems
    assert problem.code == "output-unwritable" and problem.params["path"] == str(target)
    assert problem.params["reason"] == "路径中的某一级不是文件夹" and problem.params["reason_en"]
    assert problem.message_zh == f"无法写出文件“{target}”：路径中的某一级不是文件夹" and problem.hint_zh
    with pytest.raises(YbtError) as caught, writing(target):
        target.parent.mkdir(parents=True, exist_ok=True)
    assert caught.value.problems[0].params["reason"] == "同名的文件占用了要建文件夹的位置"


def test_a_cause_without_clerks_words_is_still_a_reason():
    assert write_failure(OSError(errno.EIO, "Input/output error")) == {"reason": "文件无法写入",
                                                                      "reason_en": "Input/output error", "cause": "EIO"}
    assert write_failure(OSError(errno.ENOSPC, "No space left on device"))["reason"] == "磁盘空间不足"


@pytest.mark.parametrize(("code", "everywhere"), [(errno.ENOSPC, True), (errno.EACCES, True), (errno.ENOENT, True),
                                                  (errno.ENAMETOOLONG, False), (errno.EISDIR, False)])
def test_a_failure_of_the_place_is_told_from_one_of_a_file(tmp_path, code, everywhere):
    """A full disk or a folder without permission takes no file at all; a name too long, or a
    folder where one file should go, fails that file alone."""
    with pytest.raises(YbtError) as caught, writing(tmp_path / "一月.xlsx"):
        raise OSError(code, "the system's words")
    assert place_unwritable(caught.value.problems) is everywhere
