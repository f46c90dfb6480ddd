"""Parsing and validation: text -> a checked syntax tree that holds only whitelisted constructs.

sqlglot tokenizes and parses (PostgreSQL flavour, with every function left generic so that the
whitelist, not sqlglot's catalogue, decides what a name means). Then a walk over the tree accepts
only the node types listed in :data:`ALLOWED`; anything else becomes a problem naming the construct.
The tree is never turned back into SQL text: the compiler builds SQLAlchemy expressions from it.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field

from sqlglot import exp
from sqlglot.dialects.postgres import Postgres
from sqlglot.errors import ParseError, TokenError
from sqlglot.tokens import TokenType

from yibiaotong.errors import Problem
from yibiaotong.expressions.functions import FUNCTIONS
from yibiaotong.expressions.problems import ExpressionError, _problem, not_allowed

MAX_LENGTH = 4000  # characters
MAX_TOKENS = 1500
MAX_NESTING = 30  # brackets and case ... end inside each other (sqlglot recurses on them)
MAX_DEPTH = 48  # levels of the syntax tree (chains of and/or count as one level)


class _Dialect(Postgres):
    """PostgreSQL syntax, but every name(...) stays a generic call that the whitelist judges."""

    class Parser(Postgres.Parser):
        FUNCTIONS: dict = {}
        FUNCTION_PARSERS: dict = {}
        NO_PAREN_FUNCTIONS: dict = {}
        NO_PAREN_FUNCTION_PARSERS = {"CASE": Postgres.Parser.NO_PAREN_FUNCTION_PARSERS["CASE"]}


_DIALECT = _Dialect()

_BINARY = (exp.And, exp.Or, exp.Add, exp.Sub, exp.Mul, exp.Div, exp.Mod,
           exp.EQ, exp.NEQ, exp.GT, exp.GTE, exp.LT, exp.LTE)
# node type -> the arguments it may carry (flags that are False/None/empty do not count)
ALLOWED: dict[type, frozenset[str]] = {
    exp.Column: frozenset({"this", "table"}),
    exp.Identifier: frozenset({"this", "quoted"}),
    exp.Literal: frozenset({"this", "is_string"}),
    exp.Boolean: frozenset({"this"}),
    exp.Null: frozenset(),
    exp.Placeholder: frozenset({"this"}),
    exp.Paren: frozenset({"this"}),
    exp.Neg: frozenset({"this"}),
    exp.Not: frozenset({"this"}),
    exp.In: frozenset({"this", "expressions"}),
    exp.Between: frozenset({"this", "low", "high"}),
    exp.Is: frozenset({"this", "expression", "negate"}),
    exp.Like: frozenset({"this", "expression", "negate"}),
    exp.Case: frozenset({"this", "ifs", "default"}),
    exp.If: frozenset({"this", "true"}),
    exp.Anonymous: frozenset({"this", "expressions"}),
    exp.Star: frozenset(),
    exp.Distinct: frozenset({"expressions"}),
    exp.Cast: frozenset({"this", "to"}),
    exp.DataType: frozenset({"this"}),
    **{cls: frozenset({"this", "expression", "typed", "safe"}) for cls in _BINARY},
}

# constructs people try, in words a clerk understands: (zh, en, advice)
_NAMED: dict[str, tuple[str, str, str]] = {
    "select": ("子查询或 select 语句", "a subquery / SELECT", "表达式只能引用本表字段，不能查询其他表。"),
    "subquery": ("子查询或 select 语句", "a subquery / SELECT", "表达式只能引用本表字段，不能查询其他表。"),
    "exists": ("exists 子查询", "EXISTS", "表达式只能引用本表字段，不能查询其他表。"),
    "union": ("子查询或 select 语句", "a UNION", "表达式只能引用本表字段，不能查询其他表。"),
    "alias": ("并列的两个值（中间缺少运算符或逗号？）", "two values side by side (missing operator or comma?)",
              "例如 age(出生日期) >= 80，数字后不要写单位“岁”。"),
    "cast": ("类型转换（cast 或 ::）", "a type cast (CAST or ::)",
             "日期请写 date '2024-01-05'，文字转日期用 date(文字)。"),
    "window": ("窗口函数（over）", "a window function (OVER)", "请改用普通汇总函数。"),
    "filter": ("filter 子句", "a FILTER clause", "请改用 count_if(条件) 或 sum_if(值, 条件)。"),
    "dpipe": ("拼接符号 ||", "the || operator", "拼接文字请用 concat(a, b)。"),
    "concat": ("相邻的两个文字", "adjacent string literals", "拼接文字请用 concat('a', 'b')。"),
    "parameter": ("参数写法 $1 或 @名称", "a $1 / @name parameter", "参数请写成 :名称，如 :period。"),
    "placeholder": ("问号参数 ?", "a '?' parameter", "参数请写成 :名称，如 :period。"),
    "ilike": ("ilike", "ILIKE", "请用 like，或先用 upper()/lower() 统一大小写。"),
    "regexplike": ("正则表达式匹配", "regular-expression matching", "请用 like、starts_with 或 contains。"),
    "similarto": ("similar to", "SIMILAR TO", "请用 like、starts_with 或 contains。"),
    "interval": ("时间间隔 interval", "INTERVAL", "请用 add_months、add_days、days_between 或 months_between。"),
    "tuple": ("括号中的多个值", "a list of values in brackets", "多个候选值请写 x in (1, 2, 3)。"),
    "array": ("数组", "an array", "多个候选值请写 x in (1, 2, 3)。"),
    "bracket": ("下标 [ ]", "a subscript [ ]", ""),
    "escape": ("like ... escape", "LIKE ... ESCAPE", "请用 starts_with 或 contains 查找含 % 或 _ 的文字。"),
    "kwarg": ("命名参数 =>", "named arguments (=>)", "请按顺序写参数。"),
    "pow": ("乘方 ^", "the ^ operator", ""),
    "collate": ("collate", "COLLATE", ""),
    "nullsafeeq": ("is not distinct from", "IS NOT DISTINCT FROM", "请用 = 或 is null。"),
    "nullsafeneq": ("is distinct from", "IS DISTINCT FROM", "请用 <> 或 is not null。"),
}


@dataclass(frozen=True)
class Expression:
    """A parsed, whitelisted expression. Build it with :func:`parse`."""

    text: str
    tree: exp.Expression = field(repr=False, compare=False)
    names: frozenset[str] = frozenset()
    functions: frozenset[str] = frozenset()
    parameters: frozenset[str] = frozenset()
    is_aggregate: bool = False
    aggregates: tuple[str, ...] = ()

    def position(self, node: exp.Expression) -> int | None:
        return position_of(node, self.text)

    def __str__(self) -> str:
        return self.text


def parse(text: str) -> Expression:
    """Parse and validate an expression; raises :class:`ExpressionError` with every problem found."""
    if not isinstance(text, str):
        raise ExpressionError(_problem("expression-syntax-error", str(text), None,
                                       reason="表达式必须是文字", reason_en="an expression must be a string"))
    problems = _check_text(text)
    if problems:
        raise ExpressionError(problems)
    source = _ascii_punctuation(text)
    tokens, problems = _tokens(text, source)
    if problems:
        raise ExpressionError(problems)
    try:
        trees = _DIALECT.parser().parse(tokens, source)
    except ParseError as exc:
        raise ExpressionError(_syntax_problem(text, exc)) from None
    except RecursionError:
        raise ExpressionError(_too_complex(text, "嵌套过深", "nested too deeply")) from None
    trees = [t for t in trees if t is not None]
    if len(trees) != 1:
        raise ExpressionError(_problem("expression-syntax-error", text, 0, reason="表达式是空的",
                                       reason_en="the expression is empty"))
    return _validate(text, trees[0])


# --- text and tokens ------------------------------------------------------------------------

def _check_text(text: str) -> list[Problem]:
    if not text.strip():
        return [_problem("expression-syntax-error", text, 0, reason="表达式是空的", reason_en="the expression is empty")]
    if len(text) > MAX_LENGTH:
        return [_too_complex(text[:200] + "…", f"共{len(text)}个字符，最多{MAX_LENGTH}个",
                             f"{len(text)} characters, at most {MAX_LENGTH}")]
    if "\x00" in text:
        return [_problem("expression-syntax-error", text, text.index("\x00"), reason="含有不可见的控制字符",
                         reason_en="contains a NUL character")]
    return []


_FULL_WIDTH = str.maketrans({"（": "(", "）": ")", "，": ",", "＝": "=", "＞": ">", "＜": "<", "＋": "+",
                             "－": "-", "＊": "*", "／": "/", "％": "%", "：": ":", "；": ";", "　": " ",
                             "！": "!", "．": "."})


def _ascii_punctuation(text: str) -> str:
    """Full-width brackets, commas, operators and quotes typed with a Chinese IME, made ASCII.

    Only outside quotes, and one character for one, so positions stay the same.
    """
    out = []
    quote: str | None = None  # the ASCII quote we are inside
    closers = ""
    for ch in text:
        if quote is None:
            if ch in "'‘’":
                quote, closers = "'", ("'’" if ch == "‘" else "'")
                out.append("'")
            elif ch in '"“”':
                quote, closers = '"', ('"”' if ch == "“" else '"')
                out.append('"')
            else:
                out.append(ch.translate(_FULL_WIDTH))
        elif ch in closers:
            out.append(quote)
            quote = None
        else:
            out.append(ch)
    return "".join(out)


def _tokens(text: str, source: str):
    try:
        tokens = _DIALECT.tokenize(source)
    except TokenError as exc:
        quote = next((i for i, ch in enumerate(source) if ch in "'\""), None)
        reason = "引号没有配对" if quote is not None else f"无法识别的字符（{exc}）"
        return [], [_problem("expression-syntax-error", text, quote, reason=reason, reason_en=f"cannot tokenize: {exc}")]
    if len(tokens) > MAX_TOKENS:
        return [], [_too_complex(text[:200] + "…", f"共{len(tokens)}个词，最多{MAX_TOKENS}个",
                                 f"{len(tokens)} tokens, at most {MAX_TOKENS}")]
    problems: list[Problem] = []
    depth = deepest = 0
    for token in tokens:
        if token.token_type == TokenType.SEMICOLON:
            problems.append(not_allowed(text, token.start, "分号“;”（多条语句）", "';' (more than one statement)",
                                        "一个表达式只能是一个式子，不能包含分号。"))
        if token.token_type in (TokenType.L_PAREN, TokenType.CASE):
            depth += 1
            deepest = max(deepest, depth)
        elif token.token_type in (TokenType.R_PAREN, TokenType.END):
            depth -= 1
    if deepest > MAX_NESTING:
        problems.append(_too_complex(text[:200], f"括号嵌套{deepest}层，最多{MAX_NESTING}层",
                                     f"{deepest} nested brackets, at most {MAX_NESTING}"))
    comment = _outside_quotes(source, ("--", "/*"))
    if comment is not None:
        problems.append(not_allowed(text, comment, "注释（-- 或 /* */）", "comments (-- or /* */)",
                                    "请把说明写在规则或报表的“说明”栏中。"))
    return tokens, _unique(problems)


def _outside_quotes(source: str, needles: tuple[str, ...]) -> int | None:
    """The offset of the first needle outside quotes, else None."""
    quote = None
    for i, ch in enumerate(source):
        if quote:
            if ch == quote:
                quote = None
        elif ch in "'\"":
            quote = ch
        elif any(source.startswith(n, i) for n in needles):
            return i
    return None


def _unique(problems: list[Problem]) -> list[Problem]:
    seen, out = set(), []
    for p in problems:
        key = (p.code, p.params.get("construct"), p.params.get("reason"))
        if key not in seen:
            seen.add(key)
            out.append(p)
    return out


def _too_complex(text: str, reason: str, reason_en: str) -> Problem:
    return _problem("expression-too-complex", text, None, reason=reason, reason_en=reason_en)


def _syntax_problem(text: str, exc: ParseError) -> Problem:
    err = exc.errors[0] if exc.errors else {}
    description = str(err.get("description", exc))
    highlight = str(err.get("highlight") or "")
    position = None
    if err.get("line") and err.get("col") is not None:
        lines = text.split("\n")
        line = int(err["line"])
        position = sum(len(line_text) + 1 for line_text in lines[: line - 1]) + max(int(err["col"]) - len(highlight), 0)
        position = min(position, len(text))
    if description.startswith("Expecting )"):
        reason = "缺少右括号“)”"
    elif description.startswith("Required keyword") or not highlight.strip():
        reason = f"“{highlight or text.strip()[-10:]}”后面缺少内容" if highlight else "表达式不完整"
    else:
        reason = f"在“{highlight}”附近无法理解"
    return _problem("expression-syntax-error", text, position, reason=reason, reason_en=description)


# --- the whitelist walk ---------------------------------------------------------------------

def _validate(text: str, tree: exp.Expression) -> Expression:
    problems: list[Problem] = []
    names: set[str] = set()
    functions: set[str] = set()
    parameters: set[str] = set()
    aggregates: list[str] = []
    too_deep = False
    stack: list[tuple[exp.Expression, int]] = [(tree, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_DEPTH and not too_deep:
            too_deep = True
            problems.append(_too_complex(text[:200], f"层次超过{MAX_DEPTH}层", f"more than {MAX_DEPTH} levels"))
        problem = _check_node(text, node)
        if problem is not None:
            problems.append(problem.at(position=position_of(node, text)))
            continue  # the inside of a forbidden construct is not looked at
        if isinstance(node, exp.Column):
            names.add(column_text(node))
            continue
        if isinstance(node, exp.Placeholder):
            parameters.add(str(node.this))
        if isinstance(node, exp.Anonymous):
            name = str(node.this).lower()
            functions.add(name)
            if FUNCTIONS[name].aggregate:
                aggregates.append(name)
        for child in node.iter_expressions():
            same_chain = isinstance(node, (exp.And, exp.Or)) and type(child) is type(node)
            stack.append((child, depth if same_chain else depth + 1))
    if problems:
        raise ExpressionError(_unique(problems))
    return Expression(text=text, tree=tree, names=frozenset(names), functions=frozenset(functions),
                      parameters=frozenset(parameters), is_aggregate=bool(aggregates), aggregates=tuple(aggregates))


def column_text(node: exp.Column) -> str:
    name = str(node.this.this) if isinstance(node.this, exp.Identifier) else str(node.this)
    table = node.args.get("table")
    return f"{table.this}.{name}" if isinstance(table, exp.Identifier) else name


def _present(value: object) -> bool:
    return value not in (None, False, "", [])


def _check_node(text: str, node: exp.Expression) -> Problem | None:
    """None when the node is allowed where it is, else the problem naming it."""
    allowed = ALLOWED.get(type(node))
    pos = None  # filled in by the caller, only for the nodes that are wrong
    if allowed is None:
        return _forbidden(text, node, pos)
    extra = [k for k, v in node.args.items() if _present(v) and k not in allowed]
    if extra:
        return _forbidden(text, node, pos)
    parent = node.parent
    if isinstance(node, exp.Column):
        if not isinstance(node.this, exp.Identifier):  # `*` or something stranger in column position
            return not_allowed(text, pos, f"“{node.sql()}”", repr(node.sql()))
        return None
    if isinstance(node, exp.Identifier):
        return None if isinstance(parent, exp.Column) else _forbidden(text, node, pos)
    if isinstance(node, exp.Placeholder):
        if not node.this or not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", str(node.this)):
            return not_allowed(text, pos, "问号参数 ?", "a '?' parameter", "参数请写成 :名称，如 :period。")
        return None
    if isinstance(node, exp.If):
        return None if isinstance(parent, exp.Case) else _forbidden(text, node, pos)
    if isinstance(node, exp.Is):
        if not isinstance(node.expression, exp.Null):
            return not_allowed(text, pos, "is true / is false", "IS TRUE / IS FALSE",
                               "直接写条件即可，如 not (x > 1)；判断空值用 is null。")
        return None
    if isinstance(node, (exp.Star, exp.Distinct)):
        if not (isinstance(parent, exp.Anonymous) and str(parent.this).lower() == "count"
                and len(parent.expressions) == 1):
            what = "*" if isinstance(node, exp.Star) else "distinct"
            return not_allowed(text, pos, f"“{what}”", repr(what),
                               "只能写 count(*)、count(distinct x) 或 count_distinct(x)。")
        if isinstance(node, exp.Distinct) and len(node.expressions) != 1:
            return not_allowed(text, pos, "distinct 多个字段", "DISTINCT over several values",
                               "count(distinct x) 只能写一个字段。")
        return None
    if isinstance(node, exp.Cast):
        if isinstance(node.this, exp.Literal) and node.this.is_string and isinstance(node.to, exp.DataType) \
                and node.to.this == exp.DataType.Type.DATE:
            return None  # date '2024-01-05'
        return _forbidden(text, node, pos)
    if isinstance(node, exp.DataType):
        return None if isinstance(parent, exp.Cast) else _forbidden(text, node, pos)
    if isinstance(node, exp.Anonymous):
        return _check_call(text, node, pos)
    return None


def _check_call(text: str, node: exp.Anonymous, pos: int | None) -> Problem | None:
    name = str(node.this).lower()
    spec = FUNCTIONS.get(name)
    if name == "cast":
        zh, en, advice = _NAMED["cast"]
        return not_allowed(text, pos, zh, en, advice)
    if spec is None:
        close = difflib.get_close_matches(name, list(FUNCTIONS), n=3, cutoff=0.6)
        advice = (f"是不是 {'、'.join(c + '()' for c in close)}？" if close else "") + "可用的函数见函数列表。"
        return not_allowed(text, pos, f"函数 {node.this}()", f"function {node.this}()", advice,
                           f"Did you mean {', '.join(close)}? " if close else "Use a listed function.")
    count = len(node.expressions)
    if count < spec.min_args or (spec.max_args is not None and count > spec.max_args):
        if spec.max_args is None:
            expected = f"至少{spec.min_args}"
        elif spec.min_args == spec.max_args:
            expected = str(spec.min_args)
        else:
            expected = f"{spec.min_args}到{spec.max_args}"
        return _problem("expression-arguments", text, pos, function=name, expected=expected, actual=count,
                        usage=spec.usage)
    if name != "count" and any(isinstance(a, (exp.Star, exp.Distinct)) for a in node.expressions):
        return not_allowed(text, pos, f"{name}(*) 或 {name}(distinct …)", f"{name}(*) / {name}(DISTINCT …)",
                           "只能写 count(*)、count(distinct x) 或 count_distinct(x)。")
    return None


def _forbidden(text: str, node: exp.Expression, pos: int | None) -> Problem:
    key = node.key.lower()
    if any(isinstance(v, (exp.Query, exp.Subquery)) for v in node.args.values()):
        key = "subquery"  # x in (select ...), exists (select ...)
    if key in _NAMED:
        zh, en, advice = _NAMED[key]
        return not_allowed(text, pos, zh, en, advice)
    if isinstance(node, (exp.Query, exp.DDL, exp.DML, exp.Command)) or key in {"drop", "create", "insert", "update",
                                                                               "delete", "pragma", "set", "use"}:
        return not_allowed(text, pos, f"SQL 语句（{key.upper()}）", f"an SQL statement ({key.upper()})",
                           "表达式只能是一个计算式或条件，不能是语句。")
    if isinstance(node, exp.Column):
        return not_allowed(text, pos, f"多段名称“{node.sql()}”", f"the qualified name {node.sql()!r}",
                           "名称最多写成“表别名.字段名”。")
    if isinstance(node, exp.Cast):
        zh, en, advice = _NAMED["cast"]
        return not_allowed(text, pos, zh, en, advice)
    if key.startswith("bitwise"):
        return not_allowed(text, pos, "位运算", "bitwise operators")
    if key.startswith("json"):
        return not_allowed(text, pos, "JSON 运算", "JSON operators")
    return not_allowed(text, pos, f"“{key}”结构", f"the construct {key!r}")


def position_of(node: exp.Expression, text: str) -> int | None:
    """The character offset where the node starts in the text, when it can be told."""
    best: int | None = None
    for n in node.walk(bfs=False):
        meta = n._meta  # set by the parser for identifiers, literals and calls
        if meta and "start" in meta:
            start: int | None = int(meta["start"])
        elif isinstance(n, exp.Placeholder) and n.this:
            m = re.search(r":" + re.escape(str(n.this)) + r"\b", text)
            start = m.start() if m else None
        else:
            start = None
        if start is not None:
            best = start if best is None else min(best, start)
    if best is None and isinstance(node, (exp.Boolean, exp.Null)):
        word = "null" if isinstance(node, exp.Null) else str(bool(node.this)).lower()
        m = re.search(rf"\b{word}\b", text, re.IGNORECASE)
        best = m.start() if m else None
    return best
