"""The import page and POST /api/imports: upload a filled roster, follow its import in the background,
see every row's problem, download the error workbook — and only within the user's scope, on SQLite
and PostgreSQL."""

from __future__ import annotations

import io
import re
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient
from sqlalchemy import func, select, update

from tests.access.world import HEWAN, LINJIANG, LJ_VILLAGE, ZT_VILLAGE, World, build_world, id_number
from tests.ingest.conftest import fill_roster
from tests.web.helpers import csrf_of, login_client
from yibiaotong.access import audit, users
from yibiaotong.forms import render_template
from yibiaotong.forms.definition import FieldDef, FormDef
from yibiaotong.forms.store import save_forms
from yibiaotong.ingest import jobs
from yibiaotong.ledgers import LedgerStore
from yibiaotong.store import schema
from yibiaotong.web.app import create_app
from yibiaotong.web.import_files import ImportFiles

# header -> (element, ledger): a roster feeding the identity and the disability ledger of the test world
PERSON_FIELDS = {
    "姓名": ("person_name", "person_identity"), "性别": ("gender", "person_identity"),
    "身份证号码": ("id_number", "person_identity"), "出生日期": ("birth_date", "person_identity"),
    "联系电话": ("phone", "person_identity"), "村（社区）": ("village", None),
    "残疾等级": ("disability_level", "person_disability"),
}
# a roster feeding the disability ledger only (民政局 may write that one, not the identity ledger)
DISABILITY_FIELDS = {
    "姓名": ("person_name", "person_disability"), "身份证号码": ("id_number", "person_disability"),
    "村（社区）": ("village", None), "残疾等级": ("disability_level", "person_disability"),
    "残疾人证状态": ("disability_cert_status", "person_disability"),
}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def cheap_passwords(monkeypatch) -> None:
    """argon2 at its default cost takes half a second a user here; the tests log in a lot."""
    monkeypatch.setattr(users, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


def install_forms(engine, folder: Path) -> dict[str, Path]:
    """The two roster forms, rendered by the project's template writer and installed; form id -> template."""
    folder.mkdir(parents=True, exist_ok=True)
    templates, forms = {}, []
    for form_id, title, fields in (("person_roster", "人员花名册", PERSON_FIELDS),
                                   ("disability_roster", "残疾人等级花名册", DISABILITY_FIELDS)):
        template = folder / f"{title}.xlsx"
        render_template({"title": title, "columns": list(fields), "layout": "roster",
                         "options": {"serial": True, "total_row": None, "footer": False, "number_row": False}},
                        template)
        fd = FormDef(id=form_id, title=title, layout="roster", template=template.name, department="残联",
                     fields=[FieldDef(header=h, element=e, ledger=lg, column=e if lg else None)
                             for h, (e, lg) in fields.items()])
        fd.save(folder / f"{form_id}.yaml")
        forms.append(fd)
        templates[form_id] = template
    save_forms(engine, "test", forms)
    return templates


def person(n: int, village: str = "临江村", **over: Any) -> dict[str, Any]:
    """A new person of the roster (not in the world yet); ``n`` makes them unique."""
    born = f"19{60 + n % 30}0{1 + n % 9}1{n % 9}"
    row = {"姓名": f"周新{'一二三四五六七八九十'[n % 10]}{n}", "性别": "男" if n % 2 else "女",
           "身份证号码": id_number("500118", born, 500 + n), "出生日期": f"{born[:4]}-{born[4:6]}-{born[6:]}",
           "联系电话": f"139{n:08d}", "村（社区）": village, "残疾等级": "二级", "残疾人证状态": "有效"}
    row.update(over)
    return row


@dataclass
class Site:
    world: World
    app: Any
    templates: dict[str, Path]
    tmp: Path

    @property
    def engine(self):
        return self.world.engine

    def roster(self, name: str, rows: list[dict[str, Any]], form: str = "person_roster") -> Path:
        return fill_roster(self.templates[form], self.tmp / name, rows)

    def record(self, ledger: str, key: str) -> dict[str, Any] | None:
        store = LedgerStore(self.engine)
        table = store.table(ledger)
        with self.engine.connect() as conn:
            row = conn.execute(select(table).where(table.c._key == key)).mappings().first()
        return dict(row) if row else None

    def counts(self) -> list[int]:
        """Rows of everything an import may write: a refused upload leaves all of them as they were."""
        store = LedgerStore(self.engine)
        tables = [store.table(lid) for lid in ("person_identity", "person_disability", "land_planting")]
        with self.engine.connect() as conn:
            return [conn.execute(select(func.count()).select_from(t)).scalar_one()
                    for t in [*tables, schema.source, schema.change, schema.import_batch, schema.link]]

    def uploads(self) -> list[str]:
        return sorted(p.name for p in self.app.state.imports.root.iterdir())


@pytest.fixture
def site(engine, tmp_path, monkeypatch) -> Site:
    cheap_passwords(monkeypatch)
    world = build_world(engine, per_unit=2)
    templates = install_forms(engine, tmp_path / "forms")
    app = create_app(engine=engine, secret_key="test")
    app.state.imports = ImportFiles(tmp_path / "uploads")
    return Site(world, app, templates, tmp_path)


def upload(c: TestClient, content: bytes | Path, name: str | None = None, *, csrf: bool = True, **fields: Any):
    """POST /import as the browser's form does (multipart, with the page's CSRF token)."""
    if isinstance(content, Path):
        name, content = name or content.name, content.read_bytes()
    data = {k: str(v) for k, v in fields.items()}
    if csrf:
        data["csrf"] = csrf_of(c.get("/import").text)
    return c.post("/import", data=data, files={"file": (name, content, XLSX)}, follow_redirects=False)


def finished(c: TestClient, job_id: str, timeout: float = 60) -> dict[str, Any]:
    """GET /api/imports/{id} until the background import has finished (as the page's script polls)."""
    deadline = time.monotonic() + timeout
    while True:
        r = c.get(f"/api/imports/{job_id}")
        assert r.status_code == 200, r.text[:300]
        if r.json()["job"]["status"] in ("done", "failed"):
            return r.json()
        assert time.monotonic() < deadline, r.json()["job"]
        time.sleep(0.05)


def result(c: TestClient, r) -> tuple[str, str]:
    """(job id, result page) after a successful POST /import, once its import has finished."""
    assert r.status_code == 303, r.text[:500]
    job_id = r.headers["location"].rsplit("/", 1)[-1]
    finished(c, job_id)
    page = c.get(r.headers["location"])
    assert page.status_code == 200
    return job_id, page.text


def test_a_town_clerk_imports_a_roster_and_sees_it_everywhere(site):
    c = login_client(site.app, "linjiang")
    page = c.get("/import")
    assert page.status_code == 200 and "上传并导入" in page.text and "人员花名册" in page.text
    rows = [person(1), person(2, village="河湾村")]
    roster = site.roster("一月花名册.xlsx", rows)
    upload_id, text = result(c, upload(c, roster, period="2024-01", org_unit=LINJIANG))
    assert "导入完成" in text and "读取2行，导入2行" in text and "没有发现问题" in text
    first = site.record("person_identity", rows[0]["身份证号码"])
    assert first["person_name"] == rows[0]["姓名"] and first["_org_unit"] == LJ_VILLAGE
    assert site.record("person_identity", rows[1]["身份证号码"])["_org_unit"] == HEWAN
    assert site.record("person_disability", rows[1]["身份证号码"])["disability_level"] == "2"
    # provenance: the file's own name, the sheet, the period and the clerk who imported it
    history = LedgerStore(site.engine).history("person_identity", rows[0]["身份证号码"])
    assert history[0]["actor"] == "linjiang" and history[0]["file_name"] == "一月花名册.xlsx"
    assert history[0]["period"] == "2024-01"
    (entry,) = audit.entries(site.engine, action="import")
    assert entry.actor == "linjiang" and entry.details["status"] == "imported" and entry.details["rows_imported"] == 2
    assert entry.details["upload"] == upload_id and rows[0]["身份证号码"] not in str(entry.details)
    # the import page lists it (kept a day) and the import history (from the intake's own records)
    listing = c.get("/import").text
    assert f"/import/{upload_id}" in listing and "一月花名册.xlsx" in listing and "2024-01" in listing
    # the same file again changes nothing and says so
    _id, again = result(c, upload(c, roster, period="2024-01", org_unit=LINJIANG))
    assert "已导入过" in again
    c.get("/lang/en")
    assert "Imported" in c.get(f"/import/{upload_id}").text and "Upload and import" in c.get("/import").text


def test_a_file_with_errors_shows_every_row_and_only_its_uploader_downloads_the_error_workbook(site):
    good = person(1)
    bad_id = person(2, **{"身份证号码": id_number("500118", "19620212", 502)[:17] + "0"})
    rows = [good, bad_id, person(3, **{"出生日期": "2023-02-30", "残疾等级": "九级"})]
    c = login_client(site.app, "linjiang")
    upload_id, text = result(c, upload(c, site.roster("有错的花名册.xlsx", rows)))
    assert "读取3行，导入1行，2行有错误未导入" in text
    assert "身份证号码校验位错误" in text and "日期无效：2023-02-30" in text and "不在代码表" in text
    assert "id-number-checksum" in text and "invalid-date" in text  # rule codes
    # the sheet's own row numbers and column letters (data starts in row 4 under the title and header)
    assert '<td class="num">5</td><td>D</td>' in text and '<td class="num">6</td><td>E</td>' in text
    assert bad_id["身份证号码"] not in text and bad_id["身份证号码"][-4:] in text  # shown masked
    assert site.record("person_identity", good["身份证号码"]) is not None
    assert site.record("person_identity", rows[2]["身份证号码"]) is None
    assert f"/import/{upload_id}/errors.xlsx" in text

    download = c.get(f"/import/{upload_id}/errors.xlsx")
    assert download.status_code == 200 and download.headers["content-type"] == XLSX
    assert "attachment" in download.headers["content-disposition"]
    ws = openpyxl.load_workbook(io.BytesIO(download.content)).active
    values = [[cell for cell in row] for row in ws.iter_rows(values_only=True)]
    header = next(r for r in values if "错误说明" in r)
    explain = header.index("错误说明")
    notes = [r[explain] for r in values if r[explain] and str(r[explain]).startswith("原第")]
    assert len(notes) == 2 and "身份证号码校验位错误" in notes[0] and "日期无效" in notes[1]
    # how to fix each, as the page says it, one problem a line
    assert "请核对身份证号码每一位" in notes[0] and "请写成 2024-01-05 或 2024年1月5日。" in notes[1]
    assert notes[1].count("\n") == 1 and "请从代码表中选择" in notes[1].split("\n")[1]
    assert any(bad_id["身份证号码"] in r for r in values)  # the clerk gets the rows back as typed, to fix them
    assert audit.entries(site.engine, action="import-download")[0].actor == "linjiang"

    # nobody else sees the result or the workbook (answered like "not there"); an administrator may
    for other in ("zhutuo", "lj_village", "minzheng"):
        o = login_client(site.app, other)
        assert o.get(f"/import/{upload_id}").status_code == 404
        r = o.get(f"/import/{upload_id}/errors.xlsx")
        assert r.status_code == 404 and bad_id["身份证号码"] not in r.text
        assert upload_id not in o.get("/import").text
    assert login_client(site.app, "admin").get(f"/import/{upload_id}/errors.xlsx").status_code == 200
    assert TestClient(site.app).get(f"/import/{upload_id}/errors.xlsx", follow_redirects=False).status_code == 303


def test_rows_left_out_are_never_reported_as_a_success(site):
    """A file whose good rows change nothing was headed 数据无变化 in green, however many rows were
    refused (all of them, too); in strict mode it said 整体未导入 and 导入N行 at once. The rows left out
    lead, in a warning; strict mode says the right rows were not imported either, and that the error
    workbook (only the wrong rows) is no substitute for the corrected original."""
    c = login_client(site.app, "linjiang")
    good, bad = person(1), person(2, **{"出生日期": "2023-02-30"})
    first = site.roster("一月.xlsx", [good])
    result(c, upload(c, first))
    _id, text = result(c, upload(c, first))  # the same file again: nothing written, and not 导入1行
    assert "该文件已导入过，数据无变化：读取1行，均与台账一致" in text
    _id, text = result(c, upload(c, site.roster("空白模板.xlsx", [])))  # the template sent back blank
    assert "数据无变化：表头下面没有填写任何数据行" in text
    _id, text = result(c, upload(c, site.roster("一月又报.xlsx", [good, bad])))
    assert "1行有错误未导入：读取2行，其余1行与台账一致，数据无变化" in text
    partly = site.roster("二月.xlsx", [person(6), bad])
    result(c, upload(c, partly))
    _id, text = result(c, upload(c, partly))  # sent again: its good row is not 导入1行 a second time
    assert "该文件已导入过，1行有错误未导入：读取2行，其余1行与台账一致，数据无变化" in text
    assert 'class="warning" role="status" id="import-status"' in text and "<small>有1行未导入</small>" in text
    _id, text = result(c, upload(c, site.roster("全错.xlsx", [person(3, **{"出生日期": "明天"})])))
    assert "没有导入任何行：读取1行，1行都有错误" in text and 'class="warning"' in text
    assert "数据无变化" not in text.split('id="import-status"', 1)[1].split("</p>", 1)[0]
    _id, text = result(c, upload(c, site.roster("严格.xlsx", [person(4), person(5, **{"出生日期": "明天"})]),
                                 strict="1"))
    assert ("文件有错误，按严格模式整体未导入：读取2行，其中1行有错误，整个文件一行也没有导入。"
            "请在原文件中改正这1行，再重新导入整个原文件") in text
    assert '<dd id="import-counts">2 / 0 / 1</dd>' in text and 'id="strict-note"' in text
    assert "请在原文件中改正这些行，再上传整个原文件" in text
    assert site.record("person_identity", person(4)["身份证号码"]) is None
    listing = c.get("/import").text
    assert listing.count("有1行未导入") == 4 and listing.count("数据无变化") == 2  # the file sent twice, the blank one


def test_the_history_of_an_imported_record_is_in_words(site):
    """The record page's 修改历史 listed the values as stored: 性别：1 → 9, 所属单位：5001181... A clerk
    reads them as the record shows them (the API keeps the stored values)."""
    c = login_client(site.app, "linjiang")
    row = person(7, **{"性别": "男"})
    result(c, upload(c, site.roster("三月.xlsx", [row]), period="2024-03"))
    # (未说明, not 女: a sex the ID number's 17th digit contradicts would refuse the row)
    result(c, upload(c, site.roster("四月.xlsx", [{**row, "性别": "未说明"}]), period="2024-04"))
    record = site.record("person_identity", row["身份证号码"])
    page = c.get(f"/ledgers/person_identity/records/{record['_id']}").text
    history = page.split("修改历史", 1)[1]
    assert "性别：男 → 未说明的性别" in history and "性别：1" not in history and "所属单位：临江村" in history
    assert row["身份证号码"] not in page  # still masked
    api = api_client(site, "linjiang").get(f"/api/ledgers/person_identity/records/{record['_id']}/history").json()
    assert {"column": "gender", "old_value": "1", "new_value": "9"}.items() <= next(
        h for h in api["history"] if h["column"] == "gender").items()


def test_a_long_list_of_problems_is_paginated(site):
    rows = [person(i, **{"出生日期": "明天"}) for i in range(1, 131)]
    c = login_client(site.app, "linjiang")
    upload_id, text = result(c, upload(c, site.roster("很多错.xlsx", rows)))
    assert "共 130 个问题" in text and "第 1 / 2 页" in text and text.count('class="masked"') == 100
    second = c.get(f"/import/{upload_id}", params={"page": 2}).text
    assert "第 2 / 2 页" in second and second.count('class="masked"') == 30 and '<td class="num">133</td><td>E</td>' in second


def test_a_village_clerk_imports_only_into_its_own_village(site):
    c = login_client(site.app, "lj_village")
    before = site.counts()
    # another village as the org unit: refused before anything is read or written
    r = upload(c, site.roster("朱沱.xlsx", [person(1, village="朱沱村")]), org_unit=ZT_VILLAGE)
    assert r.status_code == 403 and "不在您的权限范围内" in r.text
    assert site.counts() == before and site.uploads() == []
    # without a choice the clerk's own village is the unit: a row naming another village is rejected
    rows = [person(1), person(2, village="朱沱村"), person(3, village="")]
    _id, text = result(c, upload(c, site.roster("混合.xlsx", rows)))
    assert "“朱沱村”不是永川区临江镇临江村下的村（社区）或镇街" in text and "org-unit-not-found" in text
    assert site.record("person_identity", rows[1]["身份证号码"]) is None
    assert site.record("person_identity", rows[0]["身份证号码"])["_org_unit"] == LJ_VILLAGE
    assert site.record("person_identity", rows[2]["身份证号码"])["_org_unit"] == LJ_VILLAGE  # no village: its own


def test_a_row_about_someone_registered_outside_the_scope_is_refused(site):
    """Upserting by ID number would move another village's record into this one: that row is refused
    (without saying where the person lives), the others go in."""
    outsider = site.world.person_of(ZT_VILLAGE)
    kept = site.record("person_identity", outsider.id_number)
    c = login_client(site.app, "lj_village")
    rows = [person(1), person(2, **{"身份证号码": outsider.id_number, "姓名": "冒名", "出生日期": kept["birth_date"].isoformat(),
                                    "性别": "男" if kept["gender"] == "1" else "女"})]
    upload_id, text = result(c, upload(c, site.roster("借来的人.xlsx", rows)))
    assert "登记在本次导入范围" in text and "以外的单位，不能在此修改" in text and "办理迁移" in text
    assert '<td class="num">5</td><td>D</td>' in text  # the row and the ID number's column
    assert outsider.id_number not in text and outsider.name not in text and "朱沱" not in text
    assert site.record("person_identity", outsider.id_number) == kept
    assert site.record("person_identity", rows[0]["身份证号码"])["_org_unit"] == LJ_VILLAGE
    assert c.get(f"/import/{upload_id}/errors.xlsx").status_code == 200  # the clerk gets the row back
    # the district's administrator may
    admin = login_client(site.app, "admin")
    moved = {**rows[1], "村（社区）": "朱沱村"}
    _id, text = result(admin, upload(admin, site.roster("区里导入.xlsx", [moved]), org_unit=ZT_VILLAGE))
    assert "导入完成" in text and site.record("person_identity", outsider.id_number)["person_name"] == "冒名"


def test_a_row_without_an_id_number_is_never_linked_to_someone_outside_the_scope(site):
    """A row without an ID number that looks exactly like a person of another town is not written to
    that person (which would move the record into the clerk's village): the import for a village
    offers linking only to people within it. Should it happen anyway, the page finds the move
    afterwards and writes it to the audit log."""
    outsider = site.world.person_of(ZT_VILLAGE)
    store = LedgerStore(site.engine)
    before = store.get("person_identity", outsider.id_number)
    row = person(1, **{"姓名": outsider.name, "性别": "男" if before["gender"] == "1" else "女", "身份证号码": None,
                       "出生日期": before["birth_date"].isoformat()})
    c = login_client(site.app, "lj_village")
    result(c, upload(c, site.roster("无身份证号.xlsx", [row])))
    after = store.get("person_identity", outsider.id_number)
    assert after == before
    (entry,) = audit.entries(site.engine, action="import")
    assert "moved_in" not in entry.details


def test_a_department_imports_only_forms_that_feed_its_write_grants(site):
    c = login_client(site.app, "minzheng")
    page = c.get("/import").text
    assert "残疾人等级花名册" in page and "人员花名册</option>" not in page and "自动识别" not in page
    before = site.counts()
    r = upload(c, site.roster("人员.xlsx", [person(1)]), form="person_roster")
    assert r.status_code == 403 and "没有报表《人员花名册》所填台账的写入权限" in r.text
    r = upload(c, site.roster("人员.xlsx", [person(1)]))
    assert r.status_code == 403 and "请选择要导入的报表" in r.text and "残疾人等级花名册" in r.text
    assert site.counts() == before
    row = person(4, village="朱沱村")
    _id, text = result(c, upload(c, site.roster("残疾.xlsx", [row], form="disability_roster"),
                                 form="disability_roster"))
    assert "导入完成" in text
    assert site.record("person_disability", row["身份证号码"])["_org_unit"] == ZT_VILLAGE
    assert site.record("person_identity", row["身份证号码"]) is None
    # 农业农村委 writes no person ledger: it is offered no form at all
    assert "没有您可以导入的报表" in login_client(site.app, "nongye").get("/import").text


def test_an_upload_without_the_pages_csrf_token_changes_nothing(site):
    c = login_client(site.app, "linjiang")
    before = site.counts()
    r = upload(c, site.roster("跨站.xlsx", [person(1)]), csrf=False)
    assert r.status_code == 403 and "CSRF" in r.text
    r = c.post("/import", data={"csrf": "forged"}, files={"file": ("跨站.xlsx", b"x", XLSX)})
    assert r.status_code == 403
    assert site.counts() == before and site.uploads() == []


def test_empty_renamed_and_too_big_files_get_clear_errors_and_change_nothing(site, monkeypatch):
    c = login_client(site.app, "linjiang")
    before = site.counts()
    _id, text = result(c, upload(c, b"", "空文件.xlsx"))
    assert "文件未能导入" in text and "文件是空的" in text and "file-empty" in text
    docx = io.BytesIO()
    with zipfile.ZipFile(docx, "w") as zf:
        zf.writestr("word/document.xml", "<w:document/>")
    _id, text = result(c, upload(c, docx.getvalue(), "其实是Word.xlsx"))
    assert "文件不是Excel表格或CSV文件" in text and "file-not-spreadsheet" in text
    _id, text = result(c, upload(c, b"%PDF-1.4 binary\x00\x01", "扫描件.pdf"))
    assert "文件不是Excel表格或CSV文件" in text
    r = c.post("/import", data={"csrf": csrf_of(c.get("/import").text)}, follow_redirects=False)
    assert r.status_code == 422 and "请选择要导入的文件" in r.text
    monkeypatch.setenv("YBT_IMPORT_MAX_MB", "0.1")
    r = upload(c, b"0" * (500 * 1024), "大文件.xlsx")
    assert r.status_code == 413 and "文件太大" in r.text and "超过导入上限 0.1 MB" in r.text
    assert "YBT_IMPORT_MAX_MB" in r.text  # how to fix it
    assert site.counts() == before
    kept = jobs.list_jobs(site.engine, "linjiang")
    assert len(kept) == 3 and {j.status for j in kept} == {"failed"}  # the three refused files; the huge one is not
    assert {j.summary["status"] for j in kept} == {"failed"} and site.uploads() == sorted(j.id for j in kept)


def test_an_upload_without_a_length_is_cut_off_as_soon_as_it_passes_the_limit(tmp_path):
    """A chunked body has no Content-Length: the bytes are counted as they arrive."""
    import asyncio

    from starlette.requests import Request

    from yibiaotong.web.import_files import TooLarge, read_upload

    boundary = "ybtboundary"
    head = (f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.csv"\r\n'
            f"Content-Type: text/csv\r\n\r\n").encode()
    pulled = []

    async def receive():
        pulled.append(1)
        if len(pulled) == 1:
            return {"type": "http.request", "body": head, "more_body": True}
        return {"type": "http.request", "body": b"1" * 65536, "more_body": len(pulled) < 200}  # 13 MB in all

    scope = {"type": "http", "method": "POST", "path": "/import", "headers": [
        (b"content-type", f"multipart/form-data; boundary={boundary}".encode())]}
    with pytest.raises(TooLarge):
        asyncio.run(read_upload(Request(scope, receive), tmp_path, 1024 * 1024))
    assert len(pulled) < 25  # 1 MB + the slack for the form's fields, then it stopped reading


def test_uploads_are_removed_after_a_day(site, tmp_path):
    files = ImportFiles(tmp_path / "old", keep=0)
    upload_id, folder = files.new()
    files.save(folder, {"problems": []})
    assert files.report(upload_id) is None and files.folder(upload_id) is None  # expired at once with keep=0
    files._cleaned = 0
    files.clean()
    assert not folder.exists()
    assert files.report("../../etc") is None and files.folder("") is None


# --- the JSON API -----------------------------------------------------------------------------

def api_client(site: Site, user: str | None) -> TestClient:
    c = TestClient(site.app, raise_server_exceptions=False)
    if user:
        c.headers["Authorization"] = f"Bearer {site.world.tokens[user]}"
    return c


def post_api(c: TestClient, path: Path | bytes, name: str | None = None, **fields):
    if isinstance(path, Path):
        name, path = name or path.name, path.read_bytes()
    return c.post("/api/imports", data={k: str(v) for k, v in fields.items()}, files={"file": (name, path, XLSX)})


def test_the_api_imports_with_a_token_and_answers_errors_in_the_one_shape(site):
    c = api_client(site, "linjiang")
    rows = [person(1), person(2, **{"出生日期": "2023-02-30"})]
    r = post_api(c, site.roster("接口.xlsx", rows), period="2024-02")
    assert r.status_code == 202, r.text
    job = r.json()["job"]
    assert job["status"] in ("queued", "running", "done") and r.headers["location"] == job["url"]
    assert job["url"] == f"/api/imports/{job['id']}" and job["file"] == "接口.xlsx" and job["period"] == "2024-02"
    done = finished(c, job["id"])
    assert done["job"]["status"] == "done" and done["job"]["result"] == "imported" and done["job"]["error"] is None
    assert done["job"]["rows_done"] == done["job"]["rows_total"] == 2 and done["job"]["percent"] == 100
    body = done["import"]
    assert done["ok"] is True and body["status"] == "imported" and body["rows_imported"] == 1
    assert body["sheets"][0]["form"] == "person_roster" and body["problems_total"] == 1
    (problem,) = body["problems"]
    assert problem["code"] == "invalid-date" and problem["location"]["row"] == 5 and problem["location"]["column"] == "E"
    assert "/tmp" not in r.text and str(site.tmp) not in r.text  # no server path
    workbook = c.get(body["error_workbook"])
    assert workbook.status_code == 200 and workbook.content[:2] == b"PK"
    assert api_client(site, "zhutuo").get(body["error_workbook"]).status_code == 404
    assert api_client(site, None).get(body["error_workbook"]).status_code == 401
    # strict: one wrong row rejects the file: the job fails with the first problem; every problem in the report
    r = post_api(c, site.roster("严格.xlsx", [person(3), person(4, **{"出生日期": "明天"})]), strict="true")
    assert r.status_code == 202
    rejected = finished(c, r.json()["job"]["id"])
    assert rejected["job"]["status"] == "failed" and rejected["job"]["result"] == "rejected"
    assert rejected["job"]["error"] == {"code": "invalid-date", "message": "日期无效：明天"}
    assert rejected["job"]["message"].startswith("文件有错误，按严格模式整体未导入")
    assert rejected["import"]["problems"][0]["code"] == "invalid-date" and rejected["import"]["error_workbook"]
    # nothing stored: the right row is not counted as imported, in the file's counts or a ledger's
    assert (rejected["import"]["rows_read"], rejected["import"]["rows_imported"]) == (2, 0)
    assert all(c["inserted"] == 0 for c in rejected["import"]["sheets"][0]["ledgers"].values())
    assert site.record("person_identity", person(3)["身份证号码"]) is None
    empty = finished(c, post_api(c, b"", "空.xlsx").json()["job"]["id"])
    assert empty["job"]["status"] == "failed" and empty["job"]["error"]["code"] == "file-empty"
    assert "文件是空的" in empty["job"]["error"]["message"] and empty["import"]["status"] == "failed"
    assert api_client(site, None).post("/api/imports", files={"file": ("a.xlsx", b"x", XLSX)}).status_code == 401
    out = post_api(api_client(site, "lj_village"), site.roster("越权.xlsx", [person(5)]), org_unit=ZT_VILLAGE)
    assert out.status_code == 403 and out.json()["error"] == "forbidden"


def test_the_api_with_a_session_needs_the_csrf_header(site):
    c = login_client(site.app, "linjiang")
    before = site.counts()
    r = post_api(c, site.roster("会话.xlsx", [person(1)]))
    assert r.status_code == 403 and r.json()["error"] == "forbidden" and site.counts() == before
    c.headers["X-CSRF-Token"] = csrf_of(c.get("/import").text)
    r = post_api(c, site.roster("会话.xlsx", [person(1)]))
    assert r.status_code == 202 and finished(c, r.json()["job"]["id"])["job"]["result"] == "imported"


# --- the queue of uncertain links ---------------------------------------------------------------

def test_uncertain_links_are_decided_within_the_scope_only(site):
    """Rows without a valid ID number wait for a person; only someone who sees both the row's village
    and the proposed person's record may decide (an administrator decides the rest)."""
    store = LedgerStore(site.engine)
    rows, people = [], []
    for unit in (LJ_VILLAGE, ZT_VILLAGE):  # the second resembles someone of another town
        p = site.world.person_of(unit)
        record = store.get("person_identity", p.id_number)
        people.append((p, record))
        rows.append(person(len(rows) + 1, **{
            "姓名": p.name, "性别": "男" if record["gender"] == "1" else "女", "身份证号码": p.id_number[:17],
            "出生日期": record["birth_date"].replace(day=record["birth_date"].day + 10).isoformat()}))
    c = login_client(site.app, "linjiang")
    _id, text = result(c, upload(c, site.roster("缺身份证号.xlsx", rows)))
    # a person of another town is not offered to the town's import at all (its masked ID neither)
    assert "1行待人工确认人员身份" in text and "2行待人工确认人员身份" not in text
    (mine, mine_record), (theirs, theirs_record) = people
    assert theirs.id_number[-4:] not in text
    assert "有 1 行数据待确认人员身份" in c.get("/import").text
    # imported for the whole district, the same row is linked to that person: the administrator decides
    admin = login_client(site.app, "admin")
    _id, text = result(admin, upload(admin, site.roster("区里缺身份证号.xlsx", [rows[1]])))
    assert "1行待人工确认人员身份" in text
    assert "有 1 行数据待确认人员身份" in c.get("/import").text  # still: the other one is not the town's
    with site.engine.connect() as conn:
        links = {r.candidate_key: r.id for r in conn.execute(select(schema.link.c.id, schema.link.c.candidate_key))}
    own, foreign = links[mine.id_number], links[theirs.id_number]

    page = login_client(site.app, "lj_village").get("/import/links").text
    assert f'id="link-{own}"' in page and f'id="link-{foreign}"' not in page
    assert mine.id_number not in page and mine.id_number[-4:] in page and theirs.name not in page
    zhutuo = login_client(site.app, "zhutuo")
    assert "没有待确认的人员" in zhutuo.get("/import/links").text
    csrf = csrf_of(zhutuo.get("/import/links").text)
    r = zhutuo.post(f"/import/links/{own}", data={"csrf": csrf, "decision": "confirm"})
    assert r.status_code == 404 and store.get("person_identity", mine.id_number) == mine_record
    r = c.post(f"/import/links/{own}", data={"decision": "confirm"})  # no CSRF token
    assert r.status_code == 403 and store.get("person_identity", mine.id_number) == mine_record

    r = c.post(f"/import/links/{own}", data={"csrf": csrf_of(c.get("/import/links").text), "decision": "confirm"},
               follow_redirects=False)
    assert r.status_code == 303 and "已确认" in c.get(r.headers["location"]).text
    confirmed = store.get("person_identity", mine.id_number)
    assert confirmed["birth_date"].isoformat() == rows[0]["出生日期"] and confirmed["_org_unit"] == LJ_VILLAGE
    assert audit.entries(site.engine, action="link-confirm")[0].actor == "linjiang"
    # the same button again (a double click, a second tab, a colleague): said so, nothing written twice
    again = c.post(f"/import/links/{own}", data={"csrf": csrf_of(c.get("/import/links").text), "decision": "reject"})
    assert again.status_code == 200 and "这一行已经处理过" in again.text and "找不到" not in again.text
    assert store.get("person_identity", mine.id_number) == confirmed and len(audit.entries(site.engine,
                                                                                          action="link-reject")) == 0
    assert zhutuo.post(f"/import/links/{own}", data={"csrf": csrf, "decision": "confirm"}).status_code == 404

    page = admin.get("/import/links").text
    assert f'id="link-{foreign}"' in page
    r = admin.post(f"/import/links/{foreign}", data={"csrf": csrf_of(page), "decision": "reject"})
    assert r.status_code == 200 and "已否定" in r.text
    assert store.get("person_identity", theirs.id_number) == theirs_record
    with site.engine.connect() as conn:
        statuses = dict(conn.execute(select(schema.link.c.id, schema.link.c.status)).all())
    assert statuses == {own: "confirmed", foreign: "rejected"}


def test_every_link_waiting_in_the_scope_is_counted_beyond_the_first_page(site, monkeypatch):
    """The queue showed at most 100 links and said 有 100 行 however many waited; it counts them all
    and says the list is cut short."""
    from yibiaotong.web import routes_import

    monkeypatch.setattr(routes_import, "LINKS_PAGE", 1)
    store = LedgerStore(site.engine)
    rows = []
    for p in [q for q in site.world.people if q.unit == LJ_VILLAGE][:2]:
        record = store.get("person_identity", p.id_number)
        rows.append(person(len(rows) + 1, **{
            "姓名": p.name, "性别": "男" if record["gender"] == "1" else "女", "身份证号码": p.id_number[:17],
            "出生日期": record["birth_date"].replace(day=record["birth_date"].day + 10).isoformat()}))
    c = login_client(site.app, "linjiang")
    _id, text = result(c, upload(c, site.roster("两个缺号.xlsx", rows)))
    assert "2行待人工确认人员身份" in text
    assert "有 2 行数据待确认人员身份" in c.get("/import").text
    page = c.get("/import/links").text
    assert "<small>2</small>" in page and "共 2 行待确认，这里先列出最早的 1 行" in page
    assert page.count('class="panel link"') == 1
    assert "没有待确认的人员" in login_client(site.app, "zhutuo").get("/import/links").text


def test_the_period_read_from_the_title_is_shown_in_the_summary(site):
    c = login_client(site.app, "linjiang")
    path = fill_roster(site.templates["person_roster"], site.tmp / "三月.xlsx", [person(1)],
                       title="临江镇2024年3月人员花名册")
    _id, text = result(c, upload(c, path, org_unit=LINJIANG))  # no period chosen: the title says it
    summary = text.split('class="props"', 1)[1].split("</dl>", 1)[0]
    assert "2024-03" in summary


def test_the_result_links_to_the_conflicts_this_file_brought(site):
    """The town's January roster, then the village's for the same month with another level: the
    village clerk's result counts the conflict and its link lists that one, not the town's others."""
    town = login_client(site.app, "linjiang")
    result(town, upload(town, site.roster("镇一月.xlsx", [person(1), person(2)]), period="2024-01", org_unit=LINJIANG))
    village = login_client(site.app, "lj_village")
    _id, text = result(village, upload(village, site.roster("村一月.xlsx", [person(1, **{"残疾等级": "一级"})]),
                                       period="2024-01"))
    link = re.search(r'href="(/import/conflicts\?file=[0-9a-f]{64})">1<', text)
    assert link, text
    listed = village.get(link.group(1)).text
    assert "只列出文件“村一月.xlsx”导入时产生" in listed and "<small>1</small>" in listed
    assert "镇一月.xlsx · 2024-01" in listed and "残疾等级" in listed  # the value is masked for this clerk


def test_a_link_waiting_with_a_columns_own_records_is_decided_in_the_page(site):
    """A row of a form whose columns make records of their own (042's 生活补贴 and 护理补贴: two
    payments) waits with them under ``ledger#n`` (ingest.plan.ledger_of): the page offered no such
    link, taking ``event_payment#1`` for a ledger the clerk may not write."""
    store = LedgerStore(site.engine)
    p = next(q for q in site.world.people if q.unit == LJ_VILLAGE)
    record = store.get("person_identity", p.id_number)
    row = person(1, **{"姓名": p.name, "性别": "男" if record["gender"] == "1" else "女", "身份证号码": p.id_number[:17],
                       "出生日期": record["birth_date"].replace(day=record["birth_date"].day + 10).isoformat()})
    c = login_client(site.app, "linjiang")
    _id, text = result(c, upload(c, site.roster("缺身份证号.xlsx", [row])))
    assert "1行待人工确认人员身份" in text
    with site.engine.begin() as conn:
        link_id, payload = conn.execute(select(schema.link.c.id, schema.link.c.payload)).one()
        payload = {**payload, "ledgers": {f"{lid}#1": values for lid, values in payload["ledgers"].items()}}
        conn.execute(update(schema.link).where(schema.link.c.id == link_id).values(payload=payload))
    page = c.get("/import/links").text
    assert f'id="link-{link_id}"' in page
    r = c.post(f"/import/links/{link_id}", data={"csrf": csrf_of(page), "decision": "confirm"}, follow_redirects=False)
    assert r.status_code == 303 and "已确认" in c.get(r.headers["location"]).text
    assert store.get("person_identity", p.id_number)["birth_date"].isoformat() == row["出生日期"]
