"""`ybt report`: fill the original forms from the ledgers, in their own layout."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn
from rich.table import Table

from yibiaotong.cli.common import Db, Json, console, err_console, fail, plain, print_json
from yibiaotong.errors import Problem, YbtError


def register(app: typer.Typer) -> None:
    app.command("report")(report)


def report(
    form: Annotated[str | None, typer.Argument(help="报表标识或名称（与 --all 二选一）")] = None,
    period: Annotated[str, typer.Option("--period", help="报告期（年月），如 2024-01")] = ...,
    org_unit: Annotated[str | None, typer.Option("--org-unit", help="单位代码或名称（默认全区）")] = None,
    out: Annotated[Path, typer.Option("--out", "-o", help="输出文件夹（或单张报表的 .xlsx 文件名）")] = Path("reports"),
    all_forms: Annotated[bool, typer.Option("--all", help="每张报表 × 每个镇街")] = False,
    reveal: Annotated[bool, typer.Option("--reveal", help="身份证号、电话等敏感信息完整显示（须有权限）")] = False,
    report_date: Annotated[str | None, typer.Option("--date", help="填报日期（默认今天），如 2024-02-05")] = None,
    db: Db = None,
    as_json: Json = False,
) -> None:
    """按原表样式生成报表：从台账取数，填好标题、表头、序号、数据行、合计和表尾。

    例：ybt report 019_残疾人生活补贴上报花名册 --period 2024-01 --org-unit 500118103000 --out out/
        ybt report --all --period 2024-01 --out out/
    """
    from yibiaotong.cli.common import open_store
    from yibiaotong.reports import Reporter

    if (form is None) == (not all_forms):
        fail(YbtError(Problem("invalid-request", {"reason": "请指定一张报表，或使用 --all（二选一）",
                                                  "reason_en": "give one form or --all"})), as_json)
    try:
        when = date.fromisoformat(report_date) if report_date else None
    except ValueError:
        fail(YbtError(Problem("invalid-date", {"value": report_date})), as_json)
    try:
        engine = open_store(db)
        if form is not None:
            result = Reporter(engine, reveal=reveal, report_date=when).report(form, period, org_unit or _root(engine),
                                                                               out)
            results = [result]
        else:
            results = _run_all(engine, period, org_unit, out, reveal, when, as_json)
    except YbtError as exc:
        fail(exc, as_json)
    if as_json:
        print_json(results[0].to_dict() if form is not None else [r.to_dict() for r in results])
    else:
        _show(results)
    if any(not r.ok for r in results):
        raise typer.Exit(2)


def _run_all(engine, period: str, org_unit: str | None, out: Path, reveal: bool, when: date | None,
             as_json: bool) -> list:
    """Every form × every town (or the one unit), recorded as a report job and run here."""
    import getpass

    from yibiaotong.forms.store import load_forms
    from yibiaotong.reports import Reporter
    from yibiaotong.reports.jobs import create_job, default_folder, run_job

    code = Reporter(engine).org_unit(org_unit).code if org_unit else None
    job = create_job(engine, f"cli:{getpass.getuser()}", period, code, [f.id for f in load_forms(engine)],
                     reveal=reveal, purpose="命令行 --reveal" if reveal else None)
    results: list = []
    if as_json:
        job = run_job(engine, job.id, default_folder(engine), out_dir=out, make_zip=False, report_date=when,
                      progress=lambda _d, _t, r: results.append(r))
    else:
        with Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
                      TextColumn("{task.fields[rows]:,} 行"), TimeElapsedColumn(), TimeRemainingColumn(),
                      console=err_console, transient=True) as bar:
            task = bar.add_task("生成报表", total=job.total, rows=0)
            rows = [0]

            def progress(done: int, total: int, result) -> None:
                results.append(result)
                rows[0] += result.rows
                bar.update(task, completed=done, total=total, rows=rows[0],
                           description=f"生成报表 {result.org_name} {result.title[:16]}")

            job = run_job(engine, job.id, default_folder(engine), out_dir=out, make_zip=False, report_date=when,
                          progress=progress)
    if job.status == "failed":
        raise YbtError(job.problems)
    return results


def _root(engine) -> str:
    from yibiaotong.orgunits import load_tree

    roots = load_tree(engine).roots()
    if len(roots) != 1:
        raise YbtError(Problem("unknown-org-unit", {"org_unit": "（未指定 --org-unit）"}))
    return roots[0].code


def _show(results) -> None:
    done = [r for r in results if r.ok]
    failed = [r for r in results if not r.ok]
    if len(results) == 1 and done:
        r = done[0]
        console.print(f"[green]✓[/] 已生成 {r.path}（{r.rows} 行，{r.seconds:.1f} 秒）")
        for header, why in r.blank[:30]:
            console.print(f"  [dim]留空：{header}（{why}）[/]")
        for p in r.problems:
            console.print(f"  [yellow]注意[/]：{p.message_zh}")
        return
    console.print(f"[green]✓[/] 已生成 {len(done)} 个报表文件，共 {sum(r.rows for r in done):,} 行"
                  f"（{sum(r.seconds for r in results):.0f} 秒）。")
    if failed:
        table = Table(title=f"{len(failed)} 个报表未能生成")
        for col in ("报表", "单位", "问题"):
            table.add_column(col)
        for r in failed[:50]:
            table.add_row(*plain(r.title, r.org_name, "；".join(p.message_zh for p in r.problems[:3])))
        err_console.print(table)
