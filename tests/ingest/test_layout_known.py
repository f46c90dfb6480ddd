"""A short roster whose rows hold notes outside the labelled columns is still a roster: read as
one record (its first row) it lost every other row without a word."""

from __future__ import annotations

import csv
import io

from tests.ingest.conftest import TOWN
from tests.ingest.test_bad_input_more import HEADER, values
from yibiaotong.ingest import import_file


def test_a_short_csv_roster_with_notes_beside_two_rows_imports_every_row(intake):
    rows = [[*values(n), "", ""] for n in range(1, 7)]  # Excel saves every row as wide as the sheet
    rows[1][-1], rows[4][-1] = "已核实", "新增"  # notes typed beside the table, under no header
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows([[*HEADER, "", ""], *rows])
    path = intake.tmp / "短名册.csv"
    path.write_bytes(out.getvalue().encode())
    for form in ("disability_roster", None):  # the form chosen, and recognised
        report = import_file(intake.engine, path, form=form, org_unit=TOWN)
        assert report.rows_read == 6 and not report.problems, (form, report.message)
        assert intake.store.count("person_identity") == 6, (form, report.message)
