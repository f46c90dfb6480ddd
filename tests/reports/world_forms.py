"""Two report forms for the permission-test world (tests/access/world.py): a roster of people from
person_identity (民政局 is granted those columns) and one of parcels from land_planting (农业农村委)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine

from yibiaotong.forms import render_template
from yibiaotong.forms.definition import FieldDef, FormDef
from yibiaotong.forms.store import save_forms

PEOPLE_FORM = "人员花名册"
LAND_FORM = "耕地种植情况表"
FORMS = {
    PEOPLE_FORM: ("民政局", [("镇（街道）", "town", None), ("村（社区）", "village", None),
                          ("姓名", "person_name", "person_identity"), ("身份证号码", "id_number", "person_identity"),
                          ("性别", "gender", "person_identity"), ("联系电话", "phone", "person_identity")]),
    LAND_FORM: ("农业农村委", [("村（社区）", "village", None), ("地块编码", "land_parcel_code", "land_planting"),
                           ("作物名称", "crop_name", "land_planting"), ("种植面积（亩）", "planting_area", "land_planting")]),
}


def install_world_forms(engine: Engine, folder: Path) -> list[FormDef]:
    folder.mkdir(parents=True, exist_ok=True)
    forms = []
    for title, (department, fields) in FORMS.items():
        render_template({"title": f"永川区{title}", "layout": "roster", "columns": [h for h, _e, _l in fields],
                         "options": {"serial": True, "total_row": None, "data_rows": 3, "unit_line": True}},
                        folder / f"{title}.xlsx")
        forms.append(FormDef(title, title, "roster", f"{title}.xlsx", "Sheet1", department,
                             [FieldDef(h, e, lg, e if lg else None) for h, e, lg in fields],
                             path=folder / f"{title}.yaml"))
    save_forms(engine, "world", forms)
    return forms
