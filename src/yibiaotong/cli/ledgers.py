"""`ybt ledger`: create ledgers, add columns, upsert records, show records and their history."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from yibiaotong.cli.common import Db, Json, console, fail, open_store, plain, print_json
from yibiaotong.errors import YbtError
from yibiaotong.ledgers import ColumnDef, LedgerDef, LedgerStore, Source

app = typer.Typer(help="台账：建立、加字段、按主键写入、查看记录与修改历史。\n\n例：ybt ledger list", no_args_is_help=True)


def _store(db: str | None) -> LedgerStore:
    return LedgerStore(open_store(db))


@app.command("list")
def list_ledgers(db: Db = None, as_json: Json = False) -> None:
    """列出台账及记录数。

    例：ybt ledger list --json
    """
    try:
        store = _store(db)
        rows = [(d, store.count(d.id)) for d in store.ledgers()]
    except YbtError as exc:
        fail(exc, as_json)
    if as_json:
        print_json([{**d.to_dict(), "records": n} for d, n in rows])
        return
    table = Table(title=f"台账 {len(rows)} 个")
    for col in ("标识", "名称", "主体", "主键", "字段数", "记录数"):
        table.add_column(col)
    for d, n in rows:
        table.add_row(d.id, d.name, d.subject, ",".join(d.key), str(len(d.columns)), str(n))
    console.print(table)


@app.command("create")
def create(definition: Annotated[Path, typer.Argument(help="台账定义 YAML 文件")], db: Db = None, as_json: Json = False) -> None:
    """按定义文件建立台账（每个台账是数据库中的一张真实的表）。

    例：ybt ledger create packs/yongchuan/ledgers/disabled_person.yaml
    """
    try:
        d = _store(db).create_ledger(LedgerDef.from_file(definition))
    except YbtError as exc:
        fail(exc, as_json)
    if as_json:
        print_json({"ok": True, "ledger": d.to_dict()})
    else:
        console.print(f"[green]✓[/] 已建立台账 {d.name}（{d.id}），{len(d.columns)} 个字段。")


@app.command("add-column")
def add_column(ledger: str, element: str,
               name: Annotated[str, typer.Option(help="字段名（默认与数据元标识相同）")] = "",
               db: Db = None, as_json: Json = False) -> None:
    """给台账加一个字段（已有数据不受影响）。

    例：ybt ledger add-column disabled_person phone
    """
    try:
        d = _store(db).add_column(ledger, ColumnDef(element=element, name=name))
    except YbtError as exc:
        fail(exc, as_json)
    if as_json:
        print_json({"ok": True, "ledger": d.to_dict()})
    else:
        console.print(f"[green]✓[/] 台账 {d.id} 已加字段 {name or element}，现有 {len(d.columns)} 个字段。")


@app.command("upsert")
def upsert(ledger: str, path: Annotated[Path, typer.Argument(help="CSV 文件，表头为字段名")],
           org_unit: Annotated[str | None, typer.Option(help="记录所属组织机构代码（CSV 无 _org_unit 列时）")] = None,
           actor: Annotated[str | None, typer.Option(help="操作人")] = None,
           db: Db = None, as_json: Json = False) -> None:
    """从 CSV 按主键写入台账：新记录插入，已有记录更新；任何一行有错则整批不写入。

    例：ybt ledger upsert disabled_person people.csv --org-unit 500118103000
    """
    if not path.exists():
        fail(YbtError.of("file-not-found", file=str(path)), as_json)
    with open(path, encoding="utf-8-sig", newline="") as fh:
        rows = [{**r, "_row": i} for i, r in enumerate(csv.DictReader(fh), start=2)]
    try:
        result = _store(db).upsert(ledger, rows, source=Source.file(path, actor=actor), org_unit=org_unit)
    except YbtError as exc:
        fail(YbtError([p.at(file=path.name) for p in exc.problems]), as_json)
    summary = {"inserted": result.inserted, "updated": result.updated, "unchanged": result.unchanged,
               "duplicate_keys": result.duplicate_keys}
    if as_json:
        print_json({"ok": True, **summary})
    else:
        console.print(f"[green]✓[/] 新增 {result.inserted} 条，更新 {result.updated} 条，未变 {result.unchanged} 条。"
                      + ("（文件与台账现有数据一致，无需改动）" if not result.changed else ""))


@app.command("show")
def show(ledger: str, key: str, db: Db = None, as_json: Json = False) -> None:
    """显示一条记录（敏感字段已遮蔽）。

    例：ybt ledger show disabled_person 500118199001011234
    """
    from yibiaotong.ledgers.present import masked_record

    try:
        store = _store(db)
        record = masked_record(store, ledger, store.get(ledger, key))
    except YbtError as exc:
        fail(exc, as_json)
    if as_json:
        print_json(record)
        return
    for k, v in record.items():
        console.print(f"[bold]{k}[/]: {v}")


@app.command("history")
def history(ledger: str, key: str, db: Db = None, as_json: Json = False) -> None:
    """列出一条记录的全部修改历史（时间、来源、旧值、新值；敏感字段已遮蔽）。

    例：ybt ledger history disabled_person 500118199001011234
    """
    from yibiaotong.ledgers.present import masked_history

    try:
        store = _store(db)
        rows = masked_history(store, ledger, store.history(ledger, key))
    except YbtError as exc:
        fail(exc, as_json)
    if as_json:
        print_json(rows)
        return
    table = Table(title=f"{ledger} {key[:6]}… 的修改历史")
    for col in ("版本", "时间", "操作", "字段", "旧值", "新值", "来源"):
        table.add_column(col)
    for r in rows:
        origin = r["file_name"] and f"{r['file_name']} {r['sheet'] or ''} 第{r['source_row']}行" or r["actor"] or r["kind"]
        table.add_row(*plain(r["version"], str(r["changed_at"])[:19], r["op"], r["column_name"] or "",
                             r["old_value"] if r["old_value"] is not None else "", r["new_value"], origin))
    console.print(table)
