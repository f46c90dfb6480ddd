"""The Yongchuan form catalogue (报表目录): 178 routine grassroots report forms from ~15 departments,
generated as .xlsx templates from building blocks kept as data.

The article this demo reproduces says Yongchuan combed 178 routine forms into 89 ledgers with
2,539 fields. The forms themselves are not public, so they are composed here from what real
forms are made of (packs/yongchuan/catalogue/*.yaml): a shared field vocabulary with each
department's wording (身份证号 / 公民身份号码), form families per department (rosters, one-record
application forms with family sub-tables, numbered indicator tables) and their titles. Running the
consolidation over the output is what shows the duplicates merging (see the pack's README).

Each form draws from its own seeded generator (keyed by department, family and index), so editing
one family leaves the others' wording and columns as they were; the same seed writes
byte-identical files.

    python -m yibiaotong.demo.catalogue --out packs/yongchuan/forms
"""

from __future__ import annotations

import argparse
import random
import re
from pathlib import Path
from typing import Any

from yibiaotong.packs import packs_root, read_yaml

FORMS_TOTAL = 178  # the article's count; the family counts in the data add up to it
OPTIONAL_SHARE = 0.7  # how often a "?" column makes it into a form


def catalogue_dir() -> Path:
    return packs_root() / "yongchuan" / "catalogue"


def load_building_blocks(folder: str | Path | None = None) -> tuple[dict, list[dict]]:
    """(vocabulary, departments): fields.yaml, and every other file as one department with its
    form families, in the departments' ``order``."""
    folder = Path(folder or catalogue_dir())
    vocabulary = read_yaml(folder / "fields.yaml")
    departments = [read_yaml(p) for p in sorted(folder.glob("*.yaml")) if p.name != "fields.yaml"]
    return vocabulary, sorted(departments, key=lambda d: (d.get("order", 99), d["department"]))


def generate_catalogue(seed: int = 2024, folder: str | Path | None = None) -> list[dict]:
    """Form specs in catalogue order: {no, file, title, department, theme, layout, columns, options,
    style_seed}. Each spec renders with ``yibiaotong.forms.render_template``."""
    vocabulary, departments = load_building_blocks(folder)
    specs: list[dict] = []
    for dept in departments:
        for family in dept["families"]:
            for k in range(int(family.get("count", 1))):
                rnd = random.Random(f"{seed}/{dept['short']}/{family['id']}/{k}")
                specs.append(_form(dept, family, k, rnd, vocabulary))
    for n, spec in enumerate(specs, start=1):
        spec["no"] = n
        spec["file"] = f"{n:03d}_{short_title(spec['title'])}.xlsx"
        spec["style_seed"] = seed * 1000 + n
    return specs


def short_title(title: str) -> str:
    """A file name from a title: no period placeholders, no district prefix, no brackets' asides."""
    t = re.sub(r"_+年_*月?|_+年度?|_+季度|（[^）]*）|\([^)]*\)|[《》]", "", title)
    t = re.sub(r"^(?:重庆市)?永川区", "", t)
    t = re.sub(r'[\\/:*?"<>|\s]', "", t)
    return t[:40] or "报表"


# --- one form ---------------------------------------------------------------------------------

def _form(dept: dict, family: dict, k: int, rnd: random.Random, vocabulary: dict) -> dict:
    titles = family["titles"]
    title = titles[k % len(titles)]
    if not title.startswith("永川区") and rnd.random() < 0.3:
        title = "永川区" + title  # district-issued copies often carry the district's name
    layout = family["layout"]
    options: dict[str, Any] = dict(family.get("options") or {})
    if layout == "indicator":
        columns = expand_tree(family["tree"], rnd)
        choices = family.get("values") or [["本期数"]]
        options["value_columns"] = list(choices[k % len(choices)])
    else:
        columns, subtables = expand_columns(family["columns"], rnd, vocabulary)
        if subtables:
            options["subtables"] = subtables
            options.update(_pairs_for(subtables, options))
    return {"title": title, "department": dept["department"], "theme": family.get("theme", ""),
            "layout": layout, "columns": columns, "options": options}


def expand_columns(entries: list, rnd: random.Random, vocabulary: dict,
                   prefix: tuple[str, ...] = ()) -> tuple[list[str], dict[str, list[str]]]:
    """Header paths ("parent/child") and repeated sub-tables from a family's column entries."""
    fields, blocks = vocabulary["fields"], vocabulary["blocks"]
    columns: list[str] = []
    subtables: dict[str, list[str]] = {}
    for entry in entries:
        if isinstance(entry, dict):
            for key, children in entry.items():
                key = str(key)
                if key.startswith("?") and rnd.random() >= OPTIONAL_SHARE:
                    continue
                key = key.lstrip("?")
                repeated = key.startswith("*")
                label = _wording(key.lstrip("*"), rnd, fields)
                cols, subs = expand_columns(children, rnd, vocabulary, (*prefix, label))
                columns += cols
                subtables.update(subs)
                if repeated:
                    subtables["/".join((*prefix, label))] = cols
            continue
        entry = str(entry)
        if entry.startswith("?"):
            if rnd.random() >= OPTIONAL_SHARE:
                continue
            entry = entry[1:]
        if entry.startswith("@"):
            cols, subs = expand_columns(blocks[entry[1:]], rnd, vocabulary, prefix)
            columns += cols
            subtables.update(subs)
            continue
        columns.append("/".join((*prefix, _wording(entry, rnd, fields))))
    return list(dict.fromkeys(columns)), subtables  # one fact asked twice in a form reads as one column


def expand_tree(nodes: list, rnd: random.Random, prefix: tuple[str, ...] = ()) -> list[str]:
    """Indicator paths from a nested tree. A "+" label is a row that is filled in and has
    breakdown rows under it (人数 / 其中：女性); a "?" row appears in some forms only."""
    paths: list[str] = []
    for node in nodes:
        if isinstance(node, dict):
            for key, children in node.items():
                key = str(key)
                if key.startswith("?") and rnd.random() >= OPTIONAL_SHARE:
                    continue
                key = key.lstrip("?")
                label = key.lstrip("+")
                if key.startswith("+"):
                    paths.append("/".join((*prefix, label)))
                paths += expand_tree(children, rnd, (*prefix, label))
            continue
        node = str(node)
        if node.startswith("?"):
            if rnd.random() >= OPTIONAL_SHARE:
                continue
            node = node[1:]
        paths.append("/".join((*prefix, node)))
    return paths


def _pairs_for(subtables: dict[str, list[str]], options: dict) -> dict:
    """Label/value pairs per row for a record with sub-tables. The template reader takes a pairs
    row right under a sub-table for one more sub-table row when it has as many boxes as the
    sub-table has columns (2 pairs under 4 columns, 4 pairs under 8), so that count is avoided."""
    if "pairs" in options:
        return {}
    clash = {len(cols) // 2 for cols in subtables.values() if len(cols) in (4, 8)}
    free = [pairs for pairs in (2, 4) if pairs not in clash]
    return {"pairs": free[0]} if clash and free else {}


def _wording(entry: str, rnd: random.Random, fields: dict) -> str:
    """One of a field's wordings, or one of a literal's "|"-separated ones."""
    choices = fields.get(entry) or entry.split("|")
    return str(rnd.choice(choices))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="生成永川区演示报表目录（178张报表模板）")
    parser.add_argument("--out", default=str(packs_root() / "yongchuan" / "forms"))
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--departments", action="store_true",
                        help="只把 catalogue.json 中各表的主管部门写入表定义（在 ybt consolidate --write-pack 之后运行）")
    args = parser.parse_args(argv)
    if args.departments:
        print(f"set the department of {apply_departments(args.out)} form definitions in {args.out}")
        return
    specs = write_catalogue(args.out, seed=args.seed)
    print(f"wrote {len(specs)} forms to {args.out}")


def apply_departments(forms_dir: str | Path) -> int:
    """Write each form definition's department (the catalogue knows which department issues a form;
    a template alone does not say). Consolidation keeps a department once it is in the definition."""
    import json

    from yibiaotong.forms.definition import FormDef

    forms_dir = Path(forms_dir)
    catalogue = json.loads((forms_dir / "catalogue.json").read_text(encoding="utf-8"))["forms"]
    department = {Path(f["file"]).stem: f["department"] for f in catalogue}
    done = 0
    for path in sorted(forms_dir.glob("*.yaml")):
        fd = FormDef.load(path)
        if (d := department.get(Path(fd.template).stem)) and fd.department != d:
            fd.department = d
            fd.save(path)
            done += 1
    return done


def write_catalogue(out_dir: str | Path, seed: int = 2024) -> list[dict]:
    """Render every form and catalogue.json into ``out_dir`` (see catalogue_render)."""
    from yibiaotong.demo.catalogue_render import write_catalogue as write

    return write(out_dir, seed=seed)


if __name__ == "__main__":
    main()
