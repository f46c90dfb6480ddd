"""A kill in the middle of an import leaves the database as it was before that file, whatever its format."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from tests.ingest.conftest import TOWN, person
from tests.ingest.test_formats import saved_as
from yibiaotong.ingest import import_file
from yibiaotong.store import schema

CHILD = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    from sqlalchemy import create_engine
    from yibiaotong.ingest import import_file, sheet

    url, search_path, path, marker = sys.argv[1:5]
    args = {"options": f"-csearch_path={search_path}"} if search_path else {}
    engine = create_engine(url, connect_args=args)
    sheet.BATCH_ROWS = 50
    write = sheet.SheetImport._write

    def write_then_hang(self, batch):
        write(self, batch)
        if sum(c.inserted for c in self.report.ledgers.values()) >= 200:  # rows in the open transaction
            Path(marker).write_text("written")
            time.sleep(120)

    sheet.SheetImport._write = write_then_hang
    import_file(engine, path, org_unit=sys.argv[5])
""")


def counts(engine) -> list[int]:
    tables = [schema.source, schema.change, schema.import_batch]
    with engine.connect() as conn:
        out = [conn.execute(select(func.count()).select_from(t)).scalar_one() for t in tables]
        out += [conn.execute(text(f"select count(*) from ledger_{lid}")).scalar_one()
                for lid in ("person_identity", "person_disability")]
    return out


# a CSV (UTF-8 or GBK, read line by line) and an .xls are written in batches like an .xlsx
@pytest.mark.parametrize("fmt", ["xlsx", "csv-gbk", "xls"])
def test_killing_an_import_midway_leaves_the_database_as_it_was(intake, tmp_path, fmt):
    engine = intake.engine
    import_file(engine, intake.roster("先前.xlsx", [person(350)]), org_unit=TOWN)
    before = counts(engine)
    path = saved_as(fmt, intake.roster("大.xlsx", [person(n) for n in range(300)]))
    marker = tmp_path / "marker"
    search_path = ""
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            search_path = conn.execute(text("select current_schema()")).scalar_one()
    url = engine.url.render_as_string(hide_password=False)
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2] / "src")}
    child = subprocess.Popen([sys.executable, "-c", CHILD, url, search_path, str(path), str(marker), TOWN], env=env)
    try:
        deadline = time.time() + 60
        while not marker.exists():
            assert child.poll() is None, "the import ended before it was killed"
            assert time.time() < deadline, "the import never got going"
            time.sleep(0.05)
        os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=30)
    finally:
        if child.poll() is None:
            child.kill()
    assert child.returncode == -signal.SIGKILL
    assert counts(engine) == before  # rows were written inside the transaction, none are left
    report = import_file(engine, path, org_unit=TOWN)  # and the database takes the file afterwards
    assert report.status == "imported" and report.rows_imported == 300


# `ybt import` as a clerk runs it, one of its steps slowed so that Ctrl+C comes in the middle of it:
# the writing of the rows (in the transaction) or of the error workbook (after the commit). The
# sheet is read by a second process (small parts), which the terminal's Ctrl+C reaches too.
CLI_CHILD = textwrap.dedent("""
    import sqlite3, sys, time
    from pathlib import Path
    from yibiaotong.cli import main
    from yibiaotong.ingest import pipeline, sheet, workbook

    step, marker = sys.argv[1], Path(sys.argv[2])
    sheet.BATCH_ROWS = 50
    workbook.PART_BYTES, workbook.FIRST_PART_BYTES = 4000, 1500

    def slowed(function, ready):
        def slow(*args):
            out = function(*args)
            if ready(*args) and not marker.exists():
                marker.write_text(step)
                time.sleep(3)
            return out
        return slow

    if step == "rows":  # rows in the open transaction
        sheet.SheetImport._write = slowed(sheet.SheetImport._write, lambda self, batch: sum(
            c.inserted for c in self.report.ledgers.values()) >= 200)
    else:  # once the file's import is committed (the workbook is written while the transaction ends)
        db = sys.argv[sys.argv.index("--db") + 1]

        def committed(*args):
            deadline = time.time() + 30
            while time.time() < deadline:
                with sqlite3.connect(db) as conn:
                    if conn.execute("select count(*) from ybt_import where file_name = '大.xlsx'").fetchone()[0]:
                        return True
                time.sleep(0.05)
            return False

        pipeline.write_error_workbook = slowed(pipeline.write_error_workbook, committed)
    sys.argv = ["ybt", *sys.argv[3:]]
    main()
""")


@pytest.mark.parametrize("as_json", [False, True], ids=["chinese", "json"])
@pytest.mark.parametrize("step", ["rows", "error-workbook"])
def test_ctrl_c_stops_ybt_import_saying_what_is_in_and_what_is_not(intake, tmp_path, step, as_json):
    engine = intake.engine
    if engine.dialect.name != "sqlite":
        pytest.skip("the CLI opens databases by path: run on SQLite")
    before = counts(engine)
    first = intake.roster("先前.xlsx", [person(350)])
    big = intake.roster("大.xlsx", [person(n) for n in range(300)] + [person(400, 出生日期="2024年13月45日")])
    later = intake.roster("后来.xlsx", [person(351)])
    marker = tmp_path / "marker"
    args = ["import", str(first), str(big), str(later), "--org-unit", TOWN, "--db", engine.url.database]
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2] / "src")}
    child = subprocess.Popen([sys.executable, "-c", CLI_CHILD, step, str(marker), *args, *(["--json"] * as_json)],
                             env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                             start_new_session=True)
    try:
        deadline = time.time() + 60
        while not marker.exists():
            assert child.poll() is None, child.communicate()
            assert time.time() < deadline, "the import never got going"
            time.sleep(0.05)
        os.killpg(child.pid, signal.SIGINT)  # as a terminal's Ctrl+C: to every process of the group
        out, err = child.communicate(timeout=60)
    finally:
        if child.poll() is None:
            os.killpg(child.pid, signal.SIGKILL)
    assert child.returncode == 130, err  # as shells say a program Ctrl+C ended
    assert "Traceback" not in err and "Aborted" not in err and "KeyboardInterrupt" not in err
    stored = step == "error-workbook"
    if as_json:
        said = json.loads(out)
        assert said["error"] == ("import-interrupted-stored" if stored else "import-interrupted")
        assert said["stored"] is stored and said["not_begun"] == [str(later)]
        assert [r["file"] for r in said["reports"]] == ["先前.xlsx"] and said["reports"][0]["status"] == "imported"
    else:
        assert "✓ 先前.xlsx" in out
        said = " ".join(err.split())  # as the console wrapped it
        assert ("文件“大.xlsx”已经导入台账" if stored else "文件“大.xlsx”的这次导入没有做完，已撤销") in said
        assert "此前导入的 1 个文件不受影响，另有 1 个文件还没有开始导入" in said
    files = {p.name for p in tmp_path.iterdir()}
    assert not any(name.endswith(".part") for name in files), files  # no half error workbook is left behind
    with engine.connect() as conn:
        names = conn.execute(select(schema.import_batch.c.file_name)).scalars().all()
    assert sorted(names) == sorted(["先前.xlsx", *(["大.xlsx"] * stored)])
    if not stored:  # only the first file's person is in; the database takes the file afterwards
        assert counts(engine)[-2:] == [before[-2] + 1, before[-1] + 1]
        assert import_file(engine, big, org_unit=TOWN).rows_imported == 300
