"""The Yongchuan demo database (what `make demo` builds): the pack loaded, demo accounts created."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select

from yibiaotong.access.users import create_user, get_user
from yibiaotong.setup import init_database
from yibiaotong.store.schema import org_unit

DEMO_ACCOUNTS = [  # (user, password, role) — printed by `ybt demo`; demo only
    ("admin", "ybt-demo-admin", "区大数据局管理员"),
    ("minzheng", "ybt-demo-mz", "民政局用户"),
    ("linjiang", "ybt-demo-lj", "临江镇用户"),
]
_ACCOUNTS = [
    dict(name="admin", password="ybt-demo-admin", display_name="区大数据局 管理员", role="admin",
         org_unit="500118000000"),
    dict(name="minzheng", password="ybt-demo-mz", display_name="区民政局 张敏", role="department",
         org_unit="500118000000", department="民政局"),
    dict(name="linjiang", password="ybt-demo-lj", display_name="临江镇 李静", role="town", org_unit="500118103000"),
]


def build_demo(db: str | Path = "demo.db", pack: str = "yongchuan") -> str:
    """Build (or bring up to date) the demo database; returns a one-paragraph summary in Chinese."""
    engine, result = init_database(db, pack)
    for account in _ACCOUNTS:
        if get_user(engine, account["name"]) is None:
            create_user(engine, **account)
    with engine.connect() as conn:
        units = conn.execute(select(func.count()).select_from(org_unit)).scalar_one()
    return (f"演示库 {Path(db)} 已就绪：数据元 {result.elements} 个，代码表 {result.codelists} 个，"
            f"组织机构 {units} 个（永川区、23个镇街及其村社区和网格）。")
