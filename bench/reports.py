"""Benchmark: report generation for a whole district and one month (`ybt report --all`).

Builds (or reuses, --db) the demo district: the Yongchuan pack's 178 form templates consolidated
into a pack (ledgers and form definitions), installed, and the synthetic population loaded by
``yibiaotong.demo`` at the chosen scale. Then, each in its own process so that peak memory is
its own:

- floor: the same output rows, fetched with the same SELECTs per file (a one-record form's first
  300 records and their sub-tables' rows), written with xlsxwriter in constant_memory mode under a
  plain one-row header (no template, no formats, no conversion);
- yibiaotong: ``generate_all`` (what `ybt report --all` runs): every form × every town and
  subdistrict, in the template's own layout.

Prints files, rows, seconds (wall and CPU), rows/s and peak RSS of both, the ratios, and last a
JSON line {"files", "rows", "seconds", "rows_per_s", "peak_rss_mb", "floor_seconds", "ratio_vs_floor",
"cpu_seconds", "floor_cpu_seconds", "cpu_ratio_vs_floor", …}. On a machine shared with other work
the CPU ratio is the steadier one: the two phases run one after the other, under whatever load
the others make meanwhile.

Usage: python bench/reports.py [--db bench/out/reports-demo.db] [--scale demo|full|N] [--period 2024-06]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import ROOT, emit, machine, peak_rss_mb


def build(db: Path, scale: str) -> None:
    """The demo district: consolidated Yongchuan pack + synthetic population."""
    from yibiaotong.consolidate import run
    from yibiaotong.consolidate.export import write_pack
    from yibiaotong.demo.load import load
    from yibiaotong.demo.population import generate
    from yibiaotong.ledgers import LedgerStore
    from yibiaotong.setup import init_database

    pack = db.parent / f"{db.stem}-pack"
    if not (pack / "forms").is_dir():
        (pack / "forms").mkdir(parents=True)
        for name in ("pack.yaml", "orgunits.csv"):
            shutil.copy2(ROOT / "packs" / "yongchuan" / name, pack / name)
        for template in (ROOT / "packs" / "yongchuan" / "forms").glob("*.xlsx"):
            shutil.copy2(template, pack / "forms" / template.name)
        write_pack(run([pack / "forms"], pack=str(pack)), pack)
    engine, _ = init_database(db, pack)
    load(engine, LedgerStore(engine), generate(int(scale) if scale.isdigit() else scale))
    engine.dispose()


def jobs(engine):
    from yibiaotong.forms.store import load_forms
    from yibiaotong.orgunits import load_tree
    from yibiaotong.reports import report_units

    tree = load_tree(engine)
    return tree, [(fd, code) for code in report_units(tree) for fd in load_forms(engine)]


def floor(db: Path, period: str, out: Path) -> dict:
    """One SELECT per file (the one the report runs), rows written plainly with xlsxwriter."""
    import xlsxwriter

    from yibiaotong.reports import Period, Reporter
    from yibiaotong.reports.generate import MAX_RECORD_SHEETS
    from yibiaotong.reports.query import indicator_queries, row_query
    from yibiaotong.reports.subtables import fetch_rows
    from yibiaotong.reports.template import load_template
    from yibiaotong.store import open_store

    engine = open_store(db)
    tree, work = jobs(engine)
    reporter = Reporter(engine)
    store = reporter.store  # the same definitions, read once, as the report run has them
    p = Period.parse(period)
    started, cpu = time.perf_counter(), time.process_time()
    files = rows = 0
    records: list = []
    for fd, code in work:
        unit = tree[code]
        tpl = load_template(fd.template_path, fd.sheet)
        form = tpl.form
        subs, q = [], None
        if form.layout == "indicator":
            _places, queries, _ = indicator_queries(store, fd, form.fields, p, unit.path, code, reporter.has_data)
            stmts = [q.stmt for q in queries]
        elif form.layout == "record":  # the same rows: at most MAX_RECORD_SHEETS records, their sub-tables' rows
            q, subs = reporter.record_queries(fd, tpl, p, unit)
            stmts = [q.stmt.limit(MAX_RECORD_SHEETS) if q.stmt is not None else None]
            subs = [s for s in subs if s.stmt is not None]
        else:
            stmts = [row_query(store, fd, [f for f in form.fields if f.column != form.serial_column], p, unit.path,
                               code).stmt]
        path = out / code / f"{fd.id}.xlsx"
        path.parent.mkdir(parents=True, exist_ok=True)
        wb = xlsxwriter.Workbook(str(path), {"constant_memory": True, "remove_timezone": True})
        ws = wb.add_worksheet()
        ws.write_row(0, 0, [f.header for f in form.fields])
        r = 1
        with engine.connect() as conn:
            for stmt in stmts:
                if stmt is None:
                    continue
                result = conn.execution_options(stream_results=True, yield_per=5000).execute(stmt)
                for part in result.partitions(5000):
                    for row in part:
                        ws.write_row(r, 0, row)
                        r += 1
                        if subs:
                            records.append(row)
            for sub in subs:
                for members in fetch_rows(conn, sub, {x[q.link_index[sub.record_link]] for x in records} - {None}).values():
                    for member in members:
                        ws.write_row(r, 0, member)
                        r += 1
        records.clear()
        wb.close()
        files += 1
        rows += r - 1
    return {"files": files, "rows": rows, "seconds": round(time.perf_counter() - started, 1),
            "cpu_seconds": round(time.process_time() - cpu, 1), "peak_rss_mb": peak_rss_mb()}


def ybt(db: Path, period: str, out: Path) -> dict:
    from yibiaotong.reports import generate_all
    from yibiaotong.store import open_store

    engine = open_store(db)
    started, cpu = time.perf_counter(), time.process_time()
    results = generate_all(engine, period, out)
    seconds = time.perf_counter() - started
    failed = [r for r in results if not r.ok]
    return {"files": len(results) - len(failed), "failed": len(failed),
            "rows": sum(r.rows for r in results if r.ok), "seconds": round(seconds, 1),
            "cpu_seconds": round(time.process_time() - cpu, 1), "peak_rss_mb": peak_rss_mb(),
            "mb_written": round(sum(r.path.stat().st_size for r in results if r.ok) / 2**20, 1)}


def child(phase: str, db: Path, period: str) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        proc = subprocess.run([sys.executable, __file__, "--phase", phase, "--db", str(db), "--period", period,
                               "--out", tmp], text=True, stdout=subprocess.PIPE)
        if proc.returncode:
            sys.exit(f"{phase} failed")
        return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", type=Path, default=ROOT / "bench" / "out" / "reports-demo.db")
    parser.add_argument("--scale", default="demo", help="demo, full or a number of persons (when building)")
    parser.add_argument("--period", default="2024-06")
    parser.add_argument("--phase", help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase:
        print(json.dumps((floor if args.phase == "floor" else ybt)(args.db, args.period, args.out)))
        return
    if not args.db.exists():
        args.db.parent.mkdir(parents=True, exist_ok=True)
        started = time.perf_counter()
        build(args.db, args.scale)
        print(f"built {args.db} at scale {args.scale} in {time.perf_counter() - started:.0f} s")
    records = ledger_records(args.db)
    f = child("floor", args.db, args.period)
    y = child("ybt", args.db, args.period)
    ratio = round(y["seconds"] / f["seconds"], 2) if f["seconds"] else None
    # the CPU each phase used: on a machine shared with other work, wall time depends on the others' load
    cpu_ratio = round(y["cpu_seconds"] / f["cpu_seconds"], 2) if f["cpu_seconds"] else None
    for name, r in (("floor", f), ("yibiaotong", y)):
        print(f"{name:>10}: {r['files']:,} files, {r['rows']:,} rows in {r['seconds']} s, {r['cpu_seconds']} s CPU "
              f"({r['rows'] / max(r['seconds'], 1e-9):,.0f} rows/s), peak RSS {r['peak_rss_mb']} MB")
    print(f"ledger records: {records:,}; ratio yibiaotong / floor: {ratio} (CPU {cpu_ratio}); {machine()}, "
          f"load average {os.getloadavg()[0]:.1f}")
    emit({"files": y["files"], "rows": y["rows"], "seconds": y["seconds"],
          "rows_per_s": round(y["rows"] / max(y["seconds"], 1e-9)), "peak_rss_mb": y["peak_rss_mb"],
          "floor_seconds": f["seconds"], "ratio_vs_floor": ratio, "cpu_seconds": y["cpu_seconds"],
          "floor_cpu_seconds": f["cpu_seconds"], "cpu_ratio_vs_floor": cpu_ratio, "ledger_records": records,
          "failed": y.get("failed", 0), "floor_peak_rss_mb": f["peak_rss_mb"]})


def ledger_records(db: Path) -> int:
    from sqlalchemy import func, select

    from yibiaotong.ledgers import LedgerStore
    from yibiaotong.store import open_store

    engine = open_store(db)
    store = LedgerStore(engine)
    total = 0
    with engine.connect() as conn:
        for d in store.ledgers():
            total += conn.execute(select(func.count()).select_from(store._ledger_and_table(d.id)[1])).scalar_one()
    return total


if __name__ == "__main__":
    main()
