"""Benchmark: every rule of the Yongchuan pack over the full-scale demo district.

The database is built once and reused (--db): the Yongchuan pack's ledgers (all of them, as the
demo builder makes them), loaded with the synthetic population at the given scale ("full" is the
article's ≈3.9 million records), then the indexes the rules need (``ensure_rule_indexes``).
Then each rule is evaluated on its own (seconds per rule, what the database spends), and the
whole run is repeated with alerts written (``run_rules``: seconds in total, as a clerk sees it),
twice: a first run over an empty alert list (the benchmark clears it: every alert is new), and a
rerun (every alert known, none created).

Target: all rules in under 60 s on 2 cores, on SQLite and — with --pg URL, when it answers — on
PostgreSQL (its own schema, kept for the next run; filled by copying the SQLite ledger records
with COPY, or with --pg-rebuild by generating the population again).

Usage: python bench/rules.py [--db bench/out/rules-full.db] [--scale full|demo|N] [--pg URL [--pg-rebuild]]
Prints a table per database; the last line is one JSON object.
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import ROOT, emit, machine, peak_rss_mb

AS_OF = date(2024, 6, 30)


def records(engine) -> int:
    from sqlalchemy import func, select

    from yibiaotong.ledgers import LedgerStore
    from yibiaotong.ledgers.tables import ledger_table

    store = LedgerStore(engine)
    total = 0
    with engine.connect() as conn:
        for d in store.ledgers():
            total += conn.execute(select(func.count()).select_from(ledger_table(d, store.dictionary))).scalar_one()
    return total


def build(engine, scale: str) -> dict:
    """The pack, its ledgers and the population, unless the database already holds them."""
    from yibiaotong.demo.load import ensure_ledgers, load
    from yibiaotong.demo.population import generate
    from yibiaotong.ledgers import LedgerStore
    from yibiaotong.setup import install_pack

    have = records(engine) if _has_ledgers(engine) else 0
    if have:
        return {"built": False, "records": have, "build_s": 0.0}
    started = time.perf_counter()
    install_pack(engine, "yongchuan")
    store = LedgerStore(engine)
    ensure_ledgers(store)  # stand-ins only when the pack has no ledgers of its own

    def progress(n: int) -> None:
        print(f"  … {n:,} records, {time.perf_counter() - started:.0f} s, {peak_rss_mb()} MB", file=sys.stderr, flush=True)

    result = load(engine, store, generate(int(scale) if scale.isdigit() else scale), progress=progress)
    return {"built": True, "records": result.records, "build_s": round(time.perf_counter() - started, 1)}


def _has_ledgers(engine) -> bool:
    from sqlalchemy import func, inspect, select

    from yibiaotong.store import schema

    if "ybt_ledger" not in inspect(engine).get_table_names():
        return False
    with engine.connect() as conn:
        return bool(conn.execute(select(func.count()).select_from(schema.ledger)).scalar_one())


def bench(engine, label: str, scale: str, how: str = "") -> dict:
    from yibiaotong.ledgers import LedgerStore
    from yibiaotong.rules import ensure_rule_indexes, load_rules, run_rules
    from yibiaotong.rules.binding import Catalog
    from yibiaotong.rules.run import evaluate

    built = build(engine, scale)
    started = time.perf_counter()
    created = ensure_rule_indexes(engine)
    index_s = round(time.perf_counter() - started, 1)
    store = LedgerStore(engine)
    catalog = Catalog(store.ledgers(), store.dictionary)
    rules = load_rules("yongchuan")
    per_rule, found, skipped = {}, {}, {}
    for rule in rules:
        t = time.perf_counter()
        findings, outcome = evaluate(engine, rule, catalog, as_of=AS_OF)
        if outcome.problems and not outcome.ledgers:
            skipped[rule.id] = outcome.problems[0].message_zh
            continue
        per_rule[rule.id] = round(time.perf_counter() - t, 2)
        found[rule.id] = len(findings)
    evaluate_s = round(sum(per_rule.values()), 2)
    clear_alerts(engine)  # so that every benchmark measures a first run (all alerts new) and a rerun
    t = time.perf_counter()
    run = run_rules(engine, rules=rules, as_of=AS_OF, actor="bench", dictionary=store.dictionary)
    run_s = round(time.perf_counter() - t, 2)
    t = time.perf_counter()
    again = run_rules(engine, rules=rules, as_of=AS_OF, actor="bench", dictionary=store.dictionary)
    again_s = round(time.perf_counter() - t, 2)
    print(f"\n{label}: {built['records']:,} ledger records"
          + (f" ({how})" if how else f" (built in {built['build_s']} s)" if built["built"] else " (reused)")
          + f"; {len(created)} indexes created in {index_s} s")
    for rule_id, s in per_rule.items():
        print(f"  {rule_id:32} {s:7.2f} s  {found[rule_id]:6,} alerts")
    for rule_id, why in skipped.items():
        print(f"  {rule_id:32}  skipped: {why}")
    print(f"  {'all rules (evaluate)':32} {evaluate_s:7.2f} s")
    print(f"  {'ybt rules run (with alerts)':32} {run_s:7.2f} s  new {run.alerts_new:,}, total {run.alerts_total:,}")
    print(f"  {'… run again (de-duplicated)':32} {again_s:7.2f} s  new {again.alerts_new:,}, total {again.alerts_total:,}")
    return {"records": built["records"], "built": built["built"], "build_s": built["build_s"],
            "indexes_created": len(created), "index_s": index_s, "per_rule_s": per_rule, "alerts": found,
            "skipped": sorted(skipped), "evaluate_total_s": evaluate_s, "run_rules_s": run_s,
            "run_rules_again_s": again_s, "alerts_new_again": again.alerts_new, "under_60_s": max(run_s, again_s) < 60}


def clear_alerts(engine) -> None:
    from sqlalchemy import delete

    from yibiaotong.store import schema

    with engine.begin() as conn:
        for table in (schema.alert_event, schema.alert_record, schema.alert, schema.rule_run):
            conn.execute(delete(table))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", type=Path, default=ROOT / "bench" / "out" / "rules-full.db")
    parser.add_argument("--scale", default="full", help="full (≈3.9 million records), demo, or a number of persons")
    parser.add_argument("--pg", help="also on PostgreSQL: a URL; the data is built in schema --pg-schema and kept")
    parser.add_argument("--pg-schema", default="ybt_rules_bench")
    parser.add_argument("--pg-rebuild", action="store_true",
                        help="generate the population again for PostgreSQL instead of copying the SQLite ledgers")
    args = parser.parse_args()
    from yibiaotong.store.engine import open_store

    args.db.parent.mkdir(parents=True, exist_ok=True)
    out = {"bench": "rules", "machine": machine(), "scale": args.scale, "as_of": AS_OF.isoformat()}
    sqlite = open_store(args.db)
    out["sqlite"] = {"db": str(args.db), **bench(sqlite, f"SQLite {args.db}", args.scale)}
    sqlite.dispose()
    if args.pg:
        out["postgresql"] = bench_pg(args.pg, args.pg_schema, args.scale, None if args.pg_rebuild else args.db)
    out["peak_rss_mb"] = peak_rss_mb()
    emit(out)


def copy_ledgers(source, target) -> dict:
    """The SQLite database's ledger records copied into PostgreSQL with COPY (the same pack installed
    first): minutes instead of regenerating the population. History rows are not copied — no rule
    reads them."""
    from sqlalchemy import MetaData, select

    from yibiaotong.ledgers import LedgerStore
    from yibiaotong.ledgers.tables import ledger_table
    from yibiaotong.setup import install_pack

    started = time.perf_counter()
    install_pack(target, "yongchuan")
    src = LedgerStore(source)
    dst = LedgerStore(target)
    have = {d.id for d in dst.ledgers()}
    copied = 0
    for d in src.ledgers():
        if d.id not in have:
            dst.create_ledger(d)
        table = ledger_table(d, src.dictionary, MetaData())
        names = [c.name for c in table.columns]
        with source.connect() as s, target.begin() as t:
            cursor = t.connection.dbapi_connection.cursor()
            quoted = ", ".join(f'"{n}"' for n in names)
            with cursor.copy(f'COPY "{table.name}" ({quoted}) FROM STDIN') as copy:
                for row in s.execution_options(yield_per=20_000).execute(select(table)):
                    copy.write_row(tuple(row))
                    copied += 1
        print(f"  … copied {d.id}: {copied:,} records so far", file=sys.stderr, flush=True)
    return {"built": True, "records": copied, "build_s": round(time.perf_counter() - started, 1),
            "copied_from_sqlite": True}


def bench_pg(url: str, schema: str, scale: str, sqlite_db: Path | None = None) -> dict:
    from sqlalchemy import create_engine, text

    from yibiaotong.store.migrate import upgrade

    try:
        with create_engine(url, connect_args={"connect_timeout": 3}).begin() as conn:
            conn.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{schema}"'))
    except Exception as exc:  # not reachable: say so in the result, the SQLite figures stand
        print(f"PostgreSQL not reachable: {exc.__class__.__name__}", file=sys.stderr)
        return {"skipped": f"not reachable: {exc.__class__.__name__}"}
    engine = create_engine(url, connect_args={"options": f"-csearch_path={schema}"})
    upgrade(engine)
    try:
        copied = None
        if sqlite_db is not None and not (_has_ledgers(engine) and records(engine)):
            from yibiaotong.store.engine import open_store

            source = open_store(sqlite_db)
            copied = copy_ledgers(source, engine)
            source.dispose()
        result = bench(engine, f"PostgreSQL schema {schema}", scale,
                       f"copied from SQLite in {copied['build_s']} s" if copied else "")
        if copied:
            result.update(built=True, build_s=copied["build_s"], copied_from_sqlite=True)
        return {"schema": schema, **result}
    finally:
        engine.dispose()


if __name__ == "__main__":
    main()
