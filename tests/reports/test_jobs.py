"""Report jobs: a long run recorded, executed inline or in a thread, zipped, failing cleanly."""

from __future__ import annotations

import csv
import errno
import io
import os
import subprocess
import sys
import zipfile

import pytest
from sqlalchemy import func, select, update

from tests.reports.conftest import FAMILY, INDICATOR, RECORD, ROSTER, TOWN
from yibiaotong.errors import YbtError
from yibiaotong.reports import jobs
from yibiaotong.store.schema import report_job

ALL = [ROSTER, INDICATOR, RECORD, FAMILY]


@pytest.fixture
def folder(tmp_path):
    """Where jobs keep their files (the test's database lives in tmp_path itself)."""
    out = tmp_path / "jobs"
    out.mkdir()
    return out


def _count(engine) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(report_job)).scalar_one()


def test_a_job_is_checked_when_asked_for(district):
    with pytest.raises(YbtError) as bad:
        jobs.create_job(district.engine, "linjiang", "2024-13", "500118999000", ["不存在的表"], reveal=True)
    codes = {p.code for p in bad.value.problems}
    assert codes == {"invalid-period"}  # the period is read first: nothing else makes sense without it
    with pytest.raises(YbtError) as bad:
        jobs.create_job(district.engine, "linjiang", "2024-01", "500118999000", ["不存在的表"], reveal=True)
    assert {p.code for p in bad.value.problems} == {"unknown-org-unit", "unknown-form", "purpose-required"}
    assert "不存在的表" in " ".join(p.message_zh for p in bad.value.problems)
    assert _count(district.engine) == 0


def test_a_job_runs_inline_and_leaves_one_complete_zip(district, folder):
    job = jobs.create_job(district.engine, "linjiang", "2024-01", TOWN, ALL)
    assert (job.status, job.done, job.total) == ("queued", 0, 4)
    seen = []
    done = jobs.run_job(district.engine, job.id, folder, progress=lambda d, t, r: seen.append((d, t, r.form)))
    assert done.status == "done" and done.done == done.total == 4 and done.percent == 100
    assert [d for d, _t, _f in seen] == [1, 2, 3, 4]
    assert done.rows > 0
    zip_path = folder / f"report-job-{job.id}.zip"
    assert done.result_file == str(zip_path.resolve()) and done.result_bytes == zip_path.stat().st_size
    assert sorted(p.name for p in folder.iterdir()) == [zip_path.name]  # the work folder is gone
    with zipfile.ZipFile(zip_path) as zf:
        assert zf.testzip() is None
        names = zf.namelist()
        listing = list(csv.reader(io.StringIO(zf.read("生成情况.csv").decode("utf-8-sig"))))
    assert len([n for n in names if n.endswith(".xlsx")]) == 4 and all(n.startswith(f"{TOWN}_") for n in names[:4])
    assert listing[0] == ["单位代码", "单位", "报表", "行数", "文件", "说明"] and len(listing) == 5
    assert done.summary == {"files": 4, "failed": [], "failed_count": 0}
    with pytest.raises(YbtError):  # a job runs once
        jobs.run_job(district.engine, job.id, folder)


def test_a_job_runs_in_the_background_with_progress(district, folder):
    job = jobs.create_job(district.engine, "admin", "2024-01", None, [ROSTER, INDICATOR])  # every town
    assert job.total == 4  # 2 forms × 2 towns
    thread = jobs.start_job(district.engine, job.id, folder)
    thread.join(60)
    assert not thread.is_alive()
    done = jobs.get_job(district.engine, job.id)
    assert done.status == "done" and done.done == 4 and done.started_at <= done.finished_at
    assert jobs.list_jobs(district.engine, "admin")[0].id == job.id and jobs.list_jobs(district.engine, "other") == []


def test_a_failing_job_says_why_and_leaves_no_zip(district, folder, monkeypatch):
    job = jobs.create_job(district.engine, "linjiang", "2024-01", TOWN, ALL)

    def broken(work, results, partial):
        partial.write_bytes(b"PK half a zip")  # the disk filled up half way
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(jobs, "_zip", broken)
    failed = jobs.run_job(district.engine, job.id, folder)
    assert failed.status == "failed" and failed.result_file is None and failed.finished_at is not None
    assert [p.code for p in failed.problems] == ["output-unwritable"]  # the zip it could not write, and why
    zip_path = folder / f"report-job-{job.id}.zip"
    assert failed.problems[0].message_zh == f"无法写出文件“{zip_path}”：磁盘空间不足"
    assert "No space left on device" in failed.problems[0].message_en
    assert list(folder.iterdir()) == []  # neither the part nor a zip, nor the work folder


def test_a_folder_that_cannot_take_the_files_stops_the_job_once(district, folder, tmp_path):
    taken = tmp_path / "报表"
    taken.write_text("a file where the folder should be")
    job = jobs.create_job(district.engine, "admin", "2024-01", None, ALL)  # 4 forms × 2 towns
    seen = []
    failed = jobs.run_job(district.engine, job.id, folder, out_dir=taken, make_zip=False,
                          progress=lambda *args: seen.append(args))
    assert failed.status == "failed" and seen == []  # said once, not once for each form of each town
    assert [p.code for p in failed.problems] == ["output-unwritable"]
    assert failed.problems[0].message_zh.endswith("：路径中的某一级不是文件夹")
    assert str(taken) in failed.problems[0].message_zh


def test_a_job_that_fails_for_its_own_reasons_names_the_error_not_for_clerks(district, folder, monkeypatch):
    job = jobs.create_job(district.engine, "linjiang", "2024-01", TOWN, ALL)
    monkeypatch.setattr(jobs, "_summary", lambda results: 1 / 0)
    failed = jobs.run_job(district.engine, job.id, folder)
    assert [p.code for p in failed.problems] == ["report-job-failed"]
    assert "失败" in failed.problems[0].message_zh and "ZeroDivisionError" in failed.problems[0].message_en
    assert list(folder.iterdir()) == []


def test_a_problem_of_the_database_fails_the_job_in_the_middle(district, folder, monkeypatch):
    from yibiaotong.reports import generate

    job = jobs.create_job(district.engine, "linjiang", "2024-01", TOWN, ALL)
    calls = []
    real = generate.Reporter.report

    def flaky(self, *args, **kwargs):
        calls.append(1)
        if len(calls) == 3:
            raise RuntimeError("connection reset")
        return real(self, *args, **kwargs)

    monkeypatch.setattr(generate.Reporter, "report", flaky)
    failed = jobs.run_job(district.engine, job.id, folder)
    assert failed.status == "failed" and failed.done == 2 and not list(folder.iterdir())


def test_jobs_left_unfinished_by_a_dead_process_are_failed_on_start(district, folder):
    engine = district.engine
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    ours = jobs.create_job(engine, "a", "2024-01", TOWN, [ROSTER])  # queued by this very process
    killed = jobs.create_job(engine, "b", "2024-01", TOWN, [ROSTER])
    earlier_life = jobs.create_job(engine, "c", "2024-01", TOWN, [ROSTER])
    elsewhere = jobs.create_job(engine, "d", "2024-01", TOWN, [ROSTER])
    with engine.begin() as conn:
        for job, runner, status in ((killed, f"{jobs.HOST}:{dead.stdout.strip()}:x", "running"),
                                    (earlier_life, f"{jobs.HOST}:{os.getpid()}:an-earlier-token", "running"),
                                    (elsewhere, "another-host:1:x", "running")):
            conn.execute(update(report_job).where(report_job.c.id == job.id).values(runner=runner, status=status))
    for name in (f".report-job-{killed.id}.zip.part", f"report-job-{killed.id}.zip.part"):  # (the older name too)
        (folder / name).write_bytes(b"PK")
    assert jobs.recover(engine, folder) == 2
    status = {j.id: j for j in jobs.list_jobs(engine)}
    assert status[killed.id].status == status[earlier_life.id].status == "failed"
    assert status[killed.id].problems[0].code == "report-job-interrupted"
    assert "中断" in status[killed.id].problems[0].message_zh
    assert status[ours.id].status == "queued" and status[elsewhere.id].status == "running"
    assert list(folder.iterdir()) == []


def test_finished_files_are_removed_after_the_retention_time(district, folder):
    from datetime import UTC, datetime, timedelta

    job = jobs.create_job(district.engine, "a", "2024-01", TOWN, [ROSTER])
    done = jobs.run_job(district.engine, job.id, folder)
    with district.engine.begin() as conn:
        conn.execute(update(report_job).where(report_job.c.id == job.id)
                     .values(finished_at=datetime.now(UTC) - timedelta(days=jobs.KEEP_DAYS + 1)))
    jobs.recover(district.engine, folder)
    assert jobs.get_job(district.engine, job.id).result_file is None and not os.path.exists(done.result_file)


def test_a_job_of_a_user_disabled_meanwhile_fails_instead_of_running_unrestricted(district, folder):
    from yibiaotong.access.users import create_user, set_disabled

    create_user(district.engine, "mz_clerk", "long-enough-1", display_name="民政", role="department", department="民政局")
    job = jobs.create_job(district.engine, "mz_clerk", "2024-01", TOWN, ALL)
    set_disabled(district.engine, "mz_clerk", True, actor="admin")
    done = jobs.run_job(district.engine, job.id, folder)
    assert done.status == "failed" and "已停用" in str(done.error)
    assert not list(folder.glob("*.zip"))
