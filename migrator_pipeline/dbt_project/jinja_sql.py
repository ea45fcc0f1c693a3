"""SQL with dbt Jinja in it, made parseable: each `{{ ... }}` stands in as a placeholder identifier."""

from __future__ import annotations

import re
from collections.abc import Callable

import sqlglot
from sqlglot import exp

_JINJA = re.compile(r"\{\{.*?\}\}", re.DOTALL)
_PLACEHOLDER = re.compile(r"__jinja_(\d+)__")


def protect(sql: str) -> tuple[str, Callable[[str], str]]:
    """Replace Jinja expressions by `__jinja_N__`; the returned function puts them back."""
    pieces: list[str] = []

    def stash(match: re.Match) -> str:
        pieces.append(match.group(0))
        return f"__jinja_{len(pieces) - 1}__"

    def restore(text: str) -> str:
        return _PLACEHOLDER.sub(lambda m: pieces[int(m.group(1))], text)

    return _JINJA.sub(stash, sql), restore


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
    except sqlglot.errors.ParseError:
        return None
    if not isinstance(query, exp.Query) or any(isinstance(s, exp.Star) or s.is_star for s in query.selects):
        return None
    return list(query.named_selects)
