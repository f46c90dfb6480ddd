"""The Yongchuan demo database (what `make demo` builds).

The pack is installed (dictionary, org tree with villages and grids, 92 ledgers, 178 form
definitions), the ledgers are filled with the synthetic population (with planted problems),
demo accounts for every role are created and the departments get their grants; the rules run
once (as of the demo data's date), so that the web app shows the planted problems as alerts.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select

from yibiaotong.access.users import create_user, get_user
from yibiaotong.files import partial_of
from yibiaotong.setup import init_database
from yibiaotong.store.schema import org_unit, rule_run

LINJIANG = "500118103000"
# (user, password, who) — printed by `ybt demo`; demo only
DEMO_ACCOUNTS = [
    ("admin", "ybt-demo-admin", "区大数据局管理员"),
    ("minzheng", "ybt-demo-mz", "民政局用户"),
    ("canlian", "ybt-demo-cl", "残联用户"),
    ("nongye", "ybt-demo-ny", "农业农村委用户"),
    ("linjiang", "ybt-demo-lj", "临江镇用户"),
    ("cunmin", "ybt-demo-cm", "临江镇村用户"),
    ("wangge", "ybt-demo-wg", "网格员"),
]
# department -> ledger id prefixes or ids it reads (民政局's grants come from access.demo); 残联 reads
# the payments its expired-certificate rule warns about (an alert shows a department only what it may read)
DEPARTMENT_GRANTS = {
    "残联": {"person_identity": True, "person_disability": True, "person_disability_subsidy": False,
             "person_rehabilitation": False, "area_disability": False, "event_payment": False},
    "农业农村委": {"land": False, "land_land_transfer": False, "land_planting": False, "area_agriculture": False,
               "organisation_cooperative": False},
}


def build_demo(db: str | Path = "demo.db", pack: str = "yongchuan", scale: str | int = "demo") -> str:
    """Build (or bring up to date) the demo database; returns a summary in Chinese.

    A new SQLite demo database is built beside its place and moved there whole: one that Ctrl+C or
    a crash stopped halfway would otherwise be taken for a finished one by the next ``ybt demo``,
    which fills the ledgers only while they are empty."""
    target = Path(db)
    if "://" in str(db) or target.exists():
        return _build(db, pack, scale, target)
    partial = partial_of(target)
    _remove_database(partial)  # what a build that was stopped left
    try:
        summary = _build(partial, pack, scale, target)
        _fold_log(partial)
        # a log left beside the place by a database that was there (a server killed, then the file
        # deleted) would be replayed onto the new one
        _remove_database(target)
        os.replace(partial, target)
    finally:
        _remove_database(partial)
    return summary


def _fold_log(path: Path) -> None:
    """Everything of the SQLite database at ``path`` in its file, none in its write-ahead log (the
    last connection to close folds it in; this is for one left open)."""
    import sqlite3
    from contextlib import closing

    if path.with_name(f"{path.name}-wal").exists():
        with closing(sqlite3.connect(path)) as conn:
            busy = conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0]
        if busy:
            raise RuntimeError(f"{path} is in use: its log could not be folded into it")


def _remove_database(path: Path) -> None:
    for name in (path, path.with_name(f"{path.name}-wal"), path.with_name(f"{path.name}-shm")):
        name.unlink(missing_ok=True)


def _build(db: str | Path, pack: str, scale: str | int, shown: Path) -> str:
    engine, result = init_database(db, pack)
    try:
        loaded = _fill_ledgers(engine, scale)
        _accounts(engine)
        alerts = _run_rules(engine, fresh=bool(loaded))
        from yibiaotong.stats import stats

        figures = stats(engine, pack)
    finally:
        engine.dispose()
    return (f"演示库 {shown} 已就绪：报表 {figures['forms']} 张、字段 {figures['fields']} 个 → 数据元 "
            f"{figures['elements']} 个、台账 {figures['ledgers']} 本（{figures['ledger_fields']} 个字段），"
            f"台账可供给 {figures['fields_served_share']:.1%} 的报表字段；组织机构 "
            f"{sum(figures['org_units_by_level'].values())} 个；台账记录 {figures['records']:,} 条"
            + (f"（本次生成 {loaded:,} 条）" if loaded else "") + "。"
            + (f"预警规则已运行，发现 {alerts} 条预警。" if alerts is not None else ""))


def _fill_ledgers(engine: Engine, scale: str | int) -> int:
    """Load the synthetic population once: only while every ledger is still empty."""
    from yibiaotong.demo.load import load
    from yibiaotong.demo.population import generate
    from yibiaotong.ledgers.store import LedgerStore

    store = LedgerStore(engine)
    if any(store.records(d.id, limit=1) for d in store.ledgers()):
        return 0
    return load(engine, store, generate(scale)).records


def _run_rules(engine: Engine, *, fresh: bool) -> int | None:
    """Index what the rules look up, and run them once as of the demo data's date (a database whose
    rules already ran is left as it is); returns how many alerts the run found."""
    from yibiaotong.demo.population import DEFAULT_TODAY
    from yibiaotong.rules import ensure_rule_indexes, run_rules

    ensure_rule_indexes(engine)
    with engine.connect() as conn:
        ran = conn.execute(select(rule_run.c.id).limit(1)).first() is not None
    if ran and not fresh:
        return None
    return run_rules(engine, as_of=DEFAULT_TODAY, actor="demo").alerts_total


def _accounts(engine: Engine) -> None:
    from yibiaotong.access.demo import seed_demo_access
    from yibiaotong.access.grants import set_grant
    from yibiaotong.ledgers.store import LedgerStore

    village, grid = _first_village_and_grid(engine)
    accounts: list[dict[str, Any]] = [
        dict(name="admin", display_name="区大数据局 管理员", role="admin", org_unit="500118000000"),
        dict(name="minzheng", display_name="区民政局 张敏", role="department", org_unit="500118000000",
             department="民政局"),
        dict(name="canlian", display_name="区残联 刘洋", role="department", org_unit="500118000000", department="残联"),
        dict(name="nongye", display_name="区农业农村委 陈刚", role="department", org_unit="500118000000",
             department="农业农村委"),
        dict(name="linjiang", display_name="临江镇 李静", role="town", org_unit=LINJIANG),
        dict(name="cunmin", display_name="村（社区）文书 王芳", role="village", org_unit=village),
        dict(name="wangge", display_name="网格员 赵强", role="grid", org_unit=grid),
    ]
    passwords = {name: password for name, password, _who in DEMO_ACCOUNTS}
    for account in accounts:
        if account["org_unit"] and get_user(engine, account["name"]) is None:
            create_user(engine, password=passwords[account["name"]], **account)
    seed_demo_access(engine)
    existing = {d.id for d in LedgerStore(engine).ledgers()}
    for department, ledgers in DEPARTMENT_GRANTS.items():
        for ledger_id, reveal in ledgers.items():
            if ledger_id in existing:
                set_grant(engine, department, ledger_id, mode="read", reveal=reveal, by="demo")


def _first_village_and_grid(engine: Engine) -> tuple[str | None, str | None]:
    with engine.connect() as conn:
        village = conn.execute(select(org_unit.c.code).where(org_unit.c.parent_code == LINJIANG, org_unit.c.level == 3)
                               .order_by(org_unit.c.code)).scalar()
        grid = conn.execute(select(org_unit.c.code).where(org_unit.c.parent_code == village)
                            .order_by(org_unit.c.code)).scalar() if village else None
    return village, grid
