"""`ybt forms`: the forms installed (their id, title, department, layout), to name one in `ybt import --form` or `ybt report`."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from yibiaotong.cli.common import Db, Json, console, fail, open_store, print_json
from yibiaotong.errors import YbtError

app = typer.Typer(help="已安装的报表（导入时 --form、生成报表时用其标识或名称）。\n\n例：ybt forms list --search 低保",
                  no_args_is_help=True)

_LAYOUTS = {"roster": "花名册", "record": "登记表", "indicator": "统计表"}


@app.command("list")
def list_forms(search: Annotated[str | None, typer.Option(help="标识、名称或部门中含有的字")] = None,
               db: Db = None, as_json: Json = False) -> None:
    """列出已安装的报表。

    例：ybt forms list --search 残疾
    """
    from yibiaotong.forms.store import load_forms

    try:
        forms = load_forms(open_store(db))
    except YbtError as exc:
        fail(exc, as_json)
    if search:
        forms = [f for f in forms if search in f.id or search in f.title or search in f.department]
    rows = [{"id": f.id, "title": f.title, "department": f.department, "layout": f.layout, "fields": len(f.fields)}
            for f in forms]
    if as_json:
        print_json(rows)
        return
    table = Table(title=f"报表 {len(rows)} 张")
    for column in ("标识", "名称", "部门", "样式", "栏目数"):
        table.add_column(column)
    for r in rows:
        table.add_row(r["id"], r["title"], r["department"], _LAYOUTS.get(r["layout"], r["layout"]), str(r["fields"]))
    console.print(table)
