"""A command typed wrongly (a missing option, a mistyped one, a value that is no number), said in
Chinese like every other error, or as JSON with ``--json``.

Typer (and the click it is built on) words these errors in English, with no catalogue of
translations for most of them; their exceptions carry what went wrong (which option, which
value), so the message is put together here from those, the English one kept beside it.
"""

from __future__ import annotations

import inspect
import re
from typing import NoReturn

import typer
from rich.panel import Panel
from rich.text import Text

from yibiaotong.cli.common import err_console, print_json
from yibiaotong.errors import Problem, YbtError

try:  # typer ≥ 0.2x carries its own copy of click
    from typer._click import core as click_core
    from typer._click import exceptions as click_errors
    from typer._click import formatting as click_formatting
except ImportError:  # pragma: no cover - an older typer runs on click itself
    from click import core as click_core
    from click import exceptions as click_errors
    from click import formatting as click_formatting

UsageError = click_errors.UsageError
_NO_ARGS = getattr(click_errors, "NoArgsIsHelpError", ())

# what a value failed, as typer's conversions say it, in a clerk's words
_VALUE_WORDS = [
    (re.compile(r"Input should be a valid number"), lambda m: "应为数字"),
    (re.compile(r"Input should be a valid integer"), lambda m: "应为整数"),
    (re.compile(r"Input should be a valid boolean"), lambda m: "应为 true 或 false"),
    (re.compile(r"Input should be less than or equal to (\S+)"), lambda m: f"不能大于 {m[1]}"),
    (re.compile(r"Input should be greater than or equal to (\S+)"), lambda m: f"不能小于 {m[1]}"),
    (re.compile(r"Input should be less than (\S+)"), lambda m: f"应小于 {m[1]}"),
    (re.compile(r"Input should be greater than (\S+)"), lambda m: f"应大于 {m[1]}"),
    (re.compile(r"Input should be (.+)"), lambda m: "应为 " + m[1].replace(" or ", "、").replace(", ", "、")),
    (re.compile(r"is not a valid (integer|float|number)"), lambda m: "应为整数" if m[1] == "integer" else "应为数字"),
    (re.compile(r"(?:File|Directory|Path) (.+) does not exist"), lambda m: f"{m[1]} 不存在"),
    (re.compile(r"(?:File|Directory|Path) (.+) is a directory"), lambda m: f"{m[1]} 是文件夹"),
    (re.compile(r"(?:File|Directory|Path) (.+) is a file"), lambda m: f"{m[1]} 是文件，不是文件夹"),
    (re.compile(r"(?:File|Directory|Path) (.+) is not readable"), lambda m: f"{m[1]} 没有读取权限"),
]


def in_chinese() -> None:
    """The titles and words typer puts around the help and the errors, in Chinese (module settings
    of typer's rich output, read as it prints)."""
    from typer import rich_utils

    rich_utils.OPTIONS_PANEL_TITLE, rich_utils.ARGUMENTS_PANEL_TITLE = "选项", "参数"
    rich_utils.COMMANDS_PANEL_TITLE, rich_utils.ERRORS_PANEL_TITLE = "命令", "错误"
    rich_utils.DEFAULT_STRING, rich_utils.REQUIRED_LONG_STRING = "[默认：{}]", "[必填]"
    rich_utils.ENVVAR_STRING, rich_utils.DEPRECATED_STRING = "[环境变量：{}]", "（已停用）"
    rich_utils.RICH_HELP = "运行 [blue]{command_path} {help_option}[/] 查看说明和例子。"
    rich_utils.ABORTED_TEXT = "已中断。"
    _help_option_in_chinese()
    _usage_line_in_chinese()


HELP_TEXT = "显示本说明并退出。"
USAGE_PREFIX = "用法："
_USAGE_WORDS = [("[OPTIONS]", "[选项]"), ("COMMAND [ARGS]...", "命令 [参数]...")]


def _help_option_in_chinese() -> None:
    """-h's own line in the help (click's "Show this message and exit." is no setting)."""
    command = click_core.Command
    if getattr(command.get_help_option, "in_chinese", False):
        return
    original = command.get_help_option

    def get_help_option(self, ctx):
        option = original(self, ctx)
        if option is not None:
            option.help = HELP_TEXT
        return option

    get_help_option.in_chinese = True
    command.get_help_option = get_help_option


def _usage_line_in_chinese() -> None:
    """The help's first line, 用法：ybt import [选项] 文件… (click writes "Usage: " when no prefix is given)."""
    formatter = click_formatting.HelpFormatter
    if getattr(formatter.write_usage, "in_chinese", False):
        return
    original = formatter.write_usage

    def write_usage(self, prog, args="", prefix=None):
        for english, chinese in _USAGE_WORDS:
            args = args.replace(english, chinese)
        return original(self, prog, args, USAGE_PREFIX if prefix is None else prefix)

    write_usage.in_chinese = True
    formatter.write_usage = write_usage


def said(exc: Exception) -> str:
    """The Chinese message of a command-line usage error."""
    ctx = getattr(exc, "ctx", None)
    if isinstance(exc, click_errors.MissingParameter):
        kind = exc.param_type or (exc.param.param_type_name if exc.param else "parameter")
        return f"缺少{'选项' if kind == 'option' else '参数'} {_hint(exc, ctx)}".rstrip()
    if isinstance(exc, click_errors.NoSuchOption):
        also = f"，是不是要用 {'、'.join(sorted(exc.possibilities))}？" if exc.possibilities else ""
        return f"没有选项 {exc.option_name}{also}"
    if isinstance(exc, click_errors.BadParameter):
        return f"{_hint(exc, ctx)} 的值无效：{_value(exc.message)}"
    message = exc.message
    if isinstance(exc, click_errors.BadOptionUsage):
        if "requires" in message:
            return f"选项 {exc.option_name} 后面缺少它的值"
        if "does not take a value" in message:
            return f"选项 {exc.option_name} 不带值"
    if m := re.match(r"Got unexpected extra argument(?:s|\(s\))? \((.*)\)$", message):
        return f"多出了参数：{m[1]}（文件名或值中有空格时，请加引号）"
    if m := re.match(r"No such command (.+?)\.(?: Did you mean (.+)\?)?$", message):
        return f"没有命令 {m[1]}" + (f"，是不是要用 {m[2]}？" if m[2] else "")
    if message == "Missing command.":
        return "缺少要执行的命令"
    return message


def _hint(exc, ctx) -> str:
    hint = exc.param_hint
    if hint is None and exc.param is not None:  # typer's parameters are asked without the context, click's with it
        takes_ctx = len(inspect.signature(exc.param.get_error_hint).parameters) > 0
        hint = exc.param.get_error_hint(ctx) if takes_ctx else exc.param.get_error_hint()
    return " / ".join(hint) if isinstance(hint, (list, tuple)) else str(hint or "")


def _value(message: str) -> str:
    for pattern, words in _VALUE_WORDS:
        if m := pattern.search(message):
            return words(m)
    return message


def usage_failed(exc: Exception, as_json: bool) -> NoReturn:
    """Say a usage error (with the command's usage and where its help is) and exit with its code."""
    code = getattr(exc, "exit_code", 2)
    if _NO_ARGS and isinstance(exc, _NO_ARGS):  # a group called bare: typer has shown its help
        raise typer.Exit(code)
    ctx = getattr(exc, "ctx", None)
    usage = re.sub(r"^(?:Usage:|用法：)\s*", USAGE_PREFIX, ctx.get_usage()) if ctx is not None else ""
    help_ = f"运行 {ctx.command_path if ctx is not None else 'ybt'} -h 查看说明和例子。"
    problem = Problem("cli-usage", {"message": said(exc), "message_en": exc.format_message(), "usage": usage,
                                    "help": help_})
    if as_json:
        print_json(YbtError(problem).to_dict())
    else:
        if usage:
            err_console.print(usage, style="bold", markup=False, highlight=False)
        err_console.print(help_, style="dim", markup=False)
        err_console.print(Panel(Text(problem.message_zh), title="错误", title_align="left", border_style="red"))
    raise typer.Exit(code)
