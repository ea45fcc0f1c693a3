"""SQL with dbt Jinja in it, made parseable: each `{{ ... }}` stands in as a placeholder identifier."""

from __future__ import annotations

import re
from collections.abc import Callable

import jinja2
import sqlglot
from jinja2 import nodes
from sqlglot import exp

_PLACEHOLDER = re.compile(r"__jinja_(\d+)__")


def protect(sql: str) -> tuple[str, Callable[[str], str]]:
    """Replace the Jinja expressions in SQL code (not those inside literals or comments) by
    `__jinja_N__`; the returned function puts them back."""
    pieces: list[str] = []
    out: list[str] = []
    position = 0
    while position < len(sql):
        stop = _lexeme_end(sql, position)
        close = _expression_end(sql, position + 2) if stop is None and sql.startswith("{{", position) else None
        if close is not None:
            pieces.append(sql[position:close])
            out.append(f"__jinja_{len(pieces) - 1}__")
            stop = close
        elif stop is None:
            stop = position + 1
            out.append(sql[position])
        else:
            out.append(sql[position:stop])
        position = stop

    def restore(text: str) -> str:
        return _PLACEHOLDER.sub(lambda m: pieces[int(m.group(1))], text)

    return "".join(out), restore


def single_select_error(sql: str) -> str | None:
    """None when `sql` is exactly one query (SELECT, WITH … SELECT, set operation) in PostgreSQL;
    otherwise why not. Models are never DDL or DML."""
    parseable, _ = protect(sql)
    try:
        statements = [s for s in sqlglot.parse(parseable, read="postgres") if s is not None]
    except sqlglot.errors.ParseError as error:
        first = error.errors[0] if error.errors else {}
        where = f" at line {first.get('line')}, column {first.get('col')}" if first else ""
        return f"not valid PostgreSQL{where}: {first.get('description', str(error))}"
    except sqlglot.errors.TokenError as error:
        return f"not valid PostgreSQL: {str(error)[:200]}"
    if len(statements) != 1:
        return f"expected one SELECT, found {len(statements)} statements"
    if not isinstance(statements[0], exp.Query):
        return f"expected a SELECT, found {statements[0].key.upper()}"
    return None


def output_columns(sql: str) -> list[str] | None:
    """The column names a model's SELECT produces, or None when they can't be known (`*`)."""
    parseable, _ = protect(sql)
    try:
        query = sqlglot.parse_one(parseable, read="postgres")
    except sqlglot.errors.SqlglotError:
        return None
    if not isinstance(query, exp.Query) or any(isinstance(s, exp.Star) or s.is_star for s in query.selects):
        return None
    return list(query.named_selects)


# ---------------------------------------------------------------- source text never runs
#
# Generated files mix our own Jinja (`{{ ref('x') }}`, `{{ source('s', 't') }}`, `{{ var(...) }}`,
# migrated macro calls, `{{ this }}`, `{% if is_incremental() %}`) with text that came from the
# source estate: string literals, comments, quoted names, descriptions. dbt renders every one of
# these files with Jinja, so source text containing `{{`, `{%` or `{#` would run. The rule:
# Jinja survives only where our translator puts it (SQL code, outside literals, quoted names and
# comments) and only in the forms it generates, checked on Jinja's own syntax tree; every other
# Jinja opener is written so that Jinja renders it as the text it was.

TRUSTED_CALLS = frozenset({"ref", "source", "var", "is_incremental"})
TRUSTED_NAMES = frozenset({"this"})
_TRUSTED_STATEMENTS = re.compile(r"\{%-?\s*(if\s+(not\s+)?is_incremental\(\)|else|endif)\s*-?%\}")
_ACTIVE = re.compile(r"\{(?=[{%#]|\Z)|\r|\n\Z")
# A `{` that would open a Jinja expression, statement or comment, as an expression whose value
# is `{` (the idiom Jinja's documentation gives for a literal delimiter); a carriage return as
# an expression too, since Jinja turns one in template text into a line feed, and a final line
# feed, which Jinja drops at the end of a template (dbt renders each YAML string as one).
LITERAL_BRACE = "{{ '{' }}"
_LITERAL = {"{": LITERAL_BRACE, "\r": "{{ '\\r' }}", "\n": "{{ '\\n' }}"}
_JINJA_ENV = jinja2.Environment()


def inert(text: str) -> str:
    """`text` as Jinja renders it back unchanged: every `{` that would open a Jinja tag (or
    that ends the text, and could join a tag written after it) becomes `{{ '{' }}`; a carriage
    return and a final line feed become expressions too."""
    return _ACTIVE.sub(lambda m: _LITERAL[m[0]], text)


def jinja_comment(text: str, strip: bool = False) -> str:
    """`{# text #}`, where nothing in `text` can end the comment early."""
    dash = "-" if strip else ""
    return f"{{#{dash} {text.replace('#}', '# }')} {dash}#}}"


def called_macros(sql: str) -> set[str]:
    """The names every Jinja call in `sql` calls (`{{ fn_x('a') }}` -> fn_x); none when its Jinja
    does not parse."""
    try:
        template = _JINJA_ENV.parse(sql)
    except jinja2.TemplateSyntaxError:
        return set()
    return {call.node.name for call in template.find_all(nodes.Call) if isinstance(call.node, nodes.Name)}


def jinja_parses(text: str) -> bool:
    try:
        _JINJA_ENV.parse(text)
    except jinja2.TemplateSyntaxError:
        return False
    return True


def neutralise_sql(sql: str, calls: frozenset[str] = TRUSTED_CALLS,
                   names: frozenset[str] = TRUSTED_NAMES) -> str:
    """SQL for a dbt file in which only our own Jinja runs: expressions and statements in SQL
    code that call only `calls` and read only `names`, with constant arguments. Jinja openers
    anywhere else (string literals, quoted identifiers, comments, or an expression of any other
    form) are made `inert`."""
    out: list[str] = []
    position, end = 0, len(sql)
    while position < end:
        stop = _lexeme_end(sql, position)
        if stop is not None:  # a literal, a quoted identifier or a comment: data, never Jinja
            out.append(inert(sql[position:stop]))
            position = stop
            continue
        if sql.startswith("{{", position):
            close = _expression_end(sql, position + 2)
            if close is not None and _trusted_expression(sql[position + 2 : close - 2], calls, names):
                out.append(sql[position:close])
                position = close
                continue
        if sql.startswith("{%", position):
            statement = _TRUSTED_STATEMENTS.match(sql, position)
            if statement:
                out.append(statement[0])
                position = statement.end()
                continue
        out.append(inert(sql[position]) if sql[position] == "{" else sql[position])
        position += 1
    return "".join(out)


_DOLLAR_TAG = re.compile(r"\$([A-Za-z_][A-Za-z_0-9]*)?\$")


def _lexeme_end(sql: str, start: int) -> int | None:
    """Where the PostgreSQL literal, quoted identifier or comment starting at `start` ends
    (the end of the text when it is unclosed); None when none starts there."""
    char, following = sql[start], sql[start + 1 : start + 2]
    if char == "-" and following == "-":
        newline = sql.find("\n", start)
        return len(sql) if newline < 0 else newline
    if char == "/" and following == "*":
        return _block_comment_end(sql, start)
    if char in "eE" and following == "'" and not _continues_word(sql, start):
        return _quoted_end(sql, start + 1, "'", backslash=True)
    if char in ("'", '"'):
        return _quoted_end(sql, start, char, backslash=False)
    if char == "$" and not _continues_word(sql, start):
        tag = _DOLLAR_TAG.match(sql, start)
        if tag:
            close = sql.find(tag[0], tag.end())
            return len(sql) if close < 0 else close + len(tag[0])
    return None


def _continues_word(sql: str, start: int) -> bool:
    return start > 0 and (sql[start - 1].isalnum() or sql[start - 1] in "_$")


def _quoted_end(sql: str, start: int, quote: str, backslash: bool) -> int:
    position = start + 1
    while position < len(sql):
        char = sql[position]
        if backslash and char == "\\":
            position += 2
            continue
        if char == quote:
            if sql.startswith(quote, position + 1):  # a doubled quote stands for itself
                position += 2
                continue
            return position + 1
        position += 1
    return len(sql)


def _block_comment_end(sql: str, start: int) -> int:
    depth, position = 0, start
    while position < len(sql):
        if sql.startswith("/*", position):
            depth, position = depth + 1, position + 2
        elif sql.startswith("*/", position):
            depth, position = depth - 1, position + 2
            if depth == 0:
                return position
        else:
            position += 1
    return len(sql)


def _expression_end(sql: str, start: int) -> int | None:
    """The end (after `}}`) of a Jinja expression whose body starts at `start`; Jinja strings
    inside it may hold `}}`."""
    position = start
    while position < len(sql):
        char = sql[position]
        if char in "'\"":
            position = _jinja_string_end(sql, position)
        elif sql.startswith("}}", position):
            return position + 2
        else:
            position += 1
    return None


def _jinja_string_end(sql: str, start: int) -> int:
    quote, position = sql[start], start + 1
    while position < len(sql):
        if sql[position] == "\\":
            position += 2
        elif sql[position] == quote:
            return position + 1
        else:
            position += 1
    return len(sql)


def _trusted_expression(body: str, calls: frozenset[str], names: frozenset[str]) -> bool:
    try:
        template = _JINJA_ENV.parse("{{" + body + "}}")
    except jinja2.TemplateSyntaxError:
        return False
    if len(template.body) != 1 or not isinstance(template.body[0], nodes.Output):
        return False
    outputs = template.body[0].nodes
    return len(outputs) == 1 and _trusted_node(outputs[0], calls, names)


def _trusted_node(node: nodes.Node, calls: frozenset[str], names: frozenset[str]) -> bool:
    if isinstance(node, nodes.Const):
        return isinstance(node.value, (str, int, float, bool)) or node.value is None
    if isinstance(node, nodes.Name):
        return node.name in names and node.ctx == "load"
    if isinstance(node, nodes.Concat):
        return all(_trusted_node(n, calls, names) for n in node.nodes)
    if isinstance(node, nodes.Call):
        return (isinstance(node.node, nodes.Name) and node.node.name in calls
                and not node.kwargs and node.dyn_args is None and node.dyn_kwargs is None
                and all(_trusted_node(n, calls, names) for n in node.args))
    return False
