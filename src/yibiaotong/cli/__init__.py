"""The `ybt` command line: a thin layer over the library (each command calls one library function)."""

from __future__ import annotations

import signal
import sys

import typer

from yibiaotong.cli import consolidation, dictionary, forms, ingest, ledgers, orgunits, reports, rules, system, usage, users
from yibiaotong.cli.common import Interrupted, fail, raise_interrupted, stopped
from yibiaotong.errors import Problem, YbtError

app = typer.Typer(
    name="ybt",
    help="一表通 yibiaotong：基层数据一次采集、多方复用。\n\n例：ybt demo   （建立演示库并启动网页）",
    no_args_is_help=True,
    rich_markup_mode="rich",
    context_settings={"help_option_names": ["-h", "--help"]},
)
usage.in_chinese()
system.register(app)
consolidation.register(app)
ingest.register(app)
rules.register(app)
reports.register(app)
app.add_typer(dictionary.app, name="dictionary")
app.add_typer(forms.app, name="forms")
app.add_typer(orgunits.app, name="orgunits")
app.add_typer(ledgers.app, name="ledger")
app.add_typer(users.app, name="user")


def main() -> None:
    signal.signal(signal.SIGINT, raise_interrupted)
    as_json = "--json" in sys.argv[1:]
    try:
        try:
            # not standalone: the errors click and typer would print in English come here
            code = app(prog_name="ybt", standalone_mode=False)
        except YbtError as exc:  # a library error that a command did not render itself
            fail(exc, as_json)
        except usage.UsageError as exc:  # a missing or mistyped option, a value that is no number …
            usage.usage_failed(exc, as_json)
        except (Interrupted, typer.Abort):  # Ctrl+C (or the end of input at a prompt) in a command that says no more
            stopped(Problem("interrupted"), as_json)
    except typer.Exit as done:
        raise SystemExit(done.exit_code) from None
    raise SystemExit(code if isinstance(code, int) else 0)
