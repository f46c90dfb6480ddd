"""A small district pack for review tests: three templates consolidated and written into the pack,
each form definition given its department (as a person adds it by hand)."""

from __future__ import annotations

from pathlib import Path

from yibiaotong.consolidate import run
from yibiaotong.consolidate.export import write_pack
from yibiaotong.forms import render_template
from yibiaotong.forms.definition import FormDef

FORMS = {  # file stem -> (spec, department)
    "残疾人花名册": ({"title": "残疾人花名册", "layout": "roster",
                  "columns": ["姓名", "身份证号", "残疾等级", "联系电话", "青菜头种植面积(亩)"]}, "残联"),
    "低保户花名册": ({"title": "低保户花名册", "layout": "roster",
                  "columns": ["户主姓名", "公民身份号码", "家庭人口", "月低保金(元)", "养殖规模（头）"]}, "民政局"),
    "青菜头统计表": ({"title": "青菜头种植统计表", "layout": "indicator",
                  "columns": ["种植户数(户)", "种植面积(亩)", "种植面积(亩)/其中：规模种植"]}, "农业农村委"),
}


def make_pack(root: Path) -> Path:
    pack = root / "district"
    (pack / "forms").mkdir(parents=True)
    (pack / "pack.yaml").write_text("id: district\nname: 测试区\ndepends_on: [standard]\n", encoding="utf-8")
    for stem, (spec, _department) in FORMS.items():
        render_template(spec, pack / "forms" / f"{stem}.xlsx")
    write_pack(run([pack / "forms"], pack=str(pack)), pack)
    for stem, (_spec, department) in FORMS.items():
        fd = FormDef.load(pack / "forms" / f"{stem}.yaml")
        fd.department = department
        fd.save()
    return pack
