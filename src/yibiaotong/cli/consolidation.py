"""`ybt consolidate` and `ybt decide`: comb report templates into ledgers, and record review decisions."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from yibiaotong.cli.common import Json, console, fail, print_json
from yibiaotong.errors import YbtError

METRIC_NAMES = {
    "forms": "报表数", "fields": "字段数", "fields_matched_to_dictionary": "对标到数据元目录的字段",
    "fields_new_elements": "新建数据元的字段", "distinct_elements": "不同数据元", "new_elements": "其中新建数据元",
    "ledgers": "台账数", "ledger_fields": "台账字段数", "fields_served_share": "台账可供给的字段占比",
    "forms_fully_served": "完全由台账生成的报表", "forms_to_ledgers": "报表 → 台账",
    "fields_to_elements": "字段 → 数据元", "low_confidence_fields": "待人工确认（置信度<0.7）",
    "skipped_sheets": "跳过的工作表",
}


def register(app: typer.Typer) -> None:
    app.command("consolidate")(consolidate)
    app.command("decide")(decide)


def consolidate(
    paths: Annotated[list[Path], typer.Argument(help="报表模板文件或文件夹（.xlsx .xls .csv）")],
    out: Annotated[Path, typer.Option("--out", "-o", help="梳理结果 JSON 文件")] = Path("plan.json"),
    pack: Annotated[str, typer.Option(help="数据包（提供数据元目录和对标知识）")] = "yongchuan",
    decisions: Annotated[Path | None, typer.Option(help="人工审核决定文件（默认为数据包中的 decisions.yaml）")] = None,
    write_pack: Annotated[Path | None, typer.Option(
        "--write-pack", help="把梳理结果写入该数据包：新数据元、台账定义、每张报表的报表定义")] = None,
    as_json: Json = False,
) -> None:
    """梳理报表：读取模板、字段对标数据元、合并重复字段、提出台账，写出梳理结果。

    例：ybt consolidate packs/yongchuan/forms --out plan.json
        ybt consolidate packs/yongchuan/forms --pack yongchuan --write-pack packs/yongchuan
    """
    from yibiaotong.consolidate import run
    from yibiaotong.files import writing

    missing = [p for p in paths if not p.exists()]
    if missing:
        fail(YbtError([YbtError.of("file-not-found", file=str(p)).problems[0] for p in missing]), as_json)
    written = None
    try:
        plan = run(paths, pack, decisions)
        with writing(out):
            plan.write(out)
        if write_pack:
            from yibiaotong.consolidate.export import write_pack as export

            with writing(write_pack):
                written = export(plan, write_pack)
    except YbtError as exc:
        fail(exc, as_json)
    if as_json:
        print_json({"out": str(out), **plan.metrics, **({"written": written} if written else {})})
        return
    table = Table(title=f"梳理结果（已写入 {out}）")
    table.add_column("指标")
    table.add_column("数值", justify="right")
    for key, label in METRIC_NAMES.items():
        value = plan.metrics.get(key)
        table.add_row(label, f"{value:.1%}" if key == "fields_served_share" else str(value))
    console.print(table)
    if written:
        console.print(f"已写入数据包 {write_pack}：新数据元 {written['elements']} 个，台账定义 {written['ledgers']} 个，"
                      f"报表定义 {written['forms']} 个。")
    for p in plan.skipped[:20]:
        console.print(f"[dim]跳过：{p}[/]")


def decide(
    file: Annotated[str, typer.Option("--file", help="报表文件名")],
    header: Annotated[str, typer.Option("--header", help="字段的表头路径，如 家庭成员/姓名")],
    decisions: Annotated[Path, typer.Option(help="审核决定文件")] = Path("packs/yongchuan/decisions.yaml"),
    reassign: Annotated[str | None, typer.Option(help="改为该数据元")] = None,
    reject: Annotated[bool, typer.Option("--reject", help="该字段不入台账")] = False,
    accept: Annotated[bool, typer.Option("--accept", help="确认自动对标结果")] = False,
    sheet: Annotated[str | None, typer.Option(help="工作表名（同一文件多表时）")] = None,
    by: Annotated[str | None, typer.Option(help="审核人")] = None,
    note: Annotated[str | None, typer.Option(help="说明")] = None,
) -> None:
    """记录一条人工审核决定（确认、拒绝或改派字段），以后每次梳理都会应用。

    例：ybt decide --file 低保户花名册.xlsx --header 姓名 --reassign household_head_name --by 张敏
    """
    from yibiaotong.consolidate.review import Decisions

    action = "reassign" if reassign else "reject" if reject else "accept" if accept else None
    if action is None:
        fail(YbtError.of("invalid-definition", reason="请指定 --reassign、--reject 或 --accept 之一"))
    try:
        d = Decisions.load(decisions)
        d.decide_field(file, header, action, reassign, sheet, by, note)
        d.save(decisions)
    except YbtError as exc:
        fail(exc)
    console.print(f"[green]✓[/] 已记录：{file} 的“{header}” → {action}{' ' + reassign if reassign else ''}（{decisions}）")
