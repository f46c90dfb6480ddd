"""A kill in the middle of an import leaves the database as it was before that file, whatever its format."""

from __future__ import annotations

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
