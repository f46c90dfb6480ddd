"""The `ybt` command line: a thin layer over the library (each command calls one library function)."""

from __future__ import annotations

import signal
import sys

import typer

from yibiaotong.cli import consolidation, dictionary, forms, ingest, ledgers, orgunits, reports, rules, system, users
from yibiaotong.cli.common import Interrupted, fail, raise_interrupted, stopped
from yibiaotong.errors import Problem, YbtError

app = typer.Typer(
    name="ybt",
    help="一表通 yibiaotong：基层数据一次采集、多方复用。\n\n例：ybt demo   （建立演示库并启动网页）",
    no_args_is_help=True,
    rich_markup_mode="rich",
    context_settings={"help_option_names": ["-h", "--help"]},
)
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
    try:
        try:
            app()
        except YbtError as exc:  # a library error that a command did not render itself
            fail(exc)
        except Interrupted:  # Ctrl+C in a command that does not say more itself
            stopped(Problem("interrupted"), "--json" in sys.argv[1:])
    except typer.Exit as done:
        raise SystemExit(done.exit_code) from None
