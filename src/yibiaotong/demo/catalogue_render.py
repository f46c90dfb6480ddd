"""Writing the generated catalogue: one .xlsx per form and catalogue.json listing them.

The folder is owned by the generator: stale .xlsx files and the old catalogue.json are removed
first, so a renamed form never leaves its old file behind to be consolidated twice.
"""

from __future__ import annotations

import json
from pathlib import Path

from yibiaotong.demo.catalogue import generate_catalogue
from yibiaotong.forms import render_template

CATALOGUE_JSON = "catalogue.json"
_LISTED = ("no", "file", "title", "department", "theme", "layout", "columns", "options", "style_seed")


def catalogue_entries(specs: list[dict]) -> list[dict]:
    """What catalogue.json lists for each form (the spec, keys in a fixed order)."""
    return [{key: spec[key] for key in _LISTED} for spec in specs]


def catalogue_json(specs: list[dict]) -> str:
    return json.dumps({"forms": catalogue_entries(specs)}, ensure_ascii=False, indent=1) + "\n"


def write_catalogue(out_dir: str | Path, seed: int = 2024) -> list[dict]:
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    for stale in [*out.glob("*.xlsx"), out / CATALOGUE_JSON]:
        stale.unlink(missing_ok=True)
    specs = generate_catalogue(seed)
    for spec in specs:
        render_template(spec, out / spec["file"], style_seed=spec["style_seed"])
    (out / CATALOGUE_JSON).write_text(catalogue_json(specs), encoding="utf-8")
    return specs
