"""Top-level commands: init, demo, serve, validate."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from yibiaotong.cli.common import Db, Interrupted, Json, console, fail, open_store, print_json
from yibiaotong.errors import YbtError

Pack = Annotated[str, typer.Option("--pack", help="数据包名称或路径（packs/ 下的文件夹）")]


def register(app: typer.Typer) -> None:
    app.command("init")(init)
    app.command("demo")(demo)
    app.command("serve")(serve)
    app.command("validate")(validate)
    app.command("stats")(stats_command)


def init(db: Db = None, pack: Pack = "yongchuan", as_json: Json = False) -> None:
    """建立或升级数据库，并载入数据包（数据元目录、代码表、组织机构、台账定义）。

    例：ybt init --db mydistrict.db --pack yongchuan
    """
    from yibiaotong.setup import init_database

    try:
        engine, result = init_database(db, pack)
    except YbtError as exc:
        fail(exc, as_json)
    if as_json:
        print_json(result.__dict__ | {"database": engine.url.render_as_string()})
        return
    # a SQLite database is named by its file (数据/一表通.db), not by its URL-escaped URL (%E6%95%B0…)
    where = engine.url.database if engine.dialect.name == "sqlite" else engine.url.render_as_string()
    console.print(f"数据库 [bold]{escape(str(where))}[/] 已就绪：数据包 {'、'.join(result.packs)}；"
                  f"数据元 {result.elements} 个，代码表 {result.codelists} 个，组织机构 {result.org_units} 个，"
                  f"新建台账 {len(result.ledgers_created)} 个。")
    if result.columns_added:
        console.print(f"已有台账新增字段 {len(result.columns_added)} 个（数据包新增的，原有字段和数据不变）。")
    if result.columns_retyped:
        shown = "、".join(result.columns_retyped[:5]) + ("…" if len(result.columns_retyped) > 5 else "")
        console.print(f"[yellow]注意：{len(result.columns_retyped)} 个字段的数据元类型已变，台账中仍按原类型保存，"
                      f"未自动转换：{shown}。按新类型汇总这些字段前，请导出该台账的数据，按新定义重建台账后再导入。[/]")


def demo(
    db: Annotated[Path, typer.Option("--db", help="演示库文件")] = Path("demo.db"),
    no_serve: Annotated[bool, typer.Option("--no-serve", help="只建库，不启动网页服务")] = False,
    scale: Annotated[str, typer.Option(help="数据规模：demo（约5万条）或 full（约386万条，用于性能测试）")] = "demo",
    host: Annotated[str, typer.Option(help="监听地址")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="端口", min=1, max=65535)] = 8000,
) -> None:
    """建立永川区演示库（已存在则沿用）并启动网页服务，打印网址和演示账号。

    例：ybt demo            （建库并启动）
        ybt demo --no-serve （只建库，供脚本使用）
    """
    from yibiaotong.demo import DEMO_ACCOUNTS, build_demo

    try:
        summary = build_demo(db, scale=int(scale) if scale.isdigit() else scale)
    except YbtError as exc:
        fail(exc)
    console.print(summary)
    if no_serve:
        return
    console.print(f"\n网页地址：[bold]http://{host}:{port}/[/]")
    for name, password, role in DEMO_ACCOUNTS:
        console.print(f"  演示账号 {name} / 密码 {password}  （{role}）")
    _serve(str(db), host, port)


def serve(
    db: Db = None,
    host: Annotated[str, typer.Option(help="监听地址")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="端口", min=1, max=65535)] = 8000,
    workers: Annotated[int, typer.Option(help="工作进程数（多核服务器可设为核数）")] = 1,
) -> None:
    """启动网页服务。

    例：ybt serve --db demo.db --port 8000 --workers 2
    """
    try:  # here, once: each worker would fail on its own, and uvicorn start it again
        open_store(db).dispose()
    except YbtError as exc:
        fail(exc)
    console.print(f"网页地址：[bold]http://{host}:{port}/[/]")
    _serve(db, host, port, workers)


def _serve(db: str | None, host: str, port: int, workers: int = 1) -> None:
    import os
    import secrets

    import uvicorn

    from yibiaotong.store.engine import database_url

    # workers are separate processes: they find the database and the session key in the environment,
    # and must share the key or a session made by one worker is refused by the next
    os.environ["YBT_DATABASE_URL"] = database_url(db)
    os.environ.setdefault("YBT_SECRET_KEY", secrets.token_urlsafe(32))
    try:
        uvicorn.run("yibiaotong.web.app:app_from_environment", factory=True, host=host, port=port, workers=workers,
                    log_level="info")
    except Interrupted:  # uvicorn stops on Ctrl+C, then hands the signal on: the way to stop a server
        console.print("网页服务已停止。")


def validate(
    element: Annotated[str, typer.Argument(help="数据元标识，如 id_number、birth_date、gender")],
    values: Annotated[list[str], typer.Argument(help="要检查的值，可多个")],
    pack: Pack = "standard",
    as_json: Json = False,
) -> None:
    """按数据元检查并规范化取值（身份证号、日期、电话、金额、代码……）。

    例：ybt validate birth_date 2024年1月5日 20240105 2024.1.5
        ybt validate gender 男 1
    """
    from yibiaotong.elements.dictionary import Dictionary
    from yibiaotong.elements.validate import coerce, mask

    try:
        dictionary = Dictionary.for_pack(pack)
        el = dictionary.element(element)
    except YbtError as exc:
        fail(exc, as_json)
    results = []
    for raw in values:
        value, problems = coerce(el, raw, dictionary.codelists)
        shown = mask(el, value) if el.is_sensitive and value is not None else value
        results.append({"input": mask(el, raw) if el.is_sensitive else raw, "value": shown,
                        "ok": not problems, "problems": [p.to_dict() for p in problems]})
    if as_json:
        print_json(results)
    else:
        for r in results:
            if r["ok"]:
                console.print(f"[green]✓[/] {escape(str(r['input']))} → {escape(str(r['value']))}")
            else:
                console.print(f"[red]✗[/] {escape(str(r['input']))}：" + escape(
                    "；".join(f"{p['message']}（{p['hint']}）" for p in r["problems"])))
    if not all(r["ok"] for r in results):
        raise typer.Exit(1)


def stats_command(db: Db = None, pack: Pack = "yongchuan", as_json: Json = False) -> None:
    """梳理和减负指标：报表、字段、数据元、台账、记录数，以及估算的每月节省填报时间。

    例：ybt stats --json
    """
    from yibiaotong.stats import stats

    try:
        figures = stats(open_store(db), pack)
    except YbtError as exc:
        fail(exc, as_json)
    if as_json:
        print_json(figures)
        return
    console.print(f"报表 {figures['forms']} 张，字段 {figures['fields']} 个 → 数据元 {figures['elements']} 个；"
                  f"台账 {figures['ledgers']} 本（{figures['ledger_fields']} 个字段），记录 {figures['records']:,} 条。")
    console.print(f"台账可供给 {figures['fields_served_share']:.1%} 的报表字段，{figures['forms_fully_served']} 张报表可完全自动生成。")
    console.print(f"估算每个村（社区）每月节省填报时间 {figures['clerk_minutes_saved_per_month']:.0f} 分钟"
                  f"（手工填报约 {figures['clerk_minutes_by_hand_per_month']:.0f} 分钟），测算方法见 README。")
