"""The permission matrix: every API route × every role × an in-scope and an out-of-scope target.

Out of scope must look exactly like "not there": the same status and the same body as a ledger or
record that does not exist, and no name, ID number or count of anything outside the scope.
"""

from __future__ import annotations

from tests.access.world import (
    DISTRICT,
    LEDGERS,
    LINJIANG,
    LJ_GRID,
    LJ_VILLAGE,
    SCOPES,
    USERS,
    VISIBLE,
    ZHUTUO,
    ZT_VILLAGE,
)
from tests.web.alerts_world import expected_count, plant_alerts

NAMES = {d["id"]: d["name"] for d in LEDGERS}
GRANTED_COLUMNS = {("minzheng", "person_identity"): {"id_number", "person_name", "gender", "phone"}}
WRITABLE = {("minzheng", "person_disability"), *((u, lid) for u in ("admin", *SCOPES) for lid in NAMES)}
REVEAL = {("minzheng", "person_identity"), *((u, lid) for u in ("admin", "linjiang", "zhutuo", "lj_village")
                                               for lid in ("person_identity", "person_disability"))}
API_ROUTES = {
    ("GET", "/api/me"), ("GET", "/api/ledgers"), ("GET", "/api/ledgers/{ledger_id}"),
    ("GET", "/api/ledgers/{ledger_id}/records"), ("GET", "/api/ledgers/{ledger_id}/records/{record_id}"),
    ("GET", "/api/ledgers/{ledger_id}/records/{record_id}/history"),
    ("PATCH", "/api/ledgers/{ledger_id}/records/{record_id}"),
    ("POST", "/api/ledgers/{ledger_id}/records/{record_id}/reveal"),
}
ALERT_ROUTES = {("GET", "/api/alerts")}  # scoped by org unit and department, not by ledger
PUBLIC_ROUTES = {("GET", "/api/health")}
IMPORT_ROUTES = {("POST", "/api/imports"), ("GET", "/api/imports/{import_id}"),
                 ("GET", "/api/imports/{import_id}/error-workbook")}
REPORT_ROUTES = {("POST", "/api/reports"), ("GET", "/api/reports/{job_id}"), ("GET", "/api/reports/{job_id}/file")}


def units_of(user: str) -> set[str] | None:
    return SCOPES.get(user)


def home(user: str) -> str:
    """A unit inside the user's scope (the deepest of it, so that also the narrowest scope has records)."""
    return {"linjiang": LJ_VILLAGE, "lj_village": LJ_VILLAGE, "lj_grid": LJ_GRID, "zhutuo": ZT_VILLAGE}.get(user, ZT_VILLAGE)


def away(user: str) -> str | None:
    """A unit outside the user's scope (None when the user sees the whole district)."""
    return {"linjiang": ZT_VILLAGE, "lj_village": ZT_VILLAGE, "lj_grid": LJ_VILLAGE, "zhutuo": LJ_VILLAGE}.get(user)


def test_the_matrix_covers_every_api_route(app):
    # the OpenAPI document lists every API route: a new one fails here until the matrix covers it
    routes = {(method.upper(), path) for path, ops in app.openapi()["paths"].items() for method in ops}
    assert routes == API_ROUTES | ALERT_ROUTES | PUBLIC_ROUTES | IMPORT_ROUTES | REPORT_ROUTES


def test_anonymous_callers_get_401_in_the_one_error_shape(api, world):
    c = api(None)
    rid = world.record_in("person_identity", ZT_VILLAGE)
    for method, path in sorted(API_ROUTES | ALERT_ROUTES):
        url = path.format(ledger_id="person_identity", record_id=rid)
        r = c.request(method, url, json={"version": 1, "values": {}} if method == "PATCH" else
                      {"column": "id_number", "purpose": "核实"} if method == "POST" else None)
        assert r.status_code == 401, (method, url, r.text)
        assert set(r.json()) == {"ok", "error", "message", "details"} and r.json()["error"] == "login-required"
    for method, path in sorted(IMPORT_ROUTES):
        r = c.request(method, path.format(import_id="x" * 24), files={"file": ("a.xlsx", b"x")} if method == "POST" else None)
        assert r.status_code == 401 and r.json()["error"] == "login-required", (method, path, r.text)
    for method, path in sorted(REPORT_ROUTES):
        r = c.request(method, path.format(job_id=1), json={"period": "2024-01", "org_unit": ZT_VILLAGE}
                      if method == "POST" else None)
        assert r.status_code == 401 and r.json()["error"] == "login-required", (method, path, r.text)
    bad = api(None)
    bad.headers["Authorization"] = "Bearer ybt_not-a-real-token"
    assert bad.get("/api/ledgers").status_code == 401
    assert c.get("/api/health").json() == {"ok": True}


def _leaks(text: str, world, ledger_id: str, unit: str | None) -> list[str]:
    """Names, ID numbers (also their masked tails) and the ledger name that must not be in ``text``."""
    found = []
    people = [p for p in world.people if unit is None or p.unit == unit]
    for p in people:
        for secret in (p.name, p.id_number, p.id_number[-4:] + '"', p.phone):
            if secret in text:
                found.append(secret)
    if NAMES.get(ledger_id, "@@") in text:
        found.append(NAMES[ledger_id])
    if '"count"' in text or '"records"' in text:
        found.append("count/records")
    return found


def test_every_route_every_role_in_and_out_of_scope(api, world):
    problems: list[str] = []

    def expect(cond: bool, what: str) -> None:
        if not cond:
            problems.append(what)

    for user, _role, _unit, _department in USERS:
        c = api(user)
        scope = units_of(user)
        me = c.get("/api/me")
        expect(me.status_code == 200 and me.json()["name"] == user, f"{user} /api/me")
        listed = {d["id"]: d for d in c.get("/api/ledgers").json()["ledgers"]}
        expect(set(listed) == VISIBLE[user], f"{user} sees ledgers {sorted(listed)}")
        for ledger_id in NAMES:
            visible = ledger_id in VISIBLE[user]
            in_rid = world.record_in(ledger_id, home(user))
            base = f"/api/ledgers/{ledger_id}"
            if not visible:
                # an invisible ledger answers exactly like one that does not exist, on every route
                for method, path in sorted(API_ROUTES - {("GET", "/api/me"), ("GET", "/api/ledgers")}):
                    body = {"version": 1, "values": {}} if method == "PATCH" else (
                        {"column": "id_number", "purpose": "核实身份"} if method == "POST" else None)
                    r = c.request(method, path.format(ledger_id=ledger_id, record_id=in_rid), json=body)
                    ghost = c.request(method, path.format(ledger_id="no_such_ledger", record_id=in_rid), json=body)
                    expect(r.status_code == 404 and r.json() == ghost.json(), f"{user} {method} {path} on hidden {ledger_id}: {r.status_code}")
                    expect(not _leaks(r.text, world, ledger_id, None), f"{user} hidden {ledger_id} leaks {_leaks(r.text, world, ledger_id, None)}")
                continue
            # the ledger, its columns and its count in scope
            d = c.get(base).json()
            expected_columns = GRANTED_COLUMNS.get((user, ledger_id), set(next(x["columns"] for x in LEDGERS if x["id"] == ledger_id)))
            expect({col["name"] for col in d["columns"]} == expected_columns, f"{user} {ledger_id} columns")
            expect(d["count"] == world.count(ledger_id, scope), f"{user} {ledger_id} count {d['count']}")
            expect(listed[ledger_id]["count"] == world.count(ledger_id, scope), f"{user} list count {ledger_id}")
            # every record returned lies within the scope, and they are all there
            got = c.get(f"{base}/records", params={"limit": 500}).json()["records"]
            expect(len(got) == world.count(ledger_id, scope), f"{user} {ledger_id} records {len(got)}")
            expect(all(scope is None or r["org_unit"] in scope for r in got), f"{user} {ledger_id} out-of-scope rows")
            expect(all(set(r["values"]) == expected_columns for r in got), f"{user} {ledger_id} hidden columns returned")
            # org-unit filter inside the scope narrows; outside it is refused without a count
            inside = c.get(f"{base}/records", params={"org_unit": home(user), "limit": 500})
            expect(inside.status_code == 200 and all(r["org_unit"] in (home(user), LJ_GRID) for r in inside.json()["records"]),
                   f"{user} {ledger_id} inside filter")
            if away(user):
                r = c.get(f"{base}/records", params={"org_unit": away(user)})
                expect(r.status_code in (403, 404) and not _leaks(r.text, world, ledger_id, away(user)),
                       f"{user} {ledger_id} outside filter {r.status_code}")
            # one record: in scope it is there (history too), out of scope it is "not there"
            r = c.get(f"{base}/records/{in_rid}")
            expect(r.status_code == 200, f"{user} {ledger_id} own record {r.status_code}")
            expect(c.get(f"{base}/records/{in_rid}/history").status_code == 200, f"{user} {ledger_id} own history")
            version = r.json()["record"]["version"] if r.status_code == 200 else 1
            first_column = next(iter(sorted(expected_columns - {"id_number", "land_parcel_code"})))
            same = r.json()["record"]["values"][first_column] if r.status_code == 200 else None
            patch = c.patch(f"{base}/records/{in_rid}", json={"version": version, "values": {first_column: same}})
            writable = (user, ledger_id) in WRITABLE
            expect(patch.status_code == (200 if writable else 403), f"{user} {ledger_id} patch {patch.status_code} {patch.text[:200]}")
            masked_column = "id_number" if ledger_id != "land_planting" else None
            if masked_column:
                rv = c.post(f"{base}/records/{in_rid}/reveal", json={"column": masked_column, "purpose": "核实低保资格"})
                may = (user, ledger_id) in REVEAL
                expect(rv.status_code == (200 if may else 403), f"{user} {ledger_id} reveal {rv.status_code}")
            if away(user):
                out_rid = world.record_in(ledger_id, away(user))
                ghost_rid = 10_000_000
                for method, path in sorted(API_ROUTES - {("GET", "/api/me"), ("GET", "/api/ledgers"),
                                                         ("GET", "/api/ledgers/{ledger_id}"),
                                                         ("GET", "/api/ledgers/{ledger_id}/records")}):
                    body = {"version": 1, "values": {first_column: "x"}} if method == "PATCH" else (
                        {"column": "id_number", "purpose": "核实身份"} if method == "POST" else None)
                    r = c.request(method, path.format(ledger_id=ledger_id, record_id=out_rid), json=body)
                    ghost = c.request(method, path.format(ledger_id=ledger_id, record_id=ghost_rid), json=body)
                    expect(r.status_code == 404 and r.json() == ghost.json(),
                           f"{user} {method} {path} out of scope: {r.status_code} {r.text[:120]}")
                    expect(not _leaks(r.text, world, ledger_id, away(user)), f"{user} {method} {path} leaks")
    assert not problems, "\n".join(problems)


def test_pages_follow_the_same_scope(app, world):
    from tests.web.helpers import login_client

    for user, _role, _unit, _department in USERS:
        c = login_client(app, user)
        listing = c.get("/ledgers").text
        for ledger_id, name in NAMES.items():
            assert (name in listing) == (ledger_id in VISIBLE[user]), (user, ledger_id)
            page = c.get(f"/ledgers/{ledger_id}")
            in_rid = world.record_in(ledger_id, home(user))
            if ledger_id not in VISIBLE[user]:
                assert page.status_code == 404 and name not in page.text, (user, ledger_id)
                assert c.get(f"/ledgers/{ledger_id}/records/{in_rid}").status_code == 404
                continue
            assert page.status_code == 200
            shown = {p.name for p in world.people if p.name in page.text}
            allowed = {p.name for p in world.people if units_of(user) is None or p.unit in units_of(user)}
            assert shown <= allowed, (user, ledger_id, shown - allowed)
            assert c.get(f"/ledgers/{ledger_id}/records/{in_rid}").status_code == 200
            if away(user):
                out_rid = world.record_in(ledger_id, away(user))
                r = c.get(f"/ledgers/{ledger_id}/records/{out_rid}")
                assert r.status_code == 404 and not _leaks(r.text, world, ledger_id, away(user))
                r = c.get(f"/ledgers/{ledger_id}", params={"org_unit": away(user)})
                assert r.status_code == 403 and not _leaks(r.text, world, ledger_id, away(user))
        for admin_page in ("/admin/users", "/admin/audit"):
            assert c.get(admin_page).status_code == (200 if user == "admin" else 403), (user, admin_page)


def test_a_town_sees_its_villages_and_grids_but_not_the_district_level(api, world):
    c = api("linjiang")
    units = {r["org_unit"] for r in c.get("/api/ledgers/person_identity/records", params={"limit": 500}).json()["records"]}
    assert units == {LINJIANG, LJ_VILLAGE, LJ_GRID, "500118103202"}
    assert DISTRICT not in units and ZHUTUO not in units


def test_alerts_every_role_in_and_out_of_scope(api, world):
    """/api/alerts lists exactly the alerts of the caller's scope; a filter on a unit outside it is
    refused without naming anything there, and no alert outside the scope shows up anywhere."""
    plant_alerts(world)
    everything = api("admin").get("/api/alerts", params={"limit": 500}).json()["alerts"]
    assert len(everything) == expected_count("admin")
    for user, role, _unit, department in USERS:
        c = api(user)
        scope = units_of(user)
        got = c.get("/api/alerts", params={"limit": 500, "status": "open"})
        assert got.status_code == 200, (user, got.text[:200])
        alerts = got.json()["alerts"]
        assert got.json()["total"] == len(alerts) == expected_count(user), user
        assert all(scope is None or a["org_unit"] in scope for a in alerts), user
        assert all(role != "department" or a["department"] == department for a in alerts), user
        hidden = [a for a in everything if a["id"] not in {x["id"] for x in alerts}]
        assert not any(a["explanation"] in got.text for a in hidden), user
        inside = c.get("/api/alerts", params={"org_unit": home(user), "limit": 500}).json()["alerts"]
        assert inside and all(a["org_unit"] in (home(user), LJ_GRID) for a in inside), user
        if away(user):
            r = c.get("/api/alerts", params={"org_unit": away(user)})
            assert r.status_code in (403, 404) and set(r.json()) == {"ok", "error", "message", "details"}, user
            assert not _leaks(r.text, world, "person_identity", away(user)) and '"total"' not in r.text, user


def test_imports_every_role_in_and_out_of_scope(app, api, world, tmp_path):
    """POST /api/imports writes only ledgers the user may write, only within the scope; another user's
    import job and error workbook are "not there", exactly like ones that do not exist."""
    from tests.web.test_import import fill_roster, finished, install_forms, person
    from yibiaotong.ledgers import LedgerStore
    from yibiaotong.web.import_files import ImportFiles

    templates = install_forms(world.engine, tmp_path / "forms")
    app.state.imports = ImportFiles(tmp_path / "uploads")
    store = LedgerStore(world.engine)
    may = {"admin": {"person_roster", "disability_roster"}, "minzheng": {"disability_roster"}, "nongye": set(),
           **{u: {"person_roster", "disability_roster"} for u in SCOPES}}
    problems: list[str] = []
    workbooks: dict[str, str] = {}
    imports: dict[str, str] = {}
    for i, (user, _role, _unit, _department) in enumerate(USERS):
        c = api(user)
        for j, form in enumerate(("person_roster", "disability_roster")):
            row = person(100 + i * 10 + j, village="")
            # a village outside the scope (for the grid worker not 临江村: the grid's own village names
            # a unit above the grid, and a row naming it lies in the grid, as a generated report prints it)
            outside = "朱沱村" if away(user) == ZT_VILLAGE else "河湾村" if user == "lj_grid" else "临江村"
            wrong = person(105 + i * 10 + j, village=outside, **{"出生日期": "明天"})
            path = fill_roster(templates[form], tmp_path / f"{user}-{form}.xlsx", [row, wrong])
            r = c.post("/api/imports", data={"form": form, "org_unit": home(user)},
                       files={"file": (path.name, path.read_bytes())})
            if form not in may[user]:
                if r.status_code != 403 or r.json()["error"] != "forbidden":
                    problems.append(f"{user} {form}: {r.status_code}")
                continue
            if r.status_code != 202:
                problems.append(f"{user} {form}: {r.status_code} {r.text[:200]}")
                continue
            imports[user] = r.json()["job"]["url"]
            body = finished(c, r.json()["job"]["id"])["import"]
            ledger = "person_identity" if form == "person_roster" else "person_disability"
            written = store.get(ledger, row["身份证号码"])
            if written["_org_unit"] != home(user) or body["rows_imported"] != 1 or body["rows_invalid"] != 1:
                problems.append(f"{user} {form}: wrote {written['_org_unit']} {body['rows_imported']}")
            workbooks[user] = body["error_workbook"]
            if away(user):  # a unit outside the scope: refused before reading, nothing of it in the answer
                out = c.post("/api/imports", data={"form": form, "org_unit": away(user)},
                             files={"file": (path.name, path.read_bytes())})
                if out.status_code != 403 or _leaks(out.text, world, ledger, away(user)):
                    problems.append(f"{user} {form} outside: {out.status_code}")
    for user, url in workbooks.items():
        problems += _owner_only(api, user, url, "/api/imports/" + "y" * 24 + "/error-workbook", "error workbook")
    for user, url in imports.items():
        problems += _owner_only(api, user, url, "/api/imports/" + "y" * 24, "import job")
    assert not problems, "\n".join(problems)


def test_reports_every_role_in_and_out_of_scope(app, api, world, tmp_path):
    """POST /api/reports starts a job only for forms the user may generate, only within the scope, and
    sensitive values in full only for those who may reveal them; a job and its zip are seen by the user
    who asked and by administrators, anyone else gets exactly what a job that does not exist gives."""
    import io
    import time
    import zipfile

    import openpyxl

    from tests.reports.world_forms import LAND_FORM, PEOPLE_FORM, install_world_forms
    from yibiaotong.web.routes_reports import ReportJobs

    install_world_forms(world.engine, tmp_path / "forms")
    app.state.report_jobs = ReportJobs(world.engine, tmp_path / "jobs")
    may = {"admin": {PEOPLE_FORM, LAND_FORM}, "minzheng": {PEOPLE_FORM}, "nongye": {LAND_FORM},
           **{u: {PEOPLE_FORM, LAND_FORM} for u in SCOPES}}
    reveal = {"admin", "minzheng", "linjiang", "zhutuo", "lj_village"}  # per role, and per grant for departments
    problems: list[str] = []
    started: dict[str, int] = {}
    for user, _role, _unit, _department in USERS:
        c = api(user)
        for form in (PEOPLE_FORM, LAND_FORM):
            r = c.post("/api/reports", json={"period": "2024-01", "org_unit": home(user), "forms": [form]})
            if form not in may[user]:
                if r.status_code != 403 or r.json()["error"] != "forbidden":
                    problems.append(f"{user} {form}: {r.status_code}")
                continue
            if r.status_code != 202 or r.json()["job"]["status"] not in ("queued", "running", "done"):
                problems.append(f"{user} {form}: {r.status_code} {r.text[:200]}")
                continue
            if form == PEOPLE_FORM or user == "nongye":
                started[user] = r.json()["job"]["id"]
            if away(user):  # a unit outside the scope: refused, nothing of it in the answer
                out = c.post("/api/reports", json={"period": "2024-01", "org_unit": away(user), "forms": [form]})
                if out.status_code != 403 or _leaks(out.text, world, "person_identity", away(user)):
                    problems.append(f"{user} {form} outside: {out.status_code}")
        wanted = {"period": "2024-01", "org_unit": home(user), "forms": sorted(may[user])[:1], "reveal": True,
                  "purpose": "核对补贴名单"}
        r = c.post("/api/reports", json=wanted)
        if r.status_code != (202 if user in reveal else 403):
            problems.append(f"{user} reveal: {r.status_code}")
    for user, job_id in started.items():
        c = api(user)
        deadline = time.monotonic() + 120  # jobs run one at a time; CI runs the suite on two busy cores
        while True:
            job = c.get(f"/api/reports/{job_id}").json()["job"]
            if job["status"] in ("done", "failed") or time.monotonic() > deadline:
                break
            time.sleep(0.05)
        if job["status"] != "done" or not job["ready"]:
            problems.append(f"{user}'s job {job_id}: {job['status']} {job['problems']}")
            continue
        zipped = c.get(f"/api/reports/{job_id}/file")
        if zipped.status_code != 200:
            problems.append(f"{user}'s zip: {zipped.status_code}")
            continue
        with zipfile.ZipFile(io.BytesIO(zipped.content)) as zf:
            text = " ".join(str(cell.value) for name in zf.namelist() if name.endswith(".xlsx")
                            for ws in openpyxl.load_workbook(io.BytesIO(zf.read(name))).worksheets
                            for row in ws.iter_rows() for cell in row if cell.value is not None)
        scope = units_of(user)
        shown = {p.name for p in world.people if p.name in text}
        if scope is not None and not shown <= {p.name for p in world.people if p.unit in scope}:
            problems.append(f"{user}'s zip holds people outside the scope")
        if any(p.id_number in text for p in world.people):
            problems.append(f"{user}'s zip shows an ID number in full without asking")
        for suffix in ("", "/file"):
            problems += _owner_only(api, user, f"/api/reports/{job_id}{suffix}", f"/api/reports/99999999{suffix}",
                                    f"job{suffix}")
    assert not problems, "\n".join(problems)


def _owner_only(api, owner: str, url: str, ghost_url: str, what: str) -> list[str]:
    """Only the owner and an administrator get ``url``; anyone else gets exactly what a thing that
    does not exist (``ghost_url``) gives."""
    problems = []
    for other, _role, _unit, _department in USERS:
        r = api(other).get(url)
        if other in (owner, "admin"):
            if r.status_code != 200:
                problems.append(f"{other} cannot fetch {owner}'s {what}: {r.status_code}")
        elif r.status_code != 404 or r.json() != api(other).get(ghost_url).json():
            problems.append(f"{other} fetches {owner}'s {what}: {r.status_code}")
    return problems
