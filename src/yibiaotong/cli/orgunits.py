"""`ybt orgunits`: import, export and show the org tree."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.tree import Tree

from yibiaotong.cli.common import Db, Json, console, fail, open_store, print_json
from yibiaotong.errors import YbtError
from yibiaotong.orgunits import load_tree, read_csv, save_tree, write_csv

app = typer.Typer(help="组织机构（区县—镇街—村社区—网格）。\n\n例：ybt orgunits tree --depth 2", no_args_is_help=True)


@app.command("import")
def import_csv(path: Path, db: Db = None, as_json: Json = False) -> None:
    """从 CSV 导入组织机构（表头 code,name,level,parent_code,kind；已有的按代码更新）。

    例：ybt orgunits import packs/yongchuan/orgunits.csv
    """
    try:
        tree = read_csv(path)
        count = save_tree(open_store(db), tree)
    except YbtError as exc:
        fail(exc, as_json)
    if as_json:
        print_json({"ok": True, "org_units": count})
    else:
        console.print(f"[green]✓[/] 已导入 {count} 个组织机构。")


@app.command("export")
def export_csv(path: Path, db: Db = None) -> None:
    """把组织机构导出为 CSV。

    例：ybt orgunits export orgunits.csv
    """
    try:
        tree = load_tree(open_store(db))
    except YbtError as exc:
        fail(exc)
    write_csv(tree, path)
    console.print(f"[green]✓[/] 已导出 {len(tree)} 个组织机构到 {path}。")


@app.command("tree")
def show_tree(db: Db = None, code: Annotated[str | None, typer.Option(help="只显示该单位及其下级")] = None,
              depth: Annotated[int, typer.Option(help="显示几级")] = 3, as_json: Json = False) -> None:
    """以树形显示组织机构。

    例：ybt orgunits tree --code 500118103000
    """
    try:
        tree = load_tree(open_store(db))
        roots = [tree[code]] if code else tree.roots()
    except YbtError as exc:
        fail(exc, as_json)
    if as_json:
        units = [u for r in roots for u in tree.subtree(r.code) if u.level - r.level < depth]
        print_json([u.__dict__ for u in units])
        return
    for root in roots:
        node = Tree(f"[bold]{root.name}[/] {root.code}")
        _grow(tree, root.code, node, depth - 1)
        console.print(node)


def _grow(tree, code: str, node: Tree, depth: int) -> None:
    if depth <= 0:
        return
    for child in tree.children(code):
        _grow(tree, child.code, node.add(f"{child.name} [dim]{child.code} {child.kind}[/]"), depth - 1)
