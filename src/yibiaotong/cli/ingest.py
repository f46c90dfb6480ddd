"""`ybt import`, `ybt links`, `ybt conflicts`: import filled forms, confirm who uncertain rows are
about, review values two sources disagree on."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, NoReturn

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, ProgressColumn, TextColumn, TimeElapsedColumn
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from yibiaotong.cli.common import (Db, Interrupted, Json, console, err_console, fail, open_store, plain, print_json,
                                   stopped)
from yibiaotong.errors import Problem, YbtError

links = typer.Typer(help="待确认人员：身份证号码缺失或有误、按姓名等匹配不确定的行。\n\n例：ybt links list", no_args_is_help=True)
conflicts = typer.Typer(help="数据冲突：不同来源对同一数据的填报不一致。\n\n例：ybt conflicts list", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.command("import")(import_files)
    app.add_typer(links, name="links")
    app.add_typer(conflicts, name="conflicts")


class _RowsPerSecond(ProgressColumn):
    def render(self, task) -> Text:
        speed = task.finished_speed or task.speed
        return Text(f"{speed:,.0f} 行/秒" if speed else "… 行/秒", style="progress.data.speed")


def import_files(
    files: Annotated[list[Path], typer.Argument(help="填好的报表文件（.xlsx .xls .csv）")],
    form: Annotated[str | None, typer.Option("--form", help="报表标识或名称（默认按表头自动识别）")] = None,
    period: Annotated[str | None, typer.Option("--period", help="数据所属期，如 2024-01（默认从表头标题识别）")] = None,
    org_unit: Annotated[str | None, typer.Option("--org-unit", help="所属单位代码或名称；表中村（社区）按名称在其下匹配")] = None,
    strict: Annotated[bool, typer.Option("--strict", help="有任何错误则整个文件不导入")] = False,
    by: Annotated[str | None, typer.Option("--by", help="导入人（记入数据来源）")] = None,
    errors: Annotated[Path | None, typer.Option("--errors", help="错误清单文件（默认在原文件旁）")] = None,
    max_mb: Annotated[float | None, typer.Option("--max-size", help="文件大小上限（MB，默认 150）")] = None,
    db: Db = None,
    as_json: Json = False,
) -> None:
    """导入填好的报表：识别报表、逐格校验、匹配人员、写入台账；出错的行写入错误清单。

    例：ybt import 1月残疾人补贴花名册.xlsx --org-unit 500118103000
        ybt import a.xlsx b.csv --period 2024-01 --strict --json

    退出码：0 每个文件的每一行都已导入（或与台账一致）；3 已导入，但有行出错未导入（见错误清单）
    或待人工确认人员身份；2 有文件整个未导入（含每一行都有错误）；1 程序出错。
    """
    from yibiaotong.ingest import Limits, import_file
    from yibiaotong.ingest.pipeline import imported_since, last_import

    try:
        engine = open_store(db)
    except YbtError as exc:
        fail(exc, as_json)
    if max_mb is not None and not (math.isfinite(max_mb) and max_mb > 0):
        fail(YbtError(Problem("import-limit-invalid", {"value": f"{max_mb:g}"})), as_json)
    limits = Limits.from_env(max_mb)
    reports: list = []
    mark: int | None = None  # while a file is imported: the last import recorded before it began
    try:
        for path in files:
            target = errors if errors and len(files) == 1 else None
            mark = last_import(engine)
            with _progress_bar(path, shown=not as_json) as progress:
                report = import_file(engine, path, form, period, org_unit, by, strict, error_workbook=target,
                                     progress=progress, limits=limits)
            reports.append(report)
            mark = None
            if not as_json:
                _show(report)
    except Interrupted:
        if len(reports) < len(files):  # else every file is done: said below as if it had not come
            stored = mark is not None and imported_since(engine, files[len(reports)], mark)
            _interrupted(files, reports, stored, as_json)
    if as_json:
        print_json(reports[0].to_dict() if len(reports) == 1 else [r.to_dict() for r in reports])
    if not all(map(_imported, reports)):
        raise typer.Exit(2)
    # a script sees that rows wait in an error workbook or for a person to confirm who they are (not 1:
    # Python's own exit code when the program fails)
    if any(r.rows_invalid or any(s.rows_queued for s in r.sheets) for r in reports):
        raise typer.Exit(3)


@contextmanager
def _progress_bar(path: Path, shown: bool) -> Iterator[Callable[[int, int | None], None] | None]:
    """A progress bar with rows per second on the error console, or nothing (``--json``)."""
    if not shown:
        yield None
        return
    with Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
                  _RowsPerSecond(), TimeElapsedColumn(), console=err_console, transient=True) as bar:
        task = bar.add_task(f"导入 {path.name}", total=None)
        yield lambda done, total: bar.update(task, completed=done, total=total)


def _interrupted(files: list[Path], reports: list, stored: bool, as_json: bool) -> NoReturn:
    """Ctrl+C stopped the import of ``files[len(reports)]``: say whether it got in (the stop may
    come after its commit, while its error workbook is written), what the files before it did
    (shown one by one already, or in the JSON) and which were not begun."""
    path, rest = files[len(reports)], files[len(reports) + 1:]
    zh = ([f"此前导入的 {len(reports)} 个文件不受影响"] if reports else []) + (
        [f"另有 {len(rest)} 个文件还没有开始导入"] if rest else [])
    en = ([f"the {len(reports)} files before it stand"] if reports else []) + (
        [f"{len(rest)} more were not begun"] if rest else [])
    params = {"file": path.name, "others": "，".join(zh) + "；" if zh else "",
              "others_en": "; ".join(en) + "; " if en else ""}
    problem = Problem("import-interrupted-stored" if stored else "import-interrupted", params, {"file": path.name})
    stopped(problem, as_json, stored=stored, reports=[r.to_dict() for r in reports],
            not_begun=[str(p) for p in rest])


def _imported(report) -> bool:
    """Whether the file is in the ledgers (a file read whose every row was refused is not)."""
    return report.ok and not report.every_row_refused


def _show(report) -> None:
    imported = _imported(report)
    style = "green" if imported and not report.rows_invalid else "yellow" if imported else "red"
    console.print(f"[{style}]{'✓' if imported else '✗'}[/] {escape(report.file)}：{escape(report.message)}")
    if report.rows_read and report.seconds:
        console.print(f"  [dim]{report.seconds:.1f} 秒，{report.rows_per_s:,.0f} 行/秒[/]")
    for s in report.sheets:
        counts = "，".join(f"{lid} 新增{c.inserted} 更新{c.updated} 未变{c.unchanged}" for lid, c in s.ledgers.items())
        console.print(f"  工作表“{s.sheet}” → 《{s.form_title}》（表头吻合{s.score:.0%}，所属期 {s.period or '未指定'}）：{counts}")
    if report.problems:
        table = Table(title=f"问题 {len(report.problems)} 个", show_lines=False)
        for col in ("位置", "问题", "怎么改", "代码"):
            table.add_column(col, style="dim" if col == "代码" else None)
        for p in report.problems[:50]:
            table.add_row(*plain(p.where_zh(), p.message_zh, p.hint_zh, p.code))
        console.print(table)
        if len(report.problems) > 50:
            console.print(f"…… 另有 {len(report.problems) - 50} 个问题，见错误清单或用 --json 查看全部。")
    for w in report.warnings[:20]:
        console.print(f"  [dim]提示：{w}[/]")


@links.command("list")
def links_list(
    status: Annotated[str, typer.Option(help="pending 待确认 | confirmed | rejected | all")] = "pending",
    db: Db = None, as_json: Json = False,
) -> None:
    """列出待确认的人员匹配（身份证号码缺失或有误的行）。

    例：ybt links list --json
    """
    from yibiaotong.ingest import list_links

    rows = list_links(open_store(db), None if status == "all" else status)
    if as_json:
        print_json(rows)
        return
    table = Table(title=f"人员匹配 {len(rows)} 条（{status}）")
    for col in ("编号", "文件/行", "表中内容", "可能是", "概率", "依据", "状态"):
        table.add_column(col)
    for r in rows:
        shown = "，".join(f"{k}:{v}" for k, v in (r["shown"] or {}).items())
        table.add_row(*plain(r["id"], f"{r['file_name']} 第{r['source_row']}行", shown[:60], _mask_key(r["candidate_key"]),
                             f"{r['probability']:.1%}", " ".join(f"{k}={v}" for k, v in (r["evidence"] or {}).items()),
                             r["status"]))
    console.print(table)


@links.command("confirm")
def links_confirm(link_id: Annotated[int, typer.Argument(help="编号")],
                  by: Annotated[str | None, typer.Option("--by", help="确认人")] = None,
                  db: Db = None, as_json: Json = False) -> None:
    """确认是同一人：把该行数据写入这个人的台账记录（来源仍是原文件原行）。

    例：ybt links confirm 3 --by 张敏
    """
    from yibiaotong.ingest import confirm_link

    _decide(confirm_link, link_id, by, db, as_json, f"已确认第 {link_id} 条，数据已写入台账。")


@links.command("reject")
def links_reject(link_id: Annotated[int, typer.Argument(help="编号")],
                 by: Annotated[str | None, typer.Option("--by", help="确认人")] = None,
                 db: Db = None, as_json: Json = False) -> None:
    """不是同一人：不写入（请补正身份证号码后重新导入该行）。

    例：ybt links reject 3 --by 张敏
    """
    from yibiaotong.ingest import reject_link

    _decide(reject_link, link_id, by, db, as_json, f"已否定第 {link_id} 条。")


@conflicts.command("list")
def conflicts_list(
    status: Annotated[str, typer.Option(help="open 待核对 | resolved | all")] = "open",
    ledger: Annotated[str | None, typer.Option(help="只看该台账")] = None,
    db: Db = None, as_json: Json = False,
) -> None:
    """列出数据冲突：两个来源对同一数据填报不一致时，保留了哪个、依据什么规则。

    例：ybt conflicts list --ledger person_disability
    """
    from yibiaotong.ingest import list_conflicts

    rows = list_conflicts(open_store(db), None if status == "all" else status, ledger)
    if as_json:
        print_json(rows)
        return
    rules = {"authority": "权威部门优先", "newer-period": "较新所属期优先", "same-period": "同期以后导入为准"}
    table = Table(title=f"数据冲突 {len(rows)} 条（{status}）")
    for col in ("编号", "台账", "记录", "字段", "原值（来源）", "新值（来源）", "保留", "规则"):
        table.add_column(col)
    for r in rows:
        table.add_row(*plain(r["id"], r["ledger_id"], _mask_key(r["record_key"]), r["column_name"],
                             f"{r['old_value']}（{r['old_file'] or '手工'} {r['old_period'] or ''}）",
                             f"{r['new_value']}（{r['new_file']} 第{r['source_row']}行 {r['new_period'] or ''}）",
                             "原值" if r["kept"] == "old" else "新值", rules.get(r["rule"], r["rule"])))
    console.print(table)


@conflicts.command("resolve")
def conflicts_resolve(conflict_id: Annotated[int, typer.Argument(help="编号")],
                      by: Annotated[str | None, typer.Option("--by", help="核对人")] = None,
                      db: Db = None, as_json: Json = False) -> None:
    """标记冲突已核对。

    例：ybt conflicts resolve 5 --by 张敏
    """
    from yibiaotong.ingest import resolve_conflict

    _decide(resolve_conflict, conflict_id, by, db, as_json, f"冲突 {conflict_id} 已标记为已核对。")


def _decide(action: Callable[..., dict], item_id: int, by: str | None, db, as_json: bool, done: str) -> None:
    """Confirm or reject a link, resolve a conflict: the decision, then its result or a ✓ line."""
    try:
        result = action(open_store(db), item_id, by)
    except YbtError as exc:
        fail(exc, as_json)
    if as_json:
        print_json(result)
    else:
        console.print(f"[green]✓[/] {done}")


def _mask_key(key: str) -> str:
    from yibiaotong.elements.idnumber import mask_id_number

    return "|".join(mask_id_number(p) if len(p) in (15, 18) and p[:6].isdigit() else p for p in key.split("|"))
