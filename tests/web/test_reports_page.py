"""The reports page: one report downloaded at once, every report as a background job with a zip;
forms, org units and sensitive values as the user's rights allow; every generation in the audit log."""

from __future__ import annotations

import io
import time
import zipfile

import openpyxl
import pytest

from tests.access.world import HEWAN, LINJIANG, LJ_VILLAGE, ZHUTUO, ZT_VILLAGE
from tests.reports.world_forms import LAND_FORM, PEOPLE_FORM, install_world_forms
from tests.web.helpers import csrf_of, login_client
from yibiaotong.access import audit
from yibiaotong.reports import jobs
from yibiaotong.web.app import create_app
from yibiaotong.web.routes_reports import ReportJobs


@pytest.fixture(scope="module")
def app(shared_world, tmp_path_factory):
    install_world_forms(shared_world.engine, tmp_path_factory.mktemp("forms"))
    app = create_app(engine=shared_world.engine, secret_key="test")
    app.state.report_jobs = ReportJobs(shared_world.engine, tmp_path_factory.mktemp("jobs"))
    return app


def _cells(content: bytes) -> str:
    wb = openpyxl.load_workbook(io.BytesIO(content))
    return " ".join(str(c.value) for ws in wb.worksheets for row in ws.iter_rows() for c in row if c.value is not None)


def _post(c, path: str, **fields):
    return c.post(path, data={"csrf": csrf_of(c.get("/reports").text), **fields}, follow_redirects=False)


def test_each_role_is_offered_the_forms_and_units_it_may_use(app):
    page = login_client(app, "minzheng").get("/reports").text
    assert PEOPLE_FORM in page and LAND_FORM not in page  # 民政局 is granted person_identity, not land_planting
    page = login_client(app, "nongye").get("/reports").text
    assert LAND_FORM in page and PEOPLE_FORM not in page
    page = login_client(app, "linjiang").get("/reports").text
    assert PEOPLE_FORM in page and LAND_FORM in page
    assert "临江镇" in page and "河湾村" in page and "朱沱镇" not in page and "朱沱村" not in page
    assert 'name="reveal"' in page
    assert 'name="reveal"' not in login_client(app, "lj_grid").get("/reports").text  # grid workers never reveal


def test_a_town_clerk_downloads_one_report_masked_and_audited(app, shared_world):
    c = login_client(app, "linjiang")
    r = _post(c, "/reports/download", form=PEOPLE_FORM, period="2024-01", org_unit=LINJIANG)
    assert r.status_code == 200, r.text[:300]
    assert r.headers["content-type"].startswith("application/vnd.openxmlformats")
    assert "filename*=UTF-8''" in r.headers["content-disposition"]
    text = _cells(r.content)
    inside = [p for p in shared_world.people if p.unit in (LINJIANG, LJ_VILLAGE, HEWAN) or p.unit.startswith(LJ_VILLAGE)]
    assert inside and all(p.name in text for p in inside)
    assert not any(p.name in text for p in shared_world.people if p.unit in (ZHUTUO, ZT_VILLAGE))
    assert not any(p.id_number in text for p in shared_world.people) and "********" in text
    assert "永川区临江镇" in text  # the unit line names whom it is about
    entry = audit.entries(shared_world.engine, actor="linjiang", action="report-generate", limit=1)[0]
    assert entry.details["form"] == PEOPLE_FORM and entry.details["reveal"] is False and entry.details["rows"] == len(inside)


def test_showing_values_in_full_needs_the_right_and_a_purpose(app, shared_world):
    c = login_client(app, "linjiang")
    r = _post(c, "/reports/download", form=PEOPLE_FORM, period="2024-01", org_unit=LJ_VILLAGE, reveal="1")
    assert r.status_code == 422 and "用途" in r.text
    assert 'name="reveal" value="1" checked' in r.text  # asked for the purpose, the choice to reveal is kept
    r = _post(c, "/reports/download", form=PEOPLE_FORM, period="2024-01", org_unit=LJ_VILLAGE, reveal="1",
              purpose="核对低保名单")
    assert r.status_code == 200 and shared_world.person_of(LJ_VILLAGE).id_number in _cells(r.content)
    entry = audit.entries(shared_world.engine, actor="linjiang", action="report-generate", limit=1)[0]
    assert entry.purpose == "核对低保名单" and entry.details["reveal"] is True
    grid = login_client(app, "lj_grid")
    r = _post(grid, "/reports/download", form=PEOPLE_FORM, period="2024-01", org_unit="", reveal="1", purpose="核对")
    assert r.status_code == 403 and "敏感信息" in r.text


def test_refusals_name_no_data_outside_the_scope(app, shared_world):
    c = login_client(app, "linjiang")
    r = _post(c, "/reports/download", form=PEOPLE_FORM, period="2024-01", org_unit=ZT_VILLAGE)
    assert r.status_code == 403 and shared_world.person_of(ZT_VILLAGE).name not in r.text
    r = _post(c, "/reports/download", form=PEOPLE_FORM, period="2024-13", org_unit=LINJIANG)
    assert r.status_code == 422 and "报告期" in r.text
    r = _post(login_client(app, "minzheng"), "/reports/download", form=LAND_FORM, period="2024-01", org_unit="")
    assert r.status_code == 403
    r = c.post("/reports/download", data={"form": PEOPLE_FORM, "period": "2024-01"}, follow_redirects=False)
    assert r.status_code == 403  # no CSRF token


def _finished(c, job_id: int) -> dict:
    deadline = time.monotonic() + 120  # generous: CI runs the whole suite on two busy cores
    while time.monotonic() < deadline:
        job = c.get(f"/api/reports/{job_id}").json()["job"]
        if job["status"] in ("done", "failed"):
            return job
        time.sleep(0.05)
    raise AssertionError(f"job {job_id} did not finish: {job}")


def test_every_report_of_a_town_as_a_background_job(app, shared_world):
    c = login_client(app, "linjiang")
    r = _post(c, "/reports/jobs", period="2024-01", org_unit=LINJIANG)
    assert r.status_code == 303 and r.headers["location"].startswith("/reports/jobs/")
    job_id = int(r.headers["location"].rsplit("/", 1)[1])
    page = c.get(f"/reports/jobs/{job_id}").text
    assert "/static/job.js" in page and f'data-api="/api/reports/{job_id}"' in page
    job = _finished(c, job_id)
    assert job["status"] == "done" and job["done"] == job["total"] == 2 and job["ready"]
    page = c.get(f"/reports/jobs/{job_id}").text
    assert "已完成" in page and f"/reports/jobs/{job_id}/download" in page
    zipped = c.get(f"/reports/jobs/{job_id}/download")
    assert zipped.status_code == 200 and zipped.headers["content-type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(zipped.content)) as zf:
        names = zf.namelist()
        text = " ".join(_cells(zf.read(n)) for n in names if n.endswith(".xlsx"))
    assert len([n for n in names if n.endswith(".xlsx")]) == 2 and "生成情况.csv" in names
    assert shared_world.person_of(LJ_VILLAGE).name in text and shared_world.person_of(ZT_VILLAGE).name not in text
    actions = {e.action for e in audit.entries(shared_world.engine, actor="linjiang", limit=20)}
    assert {"report-job-start", "report-download"} <= actions
    assert str(job_id) in c.get("/reports").text  # listed among the user's jobs
    # only the requester and administrators see it; to others it does not exist
    assert login_client(app, "zhutuo").get(f"/reports/jobs/{job_id}").status_code == 404
    assert login_client(app, "zhutuo").get(f"/reports/jobs/{job_id}/download").status_code == 404
    assert login_client(app, "admin").get(f"/reports/jobs/{job_id}").status_code == 200


def test_a_job_not_finished_or_failed_says_so(app, shared_world):
    c = login_client(app, "linjiang")
    queued = jobs.create_job(shared_world.engine, "linjiang", "2024-01", LINJIANG, [PEOPLE_FORM])
    r = c.get(f"/reports/jobs/{queued.id}/download")
    assert r.status_code == 409 and "尚未完成" in r.text
    assert "正在后台生成" in c.get(f"/reports/jobs/{queued.id}").text
    api = c.get(f"/api/reports/{queued.id}/file")
    assert api.status_code == 409 and api.json()["error"] == "report-job-not-ready"
    from sqlalchemy import update

    from yibiaotong.store.schema import report_job

    with shared_world.engine.begin() as conn:
        conn.execute(update(report_job).where(report_job.c.id == queued.id).values(
            runner=f"{jobs.HOST}:{jobs.os.getpid()}:an-earlier-life"))
    jobs.recover(shared_world.engine)
    page = c.get(f"/reports/jobs/{queued.id}").text
    assert "失败" in page and "没有生成结果文件。请重新发起生成。" in page  # two sentences, not run together


def test_the_page_speaks_english_too(app):
    c = login_client(app, "linjiang")
    c.get("/lang/en")
    page = c.get("/reports").text
    assert "Generate one report" in page and "Report jobs" in page
    c.get("/lang/zh")
