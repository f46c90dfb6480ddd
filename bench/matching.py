"""Benchmark: field extraction and field→element matching on the 18 real forms of forms-dev.json.

Renders every form into .xlsx templates with the project's own template writer (each form in its
natural layout; and every form in all three layouts for extraction), runs `ybt consolidate` on
them, and scores against the hand labels (elements[i] labels columns[i]):

- extraction recall: fields found with the exact header path;
- pairwise precision / recall / F1 over all pairs of fields (positive: same hand label);
- B-cubed F1;
- the same scores for an exact-leaf-label baseline and a rapidfuzz baseline;
- the time of a 200-form consolidation.

Usage: python bench/matching.py [--out DIR]. Last line: one JSON object.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from itertools import combinations
from pathlib import Path

import shutil

import yaml
from rapidfuzz import fuzz

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import ROOT, emit, machine, shared_data

from yibiaotong.forms import read_templates, render_template

LAYOUTS = {"column_headers": "roster", "application_form": "record", "registration_form": "record"}
SUBTABLE_WORDS = ("成员", "义务人", "人员情况")


def split_path(path: str) -> list[str]:
    """Header path segments; "/" inside brackets belongs to the label (类型(种植/养殖))."""
    parts, depth, cur = [], 0, ""
    for ch in path:
        depth += ch in "(（[【"
        depth -= ch in ")）]】"
        if ch == "/" and depth == 0:
            parts.append(cur)
            cur = ""
        else:
            cur += ch
    return [*parts, cur]


def spec_for(form: dict, layout: str) -> dict:
    spec = {"title": form["title"], "department": form.get("department"), "columns": form["columns"], "layout": layout}
    if layout == "record":
        groups = defaultdict(list)
        for c in form["columns"]:
            parts = split_path(c)
            if len(parts) == 2 and any(w in parts[0] for w in SUBTABLE_WORDS):
                groups[parts[0]].append(c)
        subtables = {k: v for k, v in groups.items() if len(v) >= 3}
        if subtables:
            spec["options"] = {"subtables": subtables}
    return spec


def render_all(forms: list[dict], out: Path, layout_of, seed: int = 0) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for i, f in enumerate(forms):
        path = out / f"{f['id']}.xlsx"
        render_template(spec_for(f, layout_of(f)), path, style_seed=seed + i)
        paths.append(path)
    return paths


def extraction(forms: list[dict], paths: list[Path]) -> tuple[int, int]:
    found = total = 0
    for f, path in zip(forms, paths):
        result = read_templates(path)
        # an indicator field is indicator × value column: the form's item is the indicator path
        headers = {fl.item for t in result.forms for fl in t.fields} | {t.serial_label for t in result.forms if t.serial_label}
        total += len(f["columns"])
        found += sum(1 for c in f["columns"] if c in headers)
    return found, total


def pairwise(gold: list[str], pred: list[str | None]) -> dict:
    tp = fp = fn = 0
    for i, j in combinations(range(len(gold)), 2):
        same_gold = gold[i] == gold[j]
        same_pred = pred[i] is not None and pred[i] == pred[j]
        tp += same_gold and same_pred
        fp += same_pred and not same_gold
        fn += same_gold and not same_pred
    p = tp / (tp + fp) if tp + fp else 1.0
    r = tp / (tp + fn) if tp + fn else 1.0
    return {"precision": round(p, 4), "recall": round(r, 4), "f1": round(2 * p * r / (p + r), 4) if p + r else 0.0}


def bcubed(gold: list[str], pred: list[str | None]) -> float:
    pred = [p if p is not None else f"_missing{i}" for i, p in enumerate(pred)]
    n = len(gold)
    precision = recall = 0.0
    for i in range(n):
        same_pred = [j for j in range(n) if pred[j] == pred[i]]
        same_gold = [j for j in range(n) if gold[j] == gold[i]]
        both = sum(1 for j in same_pred if gold[j] == gold[i])
        precision += both / len(same_pred)
        recall += both / len(same_gold)
    p, r = precision / n, recall / n
    return round(2 * p * r / (p + r), 4)


def leaf(column: str) -> str:
    return split_path(column)[-1].strip()


def fuzzy_clusters(labels: list[str], threshold: int = 80) -> list[str]:
    reps: list[str] = []
    out = []
    for label in labels:
        rep = next((r for r in reps if fuzz.ratio(label, r) >= threshold), None)
        if rep is None:
            reps.append(label)
            rep = label
        out.append(rep)
    return out


def consolidate(paths: list[Path], out: Path, pack: str = "standard") -> tuple[dict, float]:
    plan_path = out / "plan.json"
    ybt = Path(sys.executable).with_name("ybt")
    start = time.perf_counter()
    subprocess.run([str(ybt), "consolidate", *map(str, paths), "--out", str(plan_path), "--pack", pack, "--json"],
                   check=True, capture_output=True)
    seconds = time.perf_counter() - start
    return json.loads(plan_path.read_text(encoding="utf-8")), seconds


def pack_without_dev_aliases(glossary: dict, out: Path) -> Path:
    """A copy of the standard pack whose aliases no longer include the labels seen in the dev
    forms (names stay): how well does the method do on wording it was not told about?"""
    seen = {lbl.strip() for g in glossary.values() for lbl in g.get("seen_in_dev_forms_as", [])}
    target = out / "standard"
    shutil.copytree(ROOT / "packs" / "standard", target, dirs_exist_ok=True)
    for path in (target / "elements").glob("*.yaml"):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        for e in data["elements"]:
            e["aliases"] = [a for a in e.get("aliases") or [] if a.strip() not in seen]
        path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return target


def predictions(forms: list[dict], plan: dict) -> list[str | None]:
    by_source = {Path(f["source"]).stem: {fl["header"]: fl["element"] for fl in f["fields"]} for f in plan["forms"]}
    return [by_source.get(f["id"], {}).get(c) for f in forms for c in f["columns"]]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=None, help="keep the rendered templates and plans here")
    parser.add_argument("--show-errors", action="store_true", help="list fields whose element differs from the label")
    args = parser.parse_args()
    data = json.loads(shared_data("forms-dev.json").read_text(encoding="utf-8"))
    forms = data["forms"]
    work = args.out or Path(tempfile.mkdtemp(prefix="ybt-bench-matching-"))

    natural = render_all(forms, work / "natural", lambda f: LAYOUTS.get(f["layout"], "roster"))
    found = total = 0
    per_layout = {}
    for layout in ("roster", "record", "indicator"):
        paths = render_all(forms, work / layout, lambda f, layout=layout: layout, seed=100)
        a, b = extraction(forms, paths)
        per_layout[layout] = round(a / b, 4)
        found, total = found + a, total + b
    nat_found, nat_total = extraction(forms, natural)

    plan, _seconds = consolidate(natural, work / "natural")
    gold = [e for f in forms for e in f["elements"]]
    pred = predictions(forms, plan)
    ours = pairwise(gold, pred)
    held_out_pack = pack_without_dev_aliases(data["glossary"], work / "held-out-pack")
    held_plan, _ = consolidate(natural, work / "held-out-pack", pack=str(held_out_pack))
    held_pred = predictions(forms, held_plan)
    held = pairwise(gold, held_pred)
    exact = [leaf(c) for f in forms for c in f["columns"]]
    base_exact = pairwise(gold, exact)
    base_fuzzy = pairwise(gold, fuzzy_clusters(exact))

    scale = work / "scale"
    many = []
    for round_ in range(12):
        many += render_all(forms, scale / f"r{round_}", lambda f: LAYOUTS.get(f["layout"], "roster"), seed=1000 * round_)
    many = many[:200]
    scale_plan, scale_seconds = consolidate(many, scale)

    print(f"machine: {machine()}; templates in {work}")
    print(f"extraction recall (natural layouts): {nat_found}/{nat_total} = {nat_found / nat_total:.4f}")
    print(f"extraction recall (all 3 layouts × 18 forms): {found}/{total} = {found / total:.4f}  {per_layout}")
    print(f"yibiaotong      pairwise P {ours['precision']:.4f} R {ours['recall']:.4f} F1 {ours['f1']:.4f}  B-cubed F1 {bcubed(gold, pred):.4f}")
    print(f"without dev aliases pairwise P {held['precision']:.4f} R {held['recall']:.4f} F1 {held['f1']:.4f}  B-cubed F1 {bcubed(gold, held_pred):.4f}")
    print(f"exact leaf      pairwise P {base_exact['precision']:.4f} R {base_exact['recall']:.4f} F1 {base_exact['f1']:.4f}  B-cubed F1 {bcubed(gold, exact):.4f}")
    print(f"rapidfuzz ≥80   pairwise P {base_fuzzy['precision']:.4f} R {base_fuzzy['recall']:.4f} F1 {base_fuzzy['f1']:.4f}")
    print(f"200-form consolidation: {len(scale_plan['forms'])} forms, {scale_plan['metrics']['fields']} fields in {scale_seconds:.1f} s")
    labels = [(f["id"], c) for f in forms for c in f["columns"]]
    wrong = [(fid, c, g, p) for (fid, c), g, p in zip(labels, gold, pred) if p != g]
    print(f"fields whose element differs from the hand label: {len(wrong)} (new elements have their own ids)")
    if args.show_errors:
        for fid, c, g, p in wrong:
            print(f"  {fid} {c!r}: labelled {g}, got {p}")
    emit({
        "extraction_recall": round(nat_found / nat_total, 4), "extraction_recall_all_layouts": round(found / total, 4),
        "extraction_recall_by_layout": per_layout,
        "pairwise_precision": ours["precision"], "pairwise_recall": ours["recall"], "pairwise_f1": ours["f1"],
        "bcubed_f1": bcubed(gold, pred),
        "held_out_aliases_pairwise_f1": held["f1"], "held_out_aliases_bcubed_f1": bcubed(gold, held_pred),
        "baseline_exact_pairwise_f1": base_exact["f1"], "baseline_exact_bcubed_f1": bcubed(gold, exact),
        "baseline_rapidfuzz_pairwise_f1": base_fuzzy["f1"], "baseline_rapidfuzz_bcubed_f1": bcubed(gold, fuzzy_clusters(exact)),
        "forms": len(forms), "fields": len(gold),
        "scale_forms": len(scale_plan["forms"]), "scale_seconds": round(scale_seconds, 2),
    })


if __name__ == "__main__":
    main()
