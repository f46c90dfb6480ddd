"""Uploads imported in the background: a job is seen only by its uploader (and administrators), its
page and GET /api/imports/{id} follow it from queued to done, a bad file or a broken run fails with a
clear Chinese message, and a server killed mid-import leaves the data as it was and the job failed
when the next one starts — on SQLite and PostgreSQL."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import zipfile
from io import BytesIO

from sqlalchemy import text, update

from tests.access.world import LINJIANG, USERS, ZT_VILLAGE
from tests.web.helpers import login_client
from tests.web import test_import
from tests.web.test_import import api_client, finished, person, post_api, result, upload
from yibiaotong.ingest import jobs
from yibiaotong.ledgers.provenance import Source
from yibiaotong.store.schema import import_job
from yibiaotong.web import import_jobs
from yibiaotong.web.app import create_app
from yibiaotong.web.import_files import ImportFiles

site = test_import.site  # the same fixture: a world with the roster forms installed


def test_a_job_is_seen_only_by_its_uploader_and_administrators(site):
    rows = [person(1), person(2, **{"出生日期": "2023-02-30"})]
    c = login_client(site.app, "linjiang")
    job_id, page = result(c, upload(c, site.roster("只给本人看.xlsx", rows)))
    assert "导入完成" in page and "日期无效：2023-02-30" in page
    ghost = "G" * 24
    for other, _role, _unit, _department in USERS:
        o, api = login_client(site.app, other), api_client(site, other)
        mine = other in ("linjiang", "admin")
        for path in (f"/import/{job_id}", f"/import/{job_id}/errors.xlsx"):
            assert o.get(path).status_code == (200 if mine else 404), (other, path)
        r = api.get(f"/api/imports/{job_id}")
        assert r.status_code == (200 if mine else 404), other
        if not mine:  # exactly what a job that does not exist gives: nothing of it leaks
            assert r.json() == api.get(f"/api/imports/{ghost}").json()
            assert "只给本人看" not in r.text and "只给本人看" not in o.get("/import").text
    assert api_client(site, "admin").get(f"/api/imports/{job_id}").json()["job"]["owner"] == "linjiang"
    assert api_client(site, None).get(f"/api/imports/{job_id}").status_code == 401


def test_the_page_and_the_api_follow_jobs_from_queued_through_running_to_done(site, monkeypatch):
    """One import at a time: the second upload waits (queued) while the first runs; the first's rows
    read show while it runs; both end done, in the order they came."""
    real = import_jobs.import_file
    started, go_on, reading, read_on = (threading.Event() for _ in range(4))

    def held(*args, progress, **kwargs):
        started.set()
        assert go_on.wait(30)

        def step(done, total):
            progress(done, total)
            if not reading.is_set():
                reading.set()
                assert read_on.wait(30)  # inside the file's transaction, its rows read so far on disk

        return real(*args, progress=step, **kwargs)

    monkeypatch.setattr(import_jobs, "import_file", held)
    c = login_client(site.app, "linjiang")
    first = upload(c, site.roster("第一个.xlsx", [person(1), person(2), person(3)]), org_unit=LINJIANG)
    assert first.status_code == 303
    first_id = first.headers["location"].rsplit("/", 1)[-1]
    assert started.wait(30)
    second = upload(c, site.roster("第二个.xlsx", [person(4)]), org_unit=LINJIANG)
    second_id = second.headers["location"].rsplit("/", 1)[-1]
    try:
        running = c.get(f"/api/imports/{first_id}").json()
        assert running["job"]["status"] == "running" and running["import"] is None
        assert running["job"]["rows_done"] == 0 and running["job"]["percent"] is None
        assert c.get(f"/api/imports/{second_id}").json()["job"]["status"] == "queued"
        page = c.get(f"/import/{first_id}").text
        assert 'id="job"' in page and f'data-api="/api/imports/{first_id}"' in page and "/static/job.js" in page
        assert "正在导入" in page and "已读取 0 行" in page and "可以离开本页" in page
        assert "排队等待导入" in c.get(f"/import/{second_id}").text
        listing = c.get("/import").text
        assert "第一个.xlsx" in listing and "正在导入" in listing and "排队等待导入" in listing
        go_on.set()
        assert reading.wait(30)
        progress = c.get(f"/api/imports/{first_id}").json()["job"]
        assert progress["status"] == "running" and progress["rows_done"] == 3
        assert progress["rows_total"] == 8 and progress["percent"] == 37  # the sheet's rows: title and header too
        assert "已读取 3 / 8 行" in c.get(f"/import/{first_id}").text
    finally:
        go_on.set()
        read_on.set()
    done = [finished(c, job_id) for job_id in (first_id, second_id)]
    assert [d["job"]["status"] for d in done] == ["done", "done"] and done[0]["job"]["rows_done"] == 3
    assert done[1]["job"]["started_at"] >= done[0]["job"]["finished_at"]
    page = c.get(f"/import/{first_id}").text
    assert 'id="job"' not in page and "导入完成：读取3行，导入3行" in page and "没有发现问题" in page
    c.get("/lang/en")
    assert "Imported" in c.get(f"/import/{first_id}").text


def test_an_upload_waiting_while_its_uploader_is_disabled_fails_and_imports_nothing(site, monkeypatch):
    """A clerk who leaves is disabled while her file waits behind another import: the file is not
    imported with her old rights, its job fails saying why, and the uploaded copy is deleted."""
    from yibiaotong.access.users import set_disabled

    real, started, go_on = import_jobs.import_file, threading.Event(), threading.Event()

    def held(*args, **kwargs):
        started.set()
        assert go_on.wait(30)
        return real(*args, **kwargs)

    monkeypatch.setattr(import_jobs, "import_file", held)
    c, admin = login_client(site.app, "linjiang"), api_client(site, "admin")
    first = upload(c, site.roster("先到的.xlsx", [person(31)]), org_unit=LINJIANG)
    assert first.status_code == 303 and started.wait(30)
    waiting = upload(c, site.roster("停用前上传.xlsx", [person(32)]), org_unit=LINJIANG)
    waiting_id = waiting.headers["location"].rsplit("/", 1)[-1]
    try:
        assert admin.get(f"/api/imports/{waiting_id}").json()["job"]["status"] == "queued"
        set_disabled(site.engine, "linjiang", True, actor="admin")
        go_on.set()
        done = finished(admin, waiting_id)
        assert done["job"]["status"] == "failed" and done["import"] is None
        assert "账号已停用" in str(done["job"]["error"]) and "linjiang" in str(done["job"]["error"])
        assert site.record("person_identity", person(32)["身份证号码"]) is None
        folder = site.app.state.imports.root / waiting_id  # the job's folder: no copy of the file left
        assert not folder.exists() or not [p for p in folder.rglob("*") if p.suffix == ".xlsx"]
        assert finished(admin, first.headers["location"].rsplit("/", 1)[-1])["job"]["status"] == "done"
    finally:
        go_on.set()
        set_disabled(site.engine, "linjiang", False, actor="admin")


def test_a_bad_file_or_a_broken_run_fails_with_a_clear_chinese_message_and_changes_nothing(site, monkeypatch):
    c = login_client(site.app, "linjiang")
    before = site.counts()
    word = BytesIO()
    with zipfile.ZipFile(word, "w") as zf:
        zf.writestr("word/document.xml", "<w:document/>")
    job_id, page = result(c, upload(c, word.getvalue(), "其实是Word.xlsx"))
    assert "文件未能导入：文件不是Excel表格或CSV文件：其实是Word.xlsx" in page
    assert "请上传.xlsx、.xls或.csv文件" in page and "file-not-spreadsheet" in page  # how to fix it, and the code
    body = c.get(f"/api/imports/{job_id}").json()
    assert body["job"]["status"] == "failed" and body["job"]["error"]["code"] == "file-not-spreadsheet"
    assert body["job"]["error"]["message"] == "文件不是Excel表格或CSV文件：其实是Word.xlsx"

    real = import_jobs.import_file

    def breaks(*args, progress, **kwargs):
        def step(done, total):
            raise RuntimeError("the database went away")  # inside the file's transaction, after its rows were read

        return real(*args, progress=step, **kwargs)

    monkeypatch.setattr(import_jobs, "import_file", breaks)
    job_id, page = result(c, upload(c, site.roster("断了.xlsx", [person(1), person(2)]), org_unit=LINJIANG))
    assert "导入任务失败（服务器内部错误），文件“断了.xlsx”没有导入任何数据。数据保持导入前的状态。" in page
    assert "RuntimeError" not in page  # the exception's name is for the server log, not for the clerk
    assert 'role="alert"' in page and "went away" not in page
    job = c.get(f"/api/imports/{job_id}").json()["job"]
    assert job["status"] == "failed" and job["error"]["code"] == "import-job-failed" and job["result"] is None
    assert site.counts() == before and site.record("person_identity", person(1)["身份证号码"]) is None
    assert not (site.app.state.imports.root / job_id / "断了.xlsx").exists()  # the upload is not kept
    c.get("/lang/en")
    assert "failed (RuntimeError); nothing of it was stored" in c.get(f"/import/{job_id}").text


def _search_path(engine) -> str:
    if engine.dialect.name != "postgresql":
        return ""
    with engine.connect() as conn:
        return conn.execute(text("SHOW search_path")).scalar_one()


KILLED_IMPORT = """
import sys, time
from pathlib import Path
from sqlalchemy import create_engine
from yibiaotong.ingest import import_file, jobs
from yibiaotong.store.engine import connect

url, search_path, job_id, path, unit = sys.argv[1:6]
engine = create_engine(url, connect_args={"options": f"-csearch_path={search_path}"}) if search_path else connect(url)
path = Path(path)
jobs.create_job(engine, job_id, "linjiang", path.name, path.stat().st_size, org_unit=unit)
jobs.claim(engine, job_id)

def hang(done, total):
    print("reading", done, flush=True)  # rows are written inside the file's transaction: now it is killed
    time.sleep(600)

import_file(engine, path, org_unit=unit, actor="linjiang", progress=hang)
"""


def test_a_server_killed_mid_import_leaves_the_data_and_its_job_is_failed_when_the_next_one_starts(site):
    """A real process imports a file and is killed (SIGKILL) inside the file's transaction; the next
    server marks its job failed and removes its upload, and the ledgers are as they were. Jobs of a
    process still alive, or of another machine, are left alone."""
    files = site.app.state.imports
    before = site.counts()
    job_id, folder = files.new()
    roster = site.roster("被中断.xlsx", [person(i) for i in range(1, 40)])
    upload_path = folder / roster.name
    upload_path.write_bytes(roster.read_bytes())
    url = site.engine.url.render_as_string(hide_password=False)
    proc = subprocess.Popen([sys.executable, "-c", KILLED_IMPORT, url, _search_path(site.engine), job_id,
                             str(upload_path), LINJIANG], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline()
        assert line.startswith("reading"), proc.stderr.read()[-2000:]
        assert jobs.get_job(site.engine, job_id).status == "running"
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(30)
    others = {}
    for name, runner in (("alive", None), ("elsewhere", "another-host:1:x")):
        other_id, _folder = files.new()
        jobs.create_job(site.engine, other_id, "linjiang", f"{name}.xlsx", 1, org_unit=LINJIANG)
        if runner:
            with site.engine.begin() as conn:
                conn.execute(update(import_job).where(import_job.c.id == other_id).values(runner=runner,
                                                                                          status="running"))
        others[name] = other_id

    restarted = create_app(engine=site.engine, secret_key="test")  # the next server, on the same folder
    restarted.state.imports = ImportFiles(files.root)
    c = login_client(restarted, "linjiang")
    assert c.get("/import").status_code == 200  # its first use of imports recovers
    page = c.get(f"/import/{job_id}").text
    assert "导入任务在运行中被中断（服务重启或进程退出），文件“被中断.xlsx”没有导入任何数据" in page
    assert "请重新上传该文件" in page and 'id="job"' not in page
    job = c.get(f"/api/imports/{job_id}").json()["job"]
    assert job["status"] == "failed" and job["error"]["code"] == "import-job-interrupted"
    assert not folder.exists()  # the upload of the interrupted job is removed
    assert site.counts() == before and site.record("person_identity", person(1)["身份证号码"]) is None
    assert jobs.get_job(site.engine, others["alive"]).status == "queued"  # this process is alive
    assert jobs.get_job(site.engine, others["elsewhere"]).status == "running"  # only that machine can tell


def test_the_api_answers_a_request_that_may_not_run_at_once_in_the_one_shape(site):
    c = api_client(site, "lj_village")
    r = c.post("/api/imports", data={"org_unit": ZT_VILLAGE}, files={"file": ("a.xlsx", b"x")})
    assert r.status_code == 403 and set(r.json()) == {"ok", "error", "message", "details"}
    r = c.post("/api/imports", data={"period": "2024-01"})
    assert r.status_code == 422 and r.json()["error"] == "invalid-request" and "请选择要导入的文件" in r.json()["message"]
    r = c.post("/api/imports", content=b"{}", headers={"Content-Type": "application/json"})
    assert r.status_code == 422 and "multipart/form-data" in r.json()["message"]
    assert jobs.list_jobs(site.engine) == [] and site.uploads() == []
    assert post_api(c, site.roster("好的.xlsx", [person(1)])).status_code == 202


def test_an_upload_while_another_import_writes_is_queued_on_postgresql_and_refused_clearly_on_sqlite(site):
    """SQLite has one writer: while an import's transaction runs, a new job cannot be recorded; after
    the database's busy timeout (10 s) the upload is refused with 503, a message that says to wait,
    and nothing kept. PostgreSQL records and runs it meanwhile."""
    c, api = login_client(site.app, "linjiang"), api_client(site, "linjiang")
    assert c.get("/import").status_code == 200
    assert api.get("/api/imports/" + "G" * 24).status_code == 404  # the token's first use is written now, not below
    with site.engine.connect() as conn, conn.begin() as other_import:  # it has begun writing its rows
        Source(kind="file", actor="zhutuo", file_name="别人的.xlsx", file_hash="0" * 64, sheet="Sheet1").record(conn)
        r = upload(c, site.roster("等一等.xlsx", [person(1)]), org_unit=LINJIANG)
        if site.engine.dialect.name == "sqlite":
            assert r.status_code == 503 and "另一个文件正在导入" in r.text and "导入完成（约一两分钟）后重新上传" in r.text
            r = post_api(api, site.roster("等一等.xlsx", [person(1)]))
            assert r.status_code == 503 and r.json()["error"] == "import-busy"
            assert site.uploads() == [] and jobs.list_jobs(site.engine) == []
        else:
            job_id = r.headers["location"].rsplit("/", 1)[-1]
            assert r.status_code == 303 and finished(c, job_id)["job"]["result"] == "imported"
        other_import.rollback()


def test_a_job_whose_process_ended_after_the_commit_says_its_file_is_in(site):
    """Killed between the import's commit and marking its job done: the next server says that the
    file is in the ledgers (not that nothing was stored) and how to get its error workbook."""
    from yibiaotong.ingest import import_file

    files = site.app.state.imports
    job_id, folder = files.new()
    roster = site.roster("写完才中断.xlsx", [person(41), person(42)])
    jobs.create_job(site.engine, job_id, "linjiang", roster.name, roster.stat().st_size, org_unit=LINJIANG)
    assert jobs.claim(site.engine, job_id)
    assert import_file(site.engine, roster, org_unit=LINJIANG, actor="linjiang").status == "imported"
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    with site.engine.begin() as conn:  # the process that ran it is gone
        conn.execute(update(import_job).where(import_job.c.id == job_id).values(
            runner=f"{jobs.runner_id().split(':')[0]}:{dead.stdout.strip()}:x"))
    assert jobs.recover(site.engine) == [job_id]
    job = jobs.get_job(site.engine, job_id)
    assert job.status == "failed" and [p.code for p in job.problems] == ["import-job-interrupted-stored"]
    assert "文件“写完才中断.xlsx”已导入台账" in job.problems[0].message_zh
    assert site.record("person_identity", person(41)["身份证号码"]) is not None
