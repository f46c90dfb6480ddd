"""The Yongchuan form catalogue: 178 forms from ~15 departments in all three layouts, generated
the same way every time, every form readable back to exactly its header paths, and the committed
files in packs/yongchuan/forms never stale."""

from __future__ import annotations

import json
from pathlib import Path
from collections import Counter

import pytest

from yibiaotong.demo.catalogue import FORMS_TOTAL, apply_departments, generate_catalogue, short_title
from yibiaotong.demo.catalogue_render import CATALOGUE_JSON, catalogue_entries
from yibiaotong.forms import read_templates, render_template
from yibiaotong.forms.definition import FormDef
from yibiaotong.packs import packs_root

FORMS_DIR = packs_root() / "yongchuan" / "forms"


@pytest.fixture(scope="module")
def specs():
    return generate_catalogue()


def sample(specs: list[dict]) -> list[dict]:
    """About 20 forms spread over the catalogue (every department's share, every layout)."""
    return specs[::9]


def test_178_forms_from_about_15_departments_in_three_layouts(specs):
    assert len(specs) == FORMS_TOTAL == 178
    departments = Counter(s["department"] for s in specs)
    assert 13 <= len(departments) <= 17 and departments.most_common(1)[0][0] == "区民政局"
    layouts = Counter(s["layout"] for s in specs)
    assert set(layouts) == {"roster", "record", "indicator"}
    assert layouts["roster"] == max(layouts.values())  # rosters are the most common kind
    assert [s["no"] for s in specs] == list(range(1, 179))
    assert len({s["file"] for s in specs}) == 178


def test_forms_look_like_real_ones(specs):
    titles = {s["title"] for s in specs}
    assert {"残疾人生活补贴变化情况对比表", "土地流转及规模经营台账"} <= {t.removeprefix("永川区") for t in titles}
    assert any("残疾人生活补贴上报花名册" in t for t in titles)
    columns = [c for s in specs for c in s["columns"]]
    # the same fact in different departments' words
    assert {"身份证号", "公民身份号码", "身份证号码"} <= {c.split("/")[-1] for c in columns}
    assert any(c.startswith("补贴金额/") for c in columns)  # multi-level headers
    records = [s for s in specs if s["layout"] == "record"]
    assert sum(1 for s in records if s["options"].get("subtables")) >= 5  # 家庭成员情况 sub-tables
    indicators = [s for s in specs if s["layout"] == "indicator"]
    assert any("其中：" in c for s in indicators for c in s["columns"])
    assert all(len(s["columns"]) == len(set(s["columns"])) for s in specs)


def test_same_seed_same_specs(specs):
    assert generate_catalogue(2024) == specs
    other = generate_catalogue(7)
    assert [s["title"] for s in other] != [s["title"] for s in specs] or \
        [s["columns"] for s in other] != [s["columns"] for s in specs]


def test_short_titles_are_file_names():
    assert short_title("永川区____年__月农村低保户花名册") == "农村低保户花名册"
    assert short_title("农村基本情况统计表（村级）") == "农村基本情况统计表"
    assert "/" not in short_title("类型(种植/养殖)统计表")


def test_every_sampled_form_renders_and_reads_back_to_its_header_paths(specs, tmp_path):
    chosen = sample(specs)
    assert {s["layout"] for s in chosen} == {"roster", "record", "indicator"}
    for spec in chosen:
        path = render_template(spec, tmp_path / spec["file"], style_seed=spec["style_seed"])
        result = read_templates(path)
        assert len(result.forms) == 1, (spec["file"], result.skipped)
        form = result.forms[0]
        assert form.layout == spec["layout"], spec["file"]
        assert form.items == spec["columns"], spec["file"]
        if spec["options"].get("subtables"):
            assert {f.subtable for f in form.fields if f.subtable} == set(spec["options"]["subtables"])
        # the committed template is the one the generator writes today
        assert path.read_bytes() == (FORMS_DIR / spec["file"]).read_bytes(), \
            f"{spec['file']} is stale: run python -m yibiaotong.demo.catalogue --out packs/yongchuan/forms"


def test_committed_catalogue_json_matches_the_generator(specs):
    committed = json.loads((FORMS_DIR / CATALOGUE_JSON).read_text(encoding="utf-8"))["forms"]
    assert committed == json.loads(json.dumps(catalogue_entries(specs), ensure_ascii=False)), \
        "catalogue.json is stale: run python -m yibiaotong.demo.catalogue --out packs/yongchuan/forms"
    on_disk = {p.name for p in FORMS_DIR.glob("*.xlsx")}
    assert on_disk == {f["file"] for f in committed}


def test_every_form_definition_names_its_department():
    """The department issuing a form (from the catalogue) is in its definition: the review pages,
    the dashboard and intake's authoritative-source rule read it there."""
    forms = packs_root() / "yongchuan" / "forms"
    catalogue = json.loads((forms / "catalogue.json").read_text(encoding="utf-8"))["forms"]
    expected = {Path(f["file"]).stem: f["department"] for f in catalogue}
    found = {Path(fd.template).stem: fd.department for fd in map(FormDef.load, sorted(forms.glob("*.yaml")))}
    assert found == expected and apply_departments(forms) == 0
