"""`ybt dictionary`: browse and check the data-element dictionary and the code lists."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from yibiaotong.cli.common import Json, console, fail, print_json
from yibiaotong.elements.dictionary import Dictionary
from yibiaotong.errors import YbtError

app = typer.Typer(help="数据元目录与代码表。\n\n例：ybt dictionary list --search 身份证", no_args_is_help=True)
Pack = Annotated[str, typer.Option("--pack", help="数据包名称或路径")]


def _load(pack: str, as_json: bool = False) -> Dictionary:
    try:
        return Dictionary.for_pack(pack)
    except YbtError as exc:
        fail(exc, as_json)
        raise  # unreachable: fail() exits


@app.command("list")
def list_elements(
    pack: Pack = "yongchuan",
    search: Annotated[str | None, typer.Option("--search", "-s", help="按名称、别名或标识查找")] = None,
    category: Annotated[str | None, typer.Option(help="common（公共数据元）或 application（应用数据元）")] = None,
    as_json: Json = False,
) -> None:
    """列出数据元。

    例：ybt dictionary list --search 电话
    """
    d = _load(pack, as_json)
    rows = [e for e in d.elements.values()
            if (not category or e.category == category)
            and (not search or search in e.id or any(search in label for label in e.labels))]
    if as_json:
        print_json([{"id": e.id, "name": e.name, "type": e.type, "category": e.category, "unit": e.unit,
                     "codelist": e.codelist, "sensitivity": e.sensitivity, "role": e.role} for e in rows])
        return
    table = Table(title=f"数据元 {len(rows)} 个")
    for col in ("标识", "名称", "类型", "单位/代码表", "敏感级别", "角色", "类别"):
        table.add_column(col)
    for e in rows:
        table.add_row(e.id, e.name, e.type, e.unit or e.codelist or "", e.sensitivity, e.role or "",
                      "公共" if e.category == "common" else "应用")
    console.print(table)


@app.command("show")
def show(element: str, pack: Pack = "yongchuan", as_json: Json = False) -> None:
    """显示一个数据元的完整定义。

    例：ybt dictionary show id_number
    """
    d = _load(pack, as_json)
    try:
        e = d.element(element)
    except YbtError as exc:
        fail(exc, as_json)
    from dataclasses import asdict

    if as_json:
        print_json(asdict(e))
        return
    for key, value in asdict(e).items():
        if value not in (None, "", (), {}):
            console.print(f"[bold]{key}[/]: {value}")


@app.command("codelists")
def codelists(pack: Pack = "yongchuan", show: Annotated[str | None, typer.Option(help="显示该代码表的全部代码")] = None,
              as_json: Json = False) -> None:
    """列出代码表，或用 --show 显示一个代码表的全部代码。

    例：ybt dictionary codelists --show gb_t_3304_ethnic_group
    """
    d = _load(pack, as_json)
    if show:
        try:
            cl = d.codelist(show)
        except YbtError as exc:
            fail(exc, as_json)
        if as_json:
            print_json([{"code": i.code, "label": i.label, "aliases": list(i.aliases)} for i in cl.items])
            return
        table = Table(title=f"{cl.name}（{cl.standard}）")
        table.add_column("代码")
        table.add_column("名称")
        table.add_column("其他写法")
        for i in cl.items:
            table.add_row(i.code, i.label, "、".join(i.aliases))
        console.print(table)
        return
    if as_json:
        print_json([{"id": c.id, "name": c.name, "standard": c.standard, "items": len(c.items)} for c in d.codelists.values()])
        return
    table = Table(title=f"代码表 {len(d.codelists)} 个")
    for col in ("标识", "名称", "标准", "代码数"):
        table.add_column(col)
    for c in d.codelists.values():
        table.add_row(c.id, c.name, c.standard, str(len(c.items)))
    console.print(table)


@app.command("check")
def check(pack: Pack = "yongchuan", as_json: Json = False) -> None:
    """检查数据包中的数据元和代码表定义，列出全部问题。

    例：ybt dictionary check --pack packs/mydistrict
    """
    d = _load(pack, as_json)
    common = sum(1 for e in d.elements.values() if e.category == "common")
    summary = {"elements": len(d.elements), "common": common, "application": len(d.elements) - common,
               "codelists": len(d.codelists)}
    if as_json:
        print_json({"ok": True, **summary})
    else:
        console.print(f"[green]✓[/] 定义无误：数据元 {summary['elements']} 个（公共 {common}，应用 {summary['application']}），"
                      f"代码表 {summary['codelists']} 个。")
