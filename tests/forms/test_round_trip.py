"""Render the 18 real dev forms in all three layouts and several styles, read them back, and
check that the layout and the exact header paths come back in order (extraction recall)."""

from __future__ import annotations

import json

import pytest

from tests.shared import not_found, shared_data
from yibiaotong.forms import read_templates, render_template
from yibiaotong.forms.render import split_path

DEV = shared_data("forms-dev.json")
LAYOUTS = ("roster", "record", "indicator")
SEEDS = range(8)

pytestmark = pytest.mark.skipif(DEV is None, reason=not_found("forms-dev.json"))


def dev_forms() -> list[dict]:
    return json.loads(DEV.read_text(encoding="utf-8"))["forms"] if DEV is not None else []


def subtables(columns: list[str]) -> dict[str, list[str]]:
    """Groups of three or more parent/child columns: rendered as repeated sub-tables."""
    groups: dict[str, list[str]] = {}
    for c in columns:
        p = split_path(c)
        if len(p) == 2:
            groups.setdefault(p[0], []).append(c)
    return {k: v for k, v in groups.items() if len(v) >= 3}


def found_paths(form, expected: list[str]) -> list[str]:
    """What the reader found, in order; a spec's 序号 column, read as a roster's serial column
    (not a field), counts where it stands. A 序号 column the writer adds is not in the spec."""
    items = form.items
    if form.layout == "roster" and form.serial_label in expected:
        before = sum(1 for f in form.fields if f.column < form.serial_column)
        items = items[:before] + [form.serial_label] + items[before:]
    return items


def cases():
    for form in dev_forms():
        for layout in LAYOUTS:
            for seed in SEEDS:
                yield form, layout, seed


def test_extraction_recall_over_all_layouts_and_styles(tmp_path, capsys):
    expected_total = found_total = 0
    wrong: list[str] = []
    for form, layout, seed in cases():
        options = {"subtables": subtables(form["columns"])} if layout == "record" and seed % 2 else {}
        spec = {"title": form["title"], "columns": form["columns"], "layout": layout, "options": options}
        path = render_template(spec, tmp_path / f"{form['id']}-{layout}-{seed}.xlsx", style_seed=seed)
        result = read_templates(path)
        expected = form["columns"]
        expected_total += len(expected)
        if len(result.forms) != 1:
            wrong.append(f"{form['id']} {layout} seed={seed}: {len(result.forms)} forms, {result.skipped}")
            continue
        read = result.forms[0]
        got = found_paths(read, expected)
        found_total += sum(1 for e in expected if e in got)
        if read.layout != layout or got != expected:
            wrong.append(f"{form['id']} {layout} seed={seed}: read as {read.layout}; "
                         f"missing {[e for e in expected if e not in got][:3]} extra {[g for g in got if g not in expected][:3]}")
        if layout == "record" and options.get("subtables"):
            assert {f.subtable for f in read.fields if f.subtable} == set(options["subtables"]), form["id"]
    recall = found_total / expected_total
    with capsys.disabled():
        print(f"\nextraction recall (exact header path): {found_total}/{expected_total} = {recall:.4f} "
              f"over {len(dev_forms())} forms x {len(LAYOUTS)} layouts x {len(SEEDS)} styles")
    assert recall >= 0.99, wrong[:10]
    assert not wrong, wrong[:10]


@pytest.mark.parametrize("layout", LAYOUTS)
def test_f024_two_level_header_each_layout(tmp_path, layout):
    (form,) = [f for f in dev_forms() if f["id"] == "f024"]
    spec = {"title": form["title"], "columns": form["columns"], "layout": layout}
    read = read_templates(render_template(spec, tmp_path / "f024.xlsx", style_seed=3)).forms[0]
    assert read.layout == layout
    assert found_paths(read, form["columns"]) == form["columns"]
    by = {f.item: f for f in read.fields}
    assert by["贫困户类型/有劳动能力的低保户"].path[:2] == ("贫困户类型", "有劳动能力的低保户")
