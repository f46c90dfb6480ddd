"""The access test world (tests/access/world.py) plus what the review and overview pages show:
the small district pack's forms installed, two imports and two alerts (one in each town)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy import insert

from tests.access.world import LJ_VILLAGE, ZT_VILLAGE, World
from tests.consolidate.review_pack import make_pack
from yibiaotong.setup import install_pack
from yibiaotong.store import schema

IMPORTS = {  # org unit -> (file name, form, department)
    LJ_VILLAGE: ("临江村低保户花名册.xlsx", "低保户花名册", "民政局"),
    ZT_VILLAGE: ("朱沱村青菜头统计表.xlsx", "青菜头统计表", "农业农村委"),
}
ALERTS = {  # org unit -> (title, department)
    LJ_VILLAGE: ("临江村测试预警：已死亡人员仍在领取补贴", "民政局"),
    ZT_VILLAGE: ("朱沱村测试预警：耕地连续两季无种植记录", "农业农村委"),
}


def add_review_data(world: World, root: Path) -> Path:
    pack = make_pack(root)
    install_pack(world.engine, pack)
    now = datetime.now(UTC)
    with world.engine.begin() as conn:
        for unit, (file_name, form, department) in IMPORTS.items():
            source = conn.execute(insert(schema.source).values(kind="file", actor="importer", file_name=file_name,
                                                               file_hash="0" * 64, created_at=now)).inserted_primary_key[0]
            conn.execute(insert(schema.import_batch).values(
                source_id=source, file_name=file_name, file_hash="0" * 64, sheet="Sheet1", form_id=form,
                department=department, period="2024-06", org_unit=unit, actor="importer", rows_read=12,
                rows_imported=10, rows_invalid=2, result={}, created_at=now))
        for i, (unit, (title, department)) in enumerate(ALERTS.items()):
            conn.execute(insert(schema.alert).values(
                rule_id=f"test_rule_{i}", fingerprint=f"{i:064d}", title=title, department=department,
                severity="high", org_unit=unit, status="new", explanation="测试", evidence={}, as_of=date(2024, 6, 30),
                present=True, times_found=1, first_found_at=now, last_found_at=now))
    return pack
