"""What every command shares: the --db option, output helpers, and turning problems into messages."""

from __future__ import annotations

import json
import sys
from typing import Annotated, Any, NoReturn

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from yibiaotong.errors import Problem, YbtError

console = Console()
err_console = Console(stderr=True)

Db = Annotated[str | None, typer.Option(
    "--db", help="数据库：SQLite 文件路径或 URL（默认 $YBT_DATABASE_URL，否则 ./demo.db）", show_default=False)]
Json = Annotated[bool, typer.Option("--json", help="以 JSON 输出（供程序读取）")]


def open_store(db: str | None):
    """The database a command works on, which must be there (``ybt init`` and ``ybt demo`` make one)."""
    from yibiaotong.store import open_store as opened

    return opened(db, existing=True)


def plain(*cells: Any) -> list[Text]:
    """Table cells shown as they are: what a clerk typed or a file holds ([bold], [/] …) is no Rich markup."""
    return [Text(str(cell)) for cell in cells]


def fail(error: YbtError, as_json: bool = False) -> None:
    """Print every problem (Chinese for people, JSON for machines) and exit with status 2."""
    if as_json:
        print(json.dumps(error.to_dict(), ensure_ascii=False, default=str))
    else:
        table = Table(title=f"发现 {len(error.problems)} 个问题（数据未作改动）", show_lines=False)
        table.add_column("位置")
        table.add_column("问题")
        table.add_column("怎么改")
        table.add_column("代码", style="dim")
        for p in error.problems[:200]:
            table.add_row(*plain(p.where_zh(), p.message_zh, p.hint_zh, p.code))
        err_console.print(table)
        if len(error.problems) > 200:
            err_console.print(f"…… 另有 {len(error.problems) - 200} 个问题未显示，用 --json 查看全部。")
    raise typer.Exit(2)


INTERRUPTED = 130  # the exit code shells give a program Ctrl+C ended (128 + SIGINT)


class Interrupted(BaseException):
    """Ctrl+C, raised in place of KeyboardInterrupt: click ends a program on that with an English
    "Aborted!" and exit code 1, while this passes click and reaches :func:`yibiaotong.cli.main`
    or the command that says what it had done (``ybt import``)."""


def raise_interrupted(signum: int, frame: Any) -> None:
    """The SIGINT handler of the ``ybt`` program."""
    raise Interrupted


def stopped(problem: Problem, as_json: bool, **also: Any) -> NoReturn:
    """Say that Ctrl+C stopped the command (Chinese on the error console, or JSON with ``also``)
    and exit with :data:`INTERRUPTED`."""
    if as_json:
        print_json({**YbtError(problem).to_dict(), **also})
    else:
        err_console.print(f"[yellow]{escape(problem.message_zh)}[/]。{escape(problem.hint_zh)}")
    raise typer.Exit(INTERRUPTED)


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, default=str) + "\n")
