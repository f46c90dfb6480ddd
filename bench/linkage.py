"""Benchmark: linking rows without a valid ID number to a big person ledger (实体识别).

Builds once (reused with --db) a person ledger ("registry") of N persons (default 1,000,000) in
SQLite through the ledger store's bulk path: valid ID numbers, names drawn with a realistic skew
(common surnames much more often; one person in six with a one-character given name, so a name
like 王芳 is shared by dozens), birth dates over 90 years, towns, villages and addresses. Then
writes a roster of M rows (default 20,000) in which no ID number is valid, the truth known:

- 45% a registry person as registered, the ID number left blank or mistyped: expect a certain link;
- 10% a registry person who moved (another address): name and birth date agree, expect a queued link;
- 15% a registry person whose birth date has one digit mistyped: expect a queued link;
- 5% a registry person whose name lost its last character (张明华 → 张明): expect a queued link;
- 5% a registry person whose name has a homophone (张明华 → 张名华): the model cannot tell this
  from a stranger born the same day, expect the row back (a known limit, counted in recall);
- 20% strangers (not in the registry, some born the same day as registry persons): expect the row back.

and imports it with `ybt import`'s code (yibiaotong.ingest.import_file) into a copy of the
registry, in its own process (its own peak RSS). Reports seconds, rows/s, the time spent finding
candidates and scoring them, how many rows were linked with certainty / queued for review /
returned, and precision and recall against the truth.

With --postgres the same registry is built in a fresh PostgreSQL schema (127.0.0.1:5432, database
test; a minute or two a million) and the same file imported there too.

Usage: python bench/linkage.py [--persons N] [--rows M] [--db PATH] [--out DIR] [--postgres].
Last line: one JSON object.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import ROOT, emit, machine, peak_rss_mb
from ingest import GIVEN, HEADERS, PG_URL, SURNAMES, TOWNS, VILLAGE_NAMES, setup_database

GENERATOR_VERSION = 1
FIRST_ROW = 4  # the roster's title, unit line and header take rows 1-3
KINDS = ("certain", "moved", "birth_typo", "name_short", "name_homophone", "stranger")
MIX = (0.45, 0.10, 0.15, 0.05, 0.05, 0.20)
HOMOPHONES = {"伟": "玮", "芳": "方", "娜": "纳", "秀": "绣", "英": "瑛", "敏": "民", "静": "靖", "丽": "莉", "强": "墙",
              "磊": "垒", "军": "君", "洋": "阳", "勇": "涌", "艳": "燕", "杰": "洁", "娟": "鹃", "涛": "韬", "明": "名",
              "超": "潮", "兰": "岚", "霞": "侠", "平": "萍", "刚": "钢", "桂": "贵", "玉": "钰", "萍": "苹", "红": "宏",
              "梅": "媚", "鹏": "朋", "辉": "晖", "飞": "菲", "建": "健", "国": "帼", "华": "桦", "志": "智", "春": "椿",
              "海": "嗨", "燕": "艳", "德": "得", "正": "政", "淑": "舒", "珍": "贞", "凤": "奉", "兴": "星", "福": "富",
              "光": "广", "荣": "容"}


# --- the registry -----------------------------------------------------------------------------

def person_at(rnd: random.Random, surnames: list[str], weights: list[float]) -> dict:
    from yibiaotong.elements.idnumber import checksum_char

    born = dt.date(1930, 1, 1) + dt.timedelta(days=rnd.randrange(33000))
    seq = rnd.randrange(1000)
    first17 = f"500118{born:%Y%m%d}{seq:03d}"
    town = rnd.randrange(len(TOWNS))
    village = rnd.randrange(len(VILLAGE_NAMES))
    given = "".join(rnd.choice(GIVEN) for _ in range(1 if rnd.random() < 1 / 6 else 2))
    return {"id_number": first17 + checksum_char(first17),
            "person_name": rnd.choices(surnames, weights)[0] + given, "gender": "1" if seq % 2 else "2",
            "birth_date": born, "phone": f"1{rnd.choice('3578')}{rnd.randrange(10**9):09d}",
            "address_current": f"{TOWNS[town]}{VILLAGE_NAMES[village]}村{rnd.randrange(1, 20)}组{rnd.randrange(1, 200)}号",
            "_org_unit": f"500118{100 + town:03d}{village + 1:03d}"}


def surname_weights() -> tuple[list[str], list[float]]:
    """The bench's 50 surnames, most common first, weighted ~1/rank (王李张 ~7% each in China)."""
    names = list(SURNAMES)
    return names, [1 / (rank + 1) ** 0.8 for rank in range(len(names))]


def build_registry(engine, persons: int, seed: int) -> None:
    """The registry's persons, through the ledger store's bulk path (records and their history)."""
    from sqlalchemy import insert

    from yibiaotong.elements.dictionary import Dictionary
    from yibiaotong.ledgers import LedgerStore
    from yibiaotong.ledgers.store import RecordColumns
    from yibiaotong.store import schema
    from yibiaotong.store.migrate import upgrade

    upgrade(engine)
    setup_database(engine)
    store = LedgerStore(engine, Dictionary.from_db(engine))
    rnd = random.Random(seed)
    surnames, weights = surname_weights()
    seen: set[str] = set()
    names = ["id_number", "person_name", "gender", "birth_date", "phone", "address_current"]
    with engine.begin() as conn:
        source_id = int(conn.execute(insert(schema.source).values(
            kind="system", note="bench/linkage.py registry", created_at=dt.datetime.now(dt.UTC))).inserted_primary_key[0])
        done = 0
        while done < persons:
            chunk = []
            while len(chunk) < min(50_000, persons - done):
                p = person_at(rnd, surnames, weights)
                if p["id_number"] not in seen:  # one person per ID number
                    seen.add(p["id_number"])
                    chunk.append(p)
            store.insert_new("person_identity", RecordColumns(
                [p["id_number"] for p in chunk], [p["_org_unit"] for p in chunk], [None] * len(chunk),
                {n: [p[n] for p in chunk] for n in names}), conn=conn, source_id=source_id)
            done += len(chunk)


def build_sqlite(db: Path, persons: int, seed: int) -> None:
    from yibiaotong.store.engine import connect

    tmp = db.with_suffix(".tmp.db")
    for suffix in ("", "-wal", "-shm"):
        Path(f"{tmp}{suffix}").unlink(missing_ok=True)
    engine = connect(tmp)
    build_registry(engine, persons, seed)
    engine.dispose()
    for suffix in ("-wal", "-shm"):
        Path(f"{tmp}{suffix}").unlink(missing_ok=True)
    tmp.rename(db)


# --- the file -----------------------------------------------------------------------------------

def write_file(db: Path, rows: int, path: Path, seed: int) -> list[dict]:
    """The roster, and per row what it is (kind) and whose it is (the registry key, None for strangers)."""
    import sqlite3

    import xlsxwriter

    rnd = random.Random(seed + 1)
    con = sqlite3.connect(db)
    top = con.execute("SELECT max(_id) FROM ledger_person_identity").fetchone()[0]
    picked = rnd.sample(range(1, top + 1), rows)
    by_id = {}
    for start in range(0, len(picked), 5000):
        part = picked[start:start + 5000]
        for row in con.execute(
                "SELECT _id, _key, person_name, gender, birth_date, phone, address_current FROM ledger_person_identity "
                f"WHERE _id IN ({','.join('?' * len(part))})", part):
            by_id[row[0]] = row[1:]
    registered = {r[0] for r in con.execute("SELECT _key FROM ledger_person_identity")}  # strangers must not be in it
    con.close()
    surnames, weights = surname_weights()
    truth = []
    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True, "strings_to_numbers": False})
    ws = wb.add_worksheet("花名册")
    ws.write_row(0, 0, ["2024年2月残疾人两项补贴发放花名册"])
    ws.write_row(1, 0, ["填报单位：永川区残联", *[""] * 12, "填报日期：2024年2月29日"])
    ws.write_row(2, 0, HEADERS)
    for i, _id in enumerate(picked):
        kind = rnd.choices(KINDS, MIX)[0]
        if kind == "stranger":
            p = person_at(rnd, surnames, weights)
            while p["id_number"] in registered:
                p = person_at(rnd, surnames, weights)
            key, idn, name, sex, born, phone, address = (None, p["id_number"], p["person_name"], p["gender"],
                                                         p["birth_date"], p["phone"], p["address_current"])
        else:
            idn, name, sex, born, phone, address = by_id[_id]
            key = idn
            born = dt.date.fromisoformat(born)
        if kind == "moved":
            address = f"{rnd.choice(TOWNS)}{rnd.choice(VILLAGE_NAMES)}村{rnd.randrange(1, 20)}组{rnd.randrange(1, 200)}号"
        elif kind == "birth_typo":
            born = mistyped(rnd, born)
        elif kind == "name_short":
            name = name[:-1] if len(name) > 2 else name + rnd.choice(GIVEN)  # 张明华 → 张明, 王芳 → 王芳丽
        elif kind == "name_homophone":
            j = rnd.randrange(1, len(name))
            name = name[:j] + HOMOPHONES.get(name[j], "晓") + name[j + 1:]
        # no valid ID number: blank, the check digit wrong, or a digit left out
        bad = rnd.random()
        shown = "" if bad < 0.4 else (idn[:17] + ("0" if idn[17] != "0" else "1")) if bad < 0.8 else idn[:10] + idn[11:]
        town = address[:3]
        village = address[3:address.index("村") + 1]
        ws.write_row(i + FIRST_ROW - 1, 0, [
            i + 1, name, "男" if sex == "1" else "女", shown, born.isoformat(), "汉族", phone, town, village, address,
            "肢体残疾", "二级", "", 100, "2024年2月"])
        truth.append({"kind": kind, "key": key})
    wb.close()
    return truth


def mistyped(rnd: random.Random, born: dt.date) -> dt.date:
    """The same date with one digit changed (still a real date, still in the past)."""
    text = born.isoformat()
    while True:
        j = rnd.choice([2, 3, 6, 8, 9])  # decade, year, month's last digit, day's digits
        changed = text[:j] + rnd.choice([d for d in "0123456789" if d != text[j]]) + text[j + 1:]
        try:
            new = dt.date.fromisoformat(changed)
        except ValueError:
            continue
        if dt.date(1900, 1, 1) <= new < dt.date(2024, 1, 1):
            return new


# --- the import, in its own process -------------------------------------------------------------

def phase_import(path: Path, db: str, schema: str | None = None) -> dict:
    from sqlalchemy import create_engine, text

    from yibiaotong.ingest import import_file, resolve
    from yibiaotong.store.engine import connect

    spent = {"candidates": 0.0, "link": 0.0}
    for name in spent:  # time the two steps of linkage inside the import
        inner = getattr(resolve, name)

        def timed(*args, _inner=inner, _name=name, **kwargs):
            started = time.perf_counter()
            try:
                return _inner(*args, **kwargs)
            finally:
                spent[_name] += time.perf_counter() - started

        setattr(resolve, name, timed)
    engine = create_engine(db, connect_args={"options": f"-csearch_path={schema}"}) if schema else connect(db)
    started, cpu = time.perf_counter(), time.process_time()
    report = import_file(engine, path, org_unit="500118000000", actor="bench",
                         error_workbook=path.with_name("bench_linkage_errors.xlsx"))
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    with engine.connect() as conn:
        source = conn.execute(text("SELECT max(id) FROM ybt_source")).scalar_one()
        # the rows inserted into the disability ledger (their history: runs of record ids with source rows)
        linked = []
        for first, last, rows in conn.execute(text(
                "SELECT first_id, last_id, source_rows FROM ybt_change_run "
                "WHERE ledger_id = 'person_disability' AND source_id = :s"), {"s": source}).all():
            rows = json.loads(rows) if isinstance(rows, str) else rows
            keys = dict(conn.execute(text("SELECT _id, _key FROM ledger_person_disability "
                                          "WHERE _id BETWEEN :a AND :b"), {"a": first, "b": last}).all())
            linked += [(rows[i], keys[record_id]) for i, record_id in enumerate(range(first, last + 1))]
        queued = conn.execute(text("SELECT source_row, candidate_key, probability FROM ybt_link WHERE status = 'pending'")).all()
    engine.dispose()
    return {"seconds": seconds, "cpu_seconds": cpu, "status": report.status, "rows": report.rows_read,
            "rows_imported": report.rows_imported, "rows_invalid": report.rows_invalid,
            "rows_queued": sum(s.rows_queued for s in report.sheets), "message": report.message[:200],
            "candidates_seconds": spent["candidates"], "link_seconds": spent["link"],
            "linked": [list(r) for r in linked], "queued": [list(r) for r in queued], "peak_rss_mb": peak_rss_mb()}


def score(truth: list[dict], run: dict) -> dict:
    """Per row: certain (to whom), queued (to whom), or returned; against the truth."""
    linked = {row - FIRST_ROW: key for row, key in run["linked"]}
    queued: dict[int, set[str]] = {}
    for row, key, _probability in run["queued"]:
        queued.setdefault(row - FIRST_ROW, set()).add(key)
    by_kind = {k: {"rows": 0, "certain": 0, "queued": 0, "returned": 0} for k in KINDS}
    right = wrong = found = queued_right = strangers_queued = 0
    for i, t in enumerate(truth):
        counts = by_kind[t["kind"]]
        counts["rows"] += 1
        if i in linked:
            counts["certain"] += 1
            right += linked[i] == t["key"]
            wrong += linked[i] != t["key"]
        elif i in queued:
            counts["queued"] += 1
            queued_right += t["key"] in queued[i]
            strangers_queued += t["key"] is None
        else:
            counts["returned"] += 1
    known = sum(t["key"] is not None for t in truth)
    found = right + queued_right
    return {"certain": len(linked), "queued": len(queued), "returned": len(truth) - len(linked) - len(queued),
            "certain_wrong": wrong, "strangers_queued": strangers_queued,
            "precision": round(right / len(linked), 4) if linked else None,
            "recall_certain": round(right / known, 4) if known else None,
            "recall_with_review": round(found / known, 4) if known else None,
            "by_kind": by_kind}


def run_import(path: Path, db: str, schema: str | None = None) -> dict:
    extra = ["--schema", schema] if schema else []
    out = subprocess.run([sys.executable, __file__, "--phase", "import", "--file", str(path), "--db", db, *extra],
                         capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(ROOT / "src")})
    if out.returncode != 0:
        sys.exit(f"the import failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def on_postgres(path: Path, persons: int, seed: int) -> dict:
    """The same registry (same seed: same persons, same ids) built in a fresh PostgreSQL schema, the
    same file imported into it; the schema is dropped after."""
    from sqlalchemy import create_engine, text

    schema = f"bench_linkage_{uuid.uuid4().hex[:8]}"
    admin = create_engine(PG_URL)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        engine = create_engine(PG_URL, connect_args={"options": f"-csearch_path={schema}"})
        started = time.perf_counter()
        build_registry(engine, persons, seed)
        engine.dispose()
        print(f"PostgreSQL registry built in {time.perf_counter() - started:.0f} s", flush=True)
        return run_import(path, PG_URL, schema)
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def report(name: str, rows: int, run: dict, truth: list[dict]) -> dict:
    result = score(truth, run)
    print(f"import → {name}: {run['seconds']:.1f} s (CPU {run['cpu_seconds']:.1f} s), {rows / run['seconds']:,.0f} rows/s, "
          f"peak {run['peak_rss_mb']:.0f} MB; finding candidates {run['candidates_seconds']:.1f} s, "
          f"scoring {run['link_seconds']:.1f} s; {run['message']}")
    print(f"  certain {result['certain']:,} (wrong person: {result['certain_wrong']}), queued {result['queued']:,} "
          f"(strangers among them: {result['strangers_queued']}), returned {result['returned']:,}; "
          f"precision {result['precision']}, recall {result['recall_certain']} certain, "
          f"{result['recall_with_review']} with the review queue")
    for kind, counts in result["by_kind"].items():
        print(f"    {kind:15} {counts}")
    return {"seconds": round(run["seconds"], 2), "rows_per_s": round(rows / run["seconds"]),
            "cpu_seconds": round(run["cpu_seconds"], 2), "candidates_seconds": round(run["candidates_seconds"], 2),
            "link_seconds": round(run["link_seconds"], 2), "peak_rss_mb": run["peak_rss_mb"], "status": run["status"],
            **result}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--persons", type=int, default=1_000_000, help="persons in the registry")
    parser.add_argument("--rows", type=int, default=20_000, help="rows of the file, none with a valid ID number")
    parser.add_argument("--out", type=Path, default=Path("/tmp/ybt-bench"))
    parser.add_argument("--db", help="the SQLite registry (built when missing, then reused)")
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--postgres", action="store_true",
                        help="also build the registry in PostgreSQL (each run: it takes a while) and import there")
    parser.add_argument("--phase", help=argparse.SUPPRESS)
    parser.add_argument("--file", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--schema", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase:
        print(json.dumps(phase_import(args.file, args.db, args.schema), ensure_ascii=False))
        return

    load_at_start = os.getloadavg()[0]
    args.out.mkdir(parents=True, exist_ok=True)
    db = Path(args.db) if args.db else args.out / f"linkage_registry_{args.persons}_s{args.seed}_v{GENERATOR_VERSION}.db"
    if not db.exists():
        print(f"building a registry of {args.persons:,} persons in {db} …", flush=True)
        started = time.perf_counter()
        build_sqlite(db, args.persons, args.seed)
        print(f"  {time.perf_counter() - started:.0f} s, {db.stat().st_size / 1e6:.0f} MB", flush=True)
    path = args.out / f"linkage_{args.rows}_of_{db.stem}.xlsx"
    truth_path = path.with_suffix(".truth.json")
    if not (path.exists() and truth_path.exists()):
        truth_path.write_text(json.dumps(write_file(db, args.rows, path, args.seed)))
    truth = json.loads(truth_path.read_text())
    work = args.out / "bench_linkage.db"  # the import changes the ledger: it runs on a copy
    for suffix in ("", "-wal", "-shm"):
        Path(f"{work}{suffix}").unlink(missing_ok=True)
    shutil.copyfile(db, work)
    print(f"machine: {machine()}; registry {args.persons:,} persons ({db.stat().st_size / 1e6:.0f} MB), "
          f"file {args.rows:,} rows without a valid ID number; load average {load_at_start:.1f}", flush=True)
    result = {"persons": args.persons, "rows": args.rows,
              **report("SQLite", args.rows, run_import(path, str(work)), truth)}
    if args.postgres:
        pg = report("PostgreSQL", args.rows, on_postgres(path, args.persons, args.seed), truth)
        result["postgres"] = {k: v for k, v in pg.items() if k != "by_kind"}
    emit({**result, "load_average_start": round(load_at_start, 1), "load_average": round(os.getloadavg()[0], 1)})


if __name__ == "__main__":
    main()
