"""Benchmark: importing a filled roster of N rows (default 1,000,000) with `ybt import`.

Writes a realistic filled 残疾人两项补贴 roster (15 columns: names, valid ID numbers, birth dates
in mixed spellings, ethnic group / disability category and level as labels, mobiles, towns and
villages, addresses, certificate numbers, amounts, the payment month) with about 1% bad rows,
then measures, each in its own process (so each peak RSS is its own):

- floor: python-calamine reading the file into Python rows and nothing else, timed just before
  and just after the SQLite import (the ratio is to their mean: this shared machine's speed
  drifts within minutes);
- baseline: pandas.read_excel(engine="openpyxl") of the same file (pandas is a bench-only
  dependency: `pip install -e '.[bench]'`); measured at min(N, --baseline-rows) rows and
  extrapolated linearly when that is fewer than N (it takes minutes per million rows);
- yibiaotong: the full import (recognise, convert, validate, resolve, upsert with history and
  provenance, error workbook) into a fresh SQLite database, and into PostgreSQL when reachable
  (127.0.0.1:5432, database test, user postgres). A large sheet is read by a second process while
  the import converts and writes: its CPU seconds are counted in the import's, its peak memory is
  given separately (child_peak_rss_mb; the two peaks added are an upper bound of the total), and
  both processes' RSS together, sampled every 0.1 s (tree_peak_rss_mb);
- the next month: the same people's roster a month on (its 发放月份, a new amount for every third,
  a new mobile for every tenth) imported into the ledgers the SQLite import filled — the update
  path (existing records looked up, compared, conflicts weighed, history written); --no-update
  skips it.

- with --shared-strings, the same roster saved as Excel and WPS save a file (its texts once, in
  the workbook's shared strings, not in each cell): floor and SQLite import again (shared_*).

Usage: python bench/ingest.py [--rows N] [--out DIR]. Last line: one JSON object.
"""

from __future__ import annotations

import argparse
import calendar
import datetime as dt
import json
import multiprocessing
import os
import random
import resource
import subprocess
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import ROOT, TreeMemory, emit, machine, peak_rss_mb

PG_URL = os.environ.get("YBT_BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
HEADERS = ["序号", "姓名", "性别", "身份证号码", "出生日期", "民族", "联系电话", "镇街", "村（社区）", "家庭住址",
           "残疾类别", "残疾等级", "残疾人证号", "生活补贴金额（元）", "发放月份"]
ELEMENTS = {  # header -> (element, ledger)
    "姓名": ("person_name", "person_identity"), "性别": ("gender", "person_identity"),
    "身份证号码": ("id_number", "person_identity"), "出生日期": ("birth_date", "person_identity"),
    "民族": ("ethnicity", "person_identity"), "联系电话": ("phone", "person_identity"),
    "镇街": ("town", None), "村（社区）": ("village", None), "家庭住址": ("address_current", "person_identity"),
    "残疾类别": ("disability_category", "person_disability"), "残疾等级": ("disability_level", "person_disability"),
    "残疾人证号": ("disability_cert_number", "person_disability"),
    "生活补贴金额（元）": ("disabled_living_subsidy_amount", "person_disability"),
    "发放月份": ("payment_month", "person_disability"),
}
TOWNS = ["临江镇", "朱沱镇", "何埂镇", "松溉镇", "仙龙镇", "吉安镇", "五间镇", "来苏镇"]
VILLAGE_NAMES = ["红星", "黄瓜山", "石梯", "龙井", "高桥", "新华", "团结", "向阳", "和平", "永红", "桂花", "大桥"]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂玉萍红梅鹏辉飞建国华志春海燕德正淑珍凤兴福光荣"
DISTRICT = "500118000000"  # the bench's org tree: 永川区, its towns and villages
GENERATOR_VERSION = 3  # 3: ID numbers unique (2 drew ~15,000 pairs of people sharing one)


def generate(rows: int, path: Path, seed: int = 7, month: int = 1, shared_strings: bool = False) -> None:
    """A roster as a clerk fills it: labels, dates in four spellings, ~1% rows with a mistake. The
    same people in a later ``month``: its 发放月份, a new amount for every third, a new mobile for
    every tenth (what the next month's roster brings to ledgers holding this one). Its texts are
    written in the cells (xlsxwriter's constant-memory mode), or with ``shared_strings`` once in
    the workbook's table of strings, as Excel and WPS save a file (xlsxwriter then holds the whole
    sheet in memory: ~2.5 GB at a million rows)."""
    import xlsxwriter

    from yibiaotong.elements.idnumber import checksum_char

    rnd = random.Random(seed)
    wb = xlsxwriter.Workbook(str(path), {"constant_memory": not shared_strings, "strings_to_numbers": False})
    ws = wb.add_worksheet("花名册")
    day = wb.add_format({"num_format": "yyyy-mm-dd"})
    ws.write_row(0, 0, [f"2024年{month}月残疾人两项补贴发放花名册"])
    last = calendar.monthrange(2024, month)[1]
    ws.write_row(1, 0, ["填报单位：永川区残联", *[""] * 12, f"填报日期：2024年{month}月{last}日"])
    ws.write_row(2, 0, HEADERS)
    used: set[tuple[dt.date, int]] = set()
    levels, kinds = ["一级", "二级", "三级", "四级"], ["视力残疾", "听力残疾", "言语残疾", "肢体残疾", "智力残疾", "精神残疾", "多重残疾"]
    for i in range(rows):
        born = dt.date(1930, 1, 1) + dt.timedelta(days=rnd.randrange(33000))
        seq = rnd.randrange(1000)
        while (born, seq) in used:  # one ID number is one person (another name under it is refused)
            seq = rnd.randrange(1000)
        used.add((born, seq))
        first17 = f"500118{born:%Y%m%d}{seq:03d}"
        idn = first17 + checksum_char(first17)
        k = rnd.random()
        birth = born if k < .4 else f"{born.year}年{born.month}月{born.day}日" if k < .7 else \
            f"{born:%Y.%m.%d}" if k < .85 else f"{born:%Y%m%d}"
        town = rnd.randrange(len(TOWNS))
        village = f"{VILLAGE_NAMES[rnd.randrange(len(VILLAGE_NAMES))]}{'村' if rnd.random() < .8 else ''}"
        row = [i + 1, rnd.choice(SURNAMES) + "".join(rnd.choice(GIVEN) for _ in range(rnd.choice((1, 2)))),
               "男" if seq % 2 else "女", idn, birth, "汉族" if rnd.random() < .95 else "土家族",
               f"1{rnd.choice('3578')}{rnd.randrange(10**9):09d}", TOWNS[town], village,
               f"{TOWNS[town]}{village}{rnd.randrange(1, 20)}组{rnd.randrange(1, 200)}号", rnd.choice(kinds),
               rnd.choice(levels), idn + rnd.choice("1234567") + rnd.choice("1234"),
               rnd.choice([80, 100, 120, 160, "120.00", "0.012万"]), f"2024年{month}月"]
        if month > 1:  # drawn as in January, then changed: the same people, a month on
            row[13] = 200 if i % 3 == 0 else row[13]
            row[6] = f"139{i:08d}" if i % 10 == 0 else row[6]
        if rnd.random() < 0.01:  # a mistake: a wrong check digit, an impossible date, an unknown level, a short phone
            bad = rnd.randrange(4)
            if bad == 0:
                row[3] = idn[:17] + ("0" if idn[17] != "0" else "1")
            elif bad == 1:
                row[4] = f"{born.year}年2月30日"
            elif bad == 2:
                row[11] = "五级"
            else:
                row[6] = "138123"
        r = i + 3
        if isinstance(row[4], dt.date):
            ws.write_row(r, 0, row[:4])
            ws.write_datetime(r, 4, dt.datetime.combine(row[4], dt.time()), day)
            ws.write_row(r, 5, row[5:])
        else:
            ws.write_row(r, 0, row)
    wb.close()


def setup_database(engine) -> str:
    """Dictionary, org tree, the two ledgers and the roster's form definition; returns the district code."""
    from yibiaotong.elements.dictionary import Dictionary
    from yibiaotong.forms.definition import FieldDef, FormDef
    from yibiaotong.forms.store import save_forms
    from yibiaotong.ledgers import LedgerDef, LedgerStore
    from yibiaotong.orgunits import OrgTree, OrgUnit, save_tree

    dictionary = Dictionary.for_pack("standard")
    dictionary.save(engine)
    units = [OrgUnit(DISTRICT, "永川区", "district")]
    for t, town in enumerate(TOWNS):
        code = f"500118{100 + t:03d}000"
        units.append(OrgUnit(code, town, "town", DISTRICT))
        units += [OrgUnit(f"{code[:9]}{v + 1:03d}", f"{name}村", "village", code) for v, name in enumerate(VILLAGE_NAMES)]
    save_tree(engine, OrgTree(units))
    store = LedgerStore(engine, dictionary)
    store.create_ledger(LedgerDef.from_dict({
        "id": "person_identity", "name": "人员基础信息台账", "subject": "person", "key": ["id_number"],
        "columns": ["id_number", "person_name", "gender", "birth_date", "ethnicity", "phone", "address_current"]}))
    store.create_ledger(LedgerDef.from_dict({
        "id": "person_disability", "name": "残疾人信息台账", "subject": "person", "key": ["id_number"],
        "columns": ["id_number", "disability_category", "disability_level", "disability_cert_number",
                    "disabled_living_subsidy_amount", "payment_month"]}))
    fields = [FieldDef(header=h, element=e, ledger=lg, column=e if lg else None) for h, (e, lg) in ELEMENTS.items()]
    save_forms(engine, "bench", [FormDef(id="disability_roster", title="残疾人两项补贴发放花名册", layout="roster",
                                         template="", department="残联", fields=fields)])
    return DISTRICT


# --- phases, each run in its own process ------------------------------------------------------

def phase_floor(path: Path, _rows: int) -> dict:
    from python_calamine import CalamineWorkbook

    started = time.perf_counter()
    n = 0
    with CalamineWorkbook.from_path(str(path)) as wb:
        for _row in wb.get_sheet_by_index(0).iter_rows():
            n += 1
    return {"seconds": time.perf_counter() - started, "rows": n}


def phase_baseline(path: Path, rows: int) -> dict:
    import pandas as pd  # bench-only dependency

    started = time.perf_counter()
    frame = pd.read_excel(path, engine="openpyxl", header=2, nrows=rows)
    return {"seconds": time.perf_counter() - started, "rows": len(frame)}


def phase_import(path: Path, _rows: int, url: str | None = None) -> dict:
    from sqlalchemy import create_engine, text

    from yibiaotong.ingest import import_file
    from yibiaotong.store.engine import connect
    from yibiaotong.store.migrate import upgrade

    schema = None
    if url:
        schema = f"bench_{uuid.uuid4().hex[:8]}"
        admin = create_engine(url)
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        engine = create_engine(url, connect_args={"options": f"-csearch_path={schema}"})
    else:
        db = path.with_name("bench_ingest.db")
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db}{suffix}").unlink(missing_ok=True)
        engine = connect(db)
    try:
        cpu = time.process_time()
        upgrade(engine)
        district = setup_database(engine)
        setup_cpu = time.process_time() - cpu
        started = time.perf_counter()
        report = import_file(engine, path, org_unit=district, actor="bench",
                             error_workbook=path.with_name("bench_errors.xlsx"))
        seconds = time.perf_counter() - started
        return {"seconds": seconds, "setup_cpu": setup_cpu, "status": report.status, "rows": report.rows_read,
                "rows_imported": report.rows_imported, "rows_invalid": report.rows_invalid,
                "problems": len(report.problems), "message": report.message[:200]}
    finally:
        engine.dispose()
        if schema:
            with admin.begin() as conn:
                conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))


def phase_update(path: Path, _rows: int) -> dict:
    """The next month's roster imported into the ledgers the SQLite import phase filled (its
    database is left beside the file): most rows are records already there, a third with a new
    amount, every row with a new 发放月份 — the update path, with its conflict rules and history."""
    from yibiaotong.ingest import import_file
    from yibiaotong.store.engine import connect

    engine = connect(path.with_name("bench_ingest.db"))
    try:
        started = time.perf_counter()
        report = import_file(engine, path, org_unit=DISTRICT, actor="bench",
                             error_workbook=path.with_name("bench_errors_month2.xlsx"))
        seconds = time.perf_counter() - started
    finally:
        engine.dispose()
    counts = {lid: [c.inserted, c.updated, c.unchanged] for s in report.sheets for lid, c in s.ledgers.items()}
    return {"seconds": seconds, "status": report.status, "rows": report.rows_read, "ledgers": counts,
            "conflicts": sum(s.conflicts for s in report.sheets), "message": report.message[:200]}


def run_phase(name: str, path: Path, rows: int, extra: list[str] = ()) -> dict:
    """One phase in a process of its own; with its figures, the peak of its RSS and its reading
    process's together (``tree_peak_rss_mb``, sampled)."""
    with subprocess.Popen([sys.executable, __file__, "--phase", name, "--file", str(path), "--rows", str(rows), *extra],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                          env={**os.environ, "PYTHONPATH": str(ROOT / "src")}) as proc:
        memory = TreeMemory(proc.pid)
        stdout, stderr = proc.communicate()
        tree_peak = memory.stop()
    if proc.returncode != 0:
        sys.exit(f"phase {name} failed:\n{stderr[-3000:]}")
    return {**json.loads(stdout.strip().splitlines()[-1]), "tree_peak_rss_mb": tree_peak}


def written(path: Path, rows: int, what: str, **options) -> None:
    """The roster at ``path``, written unless it is there, in a process of its own: the phases are
    started from this one, and a process started from one that had held a 2.5 GB workbook
    reports that as its own peak memory (Linux keeps the largest RSS across exec)."""
    if path.exists():
        return
    print(f"writing {rows:,} {what} to {path} …", flush=True)
    started = time.perf_counter()
    writer = multiprocessing.get_context("spawn").Process(target=generate, args=(rows, path.with_suffix(".tmp.xlsx")),
                                                          kwargs=options)
    writer.start()
    writer.join()
    if writer.exitcode != 0:
        raise SystemExit(f"writing {path} failed (exit code {writer.exitcode})")
    path.with_suffix(".tmp.xlsx").rename(path)
    print(f"  {time.perf_counter() - started:.0f} s, {path.stat().st_size / 1e6:.0f} MB", flush=True)


def pg_reachable() -> bool:
    try:
        from sqlalchemy import create_engine, text

        with create_engine(PG_URL, connect_args={"connect_timeout": 3}).connect() as conn:
            conn.execute(text("select 1"))
        return True
    except Exception:  # unreachable: skip PostgreSQL and say so
        return False


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--out", type=Path, default=Path("/tmp/ybt-bench"))
    parser.add_argument("--baseline-rows", type=int, default=200_000,
                        help="measure pandas at most this many rows and extrapolate (it is slow)")
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--no-update", action="store_true", help="skip importing the next month's roster")
    parser.add_argument("--shared-strings", action="store_true",
                        help="also the same roster saved as Excel saves it (texts in the shared strings): floor and import")
    parser.add_argument("--phase", help=argparse.SUPPRESS)
    parser.add_argument("--file", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase:
        fn = {"floor": phase_floor, "baseline": phase_baseline, "import": phase_import,
              "update": phase_update}[args.phase]
        cpu = time.process_time()
        result = fn(args.file, args.rows, args.url) if args.phase == "import" else fn(args.file, args.rows)
        # CPU seconds of this process (the phase, not its setup) next to wall seconds: on a shared,
        # busy machine the wall clock measures the neighbours too. The import reads a large sheet
        # in a child process: its CPU counts too, and its peak memory is said beside the main one's
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        print(json.dumps({**result, "cpu_seconds": time.process_time() - cpu - result.pop("setup_cpu", 0.0)
                          + children.ru_utime + children.ru_stime,
                          "peak_rss_mb": peak_rss_mb(), "child_peak_rss_mb": peak_rss_mb(children=True)},
                         ensure_ascii=False))
        return

    load_at_start = os.getloadavg()[0]
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / f"roster_{args.rows}_v{GENERATOR_VERSION}.xlsx"
    written(path, args.rows, "rows")
    print(f"machine: {machine()}; file {path.stat().st_size / 1e6:.0f} MB, {args.rows:,} rows", flush=True)

    # the floor is timed just before and just after the import, and the ratio taken to their mean:
    # this shared machine's speed drifts by ±15% within minutes, and the pandas baseline (minutes
    # long) is run after both
    before = run_phase("floor", path, args.rows)
    lite = run_phase("import", path, args.rows)
    after = run_phase("floor", path, args.rows)
    floor = {key: (before[key] + after[key]) / 2 for key in ("seconds", "cpu_seconds", "peak_rss_mb")}
    print(f"floor (python-calamine → Python rows), before and after the import: {before['seconds']:.1f} s / "
          f"{after['seconds']:.1f} s (CPU {before['cpu_seconds']:.1f} s / {after['cpu_seconds']:.1f} s), "
          f"{args.rows / floor['seconds']:,.0f} rows/s, peak {floor['peak_rss_mb']:.0f} MB", flush=True)
    print(f"yibiaotong import → SQLite: {lite['seconds']:.1f} s (CPU {lite['cpu_seconds']:.1f} s, reading process "
          f"included), {args.rows / lite['seconds']:,.0f} rows/s, peak {lite['peak_rss_mb']:.0f} MB "
          f"(+{lite['child_peak_rss_mb']:.0f} MB in the reading process; {lite['tree_peak_rss_mb']:.0f} MB together at most, "
          f"sampled); {lite['message']}", flush=True)
    update = None
    if not args.no_update:  # the next month's roster into the ledgers the import filled
        month2 = args.out / f"roster_{args.rows}_v{GENERATOR_VERSION}_month2.xlsx"
        written(month2, args.rows, "of the next month's rows", month=2)
        update = run_phase("update", month2, args.rows)
        print(f"next month's roster into those ledgers (updates): {update['seconds']:.1f} s (CPU "
              f"{update['cpu_seconds']:.1f} s), {args.rows / update['seconds']:,.0f} rows/s, peak "
              f"{update['peak_rss_mb']:.0f} MB (+{update['child_peak_rss_mb']:.0f} MB); per ledger inserted/updated/"
              f"unchanged {update['ledgers']}, {update['conflicts']} conflicts listed", flush=True)
    base_rows = min(args.rows, args.baseline_rows)
    base = run_phase("baseline", path, base_rows)
    baseline_seconds = base["seconds"] * args.rows / base_rows
    note = "" if base_rows == args.rows else f" (measured at {base_rows:,} rows, extrapolated linearly)"
    print(f"baseline (pandas.read_excel, openpyxl): {baseline_seconds:.1f} s{note}, "
          f"peak {base['peak_rss_mb']:.0f} MB", flush=True)
    result = {
        "rows": args.rows, "seconds": round(lite["seconds"], 2), "rows_per_s": round(args.rows / lite["seconds"]),
        "peak_rss_mb": lite["peak_rss_mb"], "child_peak_rss_mb": lite["child_peak_rss_mb"],
        "tree_peak_rss_mb": lite["tree_peak_rss_mb"],
        "floor_seconds": round(floor["seconds"], 2), "floor_seconds_before_after": [round(before["seconds"], 2),
                                                                                round(after["seconds"], 2)],
        "ratio_vs_floor": round(lite["seconds"] / floor["seconds"], 2),
        "baseline_seconds": round(baseline_seconds, 2),
        "speedup_vs_baseline": round(baseline_seconds / lite["seconds"], 2),
        "baseline_extrapolated": base_rows != args.rows, "floor_peak_rss_mb": floor["peak_rss_mb"],
        "rows_imported": lite["rows_imported"], "rows_invalid": lite["rows_invalid"],
        "cpu_seconds": round(lite["cpu_seconds"], 2), "floor_cpu_seconds": round(floor["cpu_seconds"], 2),
        "cpu_ratio_vs_floor": round(lite["cpu_seconds"] / floor["cpu_seconds"], 2),
        "baseline_cpu_seconds": round(base["cpu_seconds"] * args.rows / base_rows, 2),
        "load_average_start": round(load_at_start, 1), "load_average": round(os.getloadavg()[0], 1),
    }
    if update is not None:
        result.update({"update_seconds": round(update["seconds"], 2),
                       "update_rows_per_s": round(args.rows / update["seconds"]),
                       "update_cpu_seconds": round(update["cpu_seconds"], 2), "update_peak_rss_mb": update["peak_rss_mb"],
                       "update_ledgers": update["ledgers"]})
    if args.shared_strings:  # the same rows as Excel saves them: its texts once, in the table of shared strings
        shared = args.out / f"roster_{args.rows}_v{GENERATOR_VERSION}_shared.xlsx"
        written(shared, args.rows, "rows with shared strings", shared_strings=True)
        floor_s, import_s = run_phase("floor", shared, args.rows), run_phase("import", shared, args.rows)
        print(f"shared strings: floor {floor_s['seconds']:.1f} s, import → SQLite {import_s['seconds']:.1f} s "
              f"({args.rows / import_s['seconds']:,.0f} rows/s, {import_s['seconds'] / floor_s['seconds']:.2f}× the floor), "
              f"peak {import_s['peak_rss_mb']:.0f} MB (+{import_s['child_peak_rss_mb']:.0f} MB; "
              f"{import_s['tree_peak_rss_mb']:.0f} MB together at most, sampled)", flush=True)
        result.update({"shared_floor_seconds": round(floor_s["seconds"], 2), "shared_seconds": round(import_s["seconds"], 2),
                       "shared_rows_per_s": round(args.rows / import_s["seconds"]),
                       "shared_ratio_vs_floor": round(import_s["seconds"] / floor_s["seconds"], 2),
                       "shared_peak_rss_mb": import_s["peak_rss_mb"], "shared_child_peak_rss_mb": import_s["child_peak_rss_mb"],
                       "shared_tree_peak_rss_mb": import_s["tree_peak_rss_mb"]})
    if not args.no_postgres and pg_reachable():
        pg = run_phase("import", path, args.rows, ["--url", PG_URL])
        print(f"yibiaotong import → PostgreSQL: {pg['seconds']:.1f} s (CPU {pg['cpu_seconds']:.1f} s), "
              f"{args.rows / pg['seconds']:,.0f} rows/s, "
              f"peak {pg['peak_rss_mb']:.0f} MB (+{pg['child_peak_rss_mb']:.0f} MB)", flush=True)
        result.update({"pg_seconds": round(pg["seconds"], 2), "pg_rows_per_s": round(args.rows / pg["seconds"]),
                       "pg_peak_rss_mb": pg["peak_rss_mb"], "pg_child_peak_rss_mb": pg["child_peak_rss_mb"], "pg_ratio_vs_floor": round(pg["seconds"] / floor["seconds"], 2),
                       "pg_cpu_seconds": round(pg["cpu_seconds"], 2)})
    else:
        print("PostgreSQL not reachable (or --no-postgres): skipped", flush=True)
    emit(result)


if __name__ == "__main__":
    main()
