"""Benchmark: building the demo data — generate the synthetic Yongchuan population and load it into
the ledgers of a fresh SQLite database (the pack's ledgers, or the proposed stand-ins while the
pack has none).

- demo scale: ≈50,000 ledger records, should take well under 2 minutes on 2 cores;
- --full: the article's 3.856 million records (all ledgers together), streamed with bounded memory.

Each scale runs in its own process so that its peak RSS is its own. Prints seconds, records,
records/s and peak RSS per scale; the last line is one JSON object.

Usage: python bench/demo_build.py [--full] [--out DIR] [--persons N]
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import emit, machine, peak_rss_mb

ARTICLE_RECORDS = 3_856_000


def build(scale: str, db: Path) -> dict:
    """One build in this process: setup, then generate + load, timed apart."""
    from yibiaotong.demo.load import ensure_ledgers, load
    from yibiaotong.demo.population import SCALES, generate
    from yibiaotong.ledgers import LedgerStore
    from yibiaotong.setup import init_database

    started = time.perf_counter()
    engine, _setup = init_database(db, "yongchuan")
    store = LedgerStore(engine)
    stand_ins = ensure_ledgers(store)
    setup_s = time.perf_counter() - started

    def progress(records: int) -> None:
        if scale != "demo":
            print(f"  … {records:,} records, {time.perf_counter() - started:.0f} s, {peak_rss_mb()} MB",
                  file=sys.stderr, flush=True)

    cpu = resource.getrusage(resource.RUSAGE_SELF)
    started_load = time.perf_counter()
    stream = generate(int(scale) if scale.isdigit() else scale)
    result = load(engine, store, stream, progress=progress)
    load_s = time.perf_counter() - started_load
    after = resource.getrusage(resource.RUSAGE_SELF)
    engine.dispose()
    return {
        "scale": scale, "persons": int(scale) if scale.isdigit() else SCALES[scale], "facts": result.facts,
        "records": result.records, "ledgers": len(result.by_ledger), "stand_in_ledgers": len(stand_ins),
        "empty_ledgers": result.empty_ledgers, "setup_s": round(setup_s, 1), "build_s": round(load_s, 1),
        "cpu_s": round(after.ru_utime + after.ru_stime - cpu.ru_utime - cpu.ru_stime, 1),
        "records_per_s": round(result.records / load_s), "peak_rss_mb": peak_rss_mb(),
        "db_mb": round(sum(p.stat().st_size for p in db.parent.glob(db.name + "*")) / 2**20, 1),
        "planted": stream.manifest.summary(),
    }


def run_child(scale: str, folder: Path) -> dict:
    db = folder / f"demo-{scale}.db"
    proc = subprocess.run([sys.executable, __file__, "--one", scale, "--db", str(db)], text=True,
                          stdout=subprocess.PIPE)
    if proc.returncode:
        sys.exit(f"build at scale {scale} failed")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--full", action="store_true", help="also build the full 3.856-million-record scale")
    parser.add_argument("--persons", type=int, help="an extra scale: this many persons")
    parser.add_argument("--out", type=Path, help="keep the databases here (default: a temporary folder)")
    parser.add_argument("--one", help=argparse.SUPPRESS)
    parser.add_argument("--db", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(build(args.one, args.db), ensure_ascii=False))
        return
    scales = ["demo"] + ([str(args.persons)] if args.persons else []) + (["full"] if args.full else [])
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.out or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        results = {}
        for scale in scales:
            r = run_child(scale, folder)
            results[scale] = r
            print(f"{scale:>6}: {r['persons']:,} persons → {r['records']:,} records in {r['ledgers']} ledgers; "
                  f"build {r['build_s']} s ({r['records_per_s']:,} records/s, cpu {r['cpu_s']} s), "
                  f"setup {r['setup_s']} s, peak RSS {r['peak_rss_mb']} MB, db {r['db_mb']} MB")
    out = {"bench": "demo_build", "machine": machine(), **results}
    if "full" in results:
        out["full_vs_article"] = round(results["full"]["records"] / ARTICLE_RECORDS, 3)
    emit(out)


if __name__ == "__main__":
    main()
