"""Generated files open in LibreOffice; the CLI writes every form for every town with a progress bar."""

from __future__ import annotations

import json
import os
import shutil
import subprocess

import pytest
from typer.testing import CliRunner

from tests.reports.conftest import FAMILY, INDICATOR, ROSTER, TOWN
from yibiaotong.cli import app
from yibiaotong.reports import generate_report


def _soffice() -> str | None:
    found = shutil.which("soffice") or shutil.which("libreoffice")
    if found is None:
        if os.environ.get("YBT_REQUIRE_LIBREOFFICE"):
            pytest.fail("YBT_REQUIRE_LIBREOFFICE is set but soffice is not installed")
        pytest.skip("LibreOffice (soffice) is not installed: apt-get install libreoffice-calc-nogui")
    return found


def test_generated_reports_convert_to_pdf_in_libreoffice(district, tmp_path):
    if district.engine.dialect.name != "sqlite":
        pytest.skip("the file is the same whichever database filled it; converted once")
    soffice = _soffice()
    files = [generate_report(district.engine, f, "2024-01", TOWN, tmp_path).path for f in (ROSTER, INDICATOR, FAMILY)]
    proc = subprocess.run([soffice, "--headless", f"-env:UserInstallation=file://{tmp_path}/lo", "--convert-to", "pdf",
                           "--outdir", str(tmp_path / "pdf"), *map(str, files)],
                          capture_output=True, text=True, timeout=180)
    assert proc.returncode == 0, proc.stderr
    pdfs = sorted((tmp_path / "pdf").glob("*.pdf"))
    assert len(pdfs) == 3 and all(p.stat().st_size > 1000 and p.read_bytes().startswith(b"%PDF") for p in pdfs)


def test_cli_report_one_and_all(district, tmp_path):
    if district.engine.dialect.name != "sqlite":
        pytest.skip("the CLI opens databases by path: run on SQLite")
    db = str(district.engine.url.database)
    runner = CliRunner()
    one = runner.invoke(app, ["report", ROSTER, "--period", "2024-01", "--org-unit", "临江镇", "--db", db,
                              "--out", str(tmp_path / "one"), "--json"])
    assert one.exit_code == 0, one.output
    data = json.loads(one.output.strip().splitlines()[-1])
    assert data["rows"] == 2 and data["org_unit"] == TOWN and data["path"].endswith(".xlsx")
    every = runner.invoke(app, ["report", "--all", "--period", "2024-01", "--db", db, "--out", str(tmp_path / "all")])
    assert every.exit_code == 0, every.output
    assert "已生成 8 个报表文件" in every.output  # 4 forms × 2 towns
    assert len(list((tmp_path / "all").rglob("*.xlsx"))) == 8
    bad = runner.invoke(app, ["report", ROSTER, "--period", "2024-13", "--db", db])
    assert bad.exit_code == 2


def test_an_amount_asked_in_wan_yuan_survives_a_copy_saved_as_csv(district, tmp_path):
    """A CSV keeps what the sheet shows: 150.50 元 asked in 万元 is shown 0.01505, not 0.02 (which
    would read back as 200 元)."""
    if district.engine.dialect.name != "sqlite":
        pytest.skip("the file is the same whichever database filled it; converted once")
    soffice = _soffice()
    path = generate_report(district.engine, ROSTER, "2024-01", TOWN, tmp_path).path
    proc = subprocess.run([soffice, "--headless", f"-env:UserInstallation=file://{tmp_path}/lo", "--convert-to",
                           "csv:Text - txt - csv (StarCalc):44,34,76",  # comma, quote, UTF-8
                           "--outdir", str(tmp_path / "csv"), str(path)], capture_output=True, text=True, timeout=180)
    assert proc.returncode == 0, proc.stderr
    text = (tmp_path / "csv" / f"{path.stem}.csv").read_text(encoding="utf-8")
    assert ",150.50,0.01505," in text, text[-600:]
