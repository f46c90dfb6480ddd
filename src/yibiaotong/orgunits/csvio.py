"""Org tree import/export as CSV: code,name,level,parent_code,kind (UTF-8, GBK accepted on input)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from yibiaotong.errors import Problem, YbtError
from yibiaotong.orgunits.tree import OrgTree, OrgUnit

COLUMNS = ["code", "name", "level", "parent_code", "kind"]
REQUIRED = {"code", "name", "kind"}


def read_csv(path: str | Path) -> OrgTree:
    path = Path(path)
    if not path.exists():
        raise YbtError(Problem("file-not-found", {"file": str(path)}))
    data = path.read_bytes()
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise YbtError(Problem("invalid-org-tree", {"reason": "文件编码无法识别，请另存为 UTF-8 CSV"}, {"file": str(path)}))
    reader = csv.DictReader(io.StringIO(text))
    missing = REQUIRED - set(reader.fieldnames or [])
    if missing:
        raise YbtError(Problem("invalid-org-tree", {"reason": f"缺少列：{'、'.join(sorted(missing))}（表头应为 {','.join(COLUMNS)}）"},
                               {"file": str(path), "row": 1}))
    units = [
        OrgUnit(code=(r.get("code") or "").strip(), name=(r.get("name") or "").strip(), kind=(r.get("kind") or "").strip(),
                parent_code=(r.get("parent_code") or "").strip() or None)
        for r in reader
    ]
    return OrgTree(units, source=str(path))


def write_csv(tree: OrgTree, path: str | Path) -> None:
    with open(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(COLUMNS)
        for u in tree:
            writer.writerow([u.code, u.name, u.level, u.parent_code or "", u.kind])
