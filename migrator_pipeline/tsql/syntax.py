"""Shared helpers over sqlglot's T-SQL trees: how tables, CTEs and sources are found, and the
walk order the rewrites use. The typing pass and every rewrite module read them from here."""

from __future__ import annotations

import sqlglot
from sqlglot import exp
from sqlglot.dialects.tsql import TSQL
from sqlglot.tokens import Token, TokenType

from migrator_pipeline.tsql.identifiers import fold_identifier


class SqlServer(TSQL):
    """sqlglot's T-SQL, except where it misreads SQL Server: `float` and `real` stay apart
    (sqlglot reads both as FLOAT, single precision, while SQL Server's `float` is 8 bytes and
    only `real` is 4), DATEPART's `w`, which is weekday, not week, and DATENAME's `y` and `dy`,
    which are the day of the year, not the year and the day of the month.
    https://learn.microsoft.com/sql/t-sql/data-types/float-and-real-transact-sql"""

    class Tokenizer(TSQL.Tokenizer):
        KEYWORDS = {**TSQL.Tokenizer.KEYWORDS, "FLOAT": TokenType.DOUBLE}

    # DATEPART's `w` is weekday, not week.
    # https://learn.microsoft.com/sql/t-sql/functions/datepart-transact-sql
    DATE_PART_MAPPING = {**TSQL.DATE_PART_MAPPING, "W": "WEEKDAY"}

    def tokenize(self, sql: str, dialect: object = None) -> list[Token]:
        """sqlglot's compiled parser (which cannot be subclassed) maps DATENAME's `y` to the year
        and `dy` to the day of the month; both are the day of the year, so they are spelled out
        before it reads them. https://learn.microsoft.com/sql/t-sql/functions/datename-transact-sql"""
        tokens = super().tokenize(sql, dialect)
        for name, paren, part in zip(tokens, tokens[1:], tokens[2:]):
            if name.text.upper() == "DATENAME" and paren.token_type == TokenType.L_PAREN \
                    and part.text.lower() in ("y", "dy"):
                part.text = "dayofyear"
        return tokens


def parse_tsql(sql: str) -> list[exp.Expression | None]:
    """T-SQL statements as sqlglot trees, with `float` read as double precision."""
    return sqlglot.parse(sql, read=SqlServer)


def bottom_up(tree: exp.Expression, *types: type) -> list[exp.Expression]:
    """Nodes of the given types, children before parents, so rewrites see rewritten operands."""
    return [node for node in reversed(list(tree.walk())) if isinstance(node, types)]


def reference_key(table: exp.Table) -> str:
    """The object key a table reference names, whatever it names (a #temp table or a function
    too): for lookups in maps of known relations. No schema means `dbo`."""
    return f"{table.db or 'dbo'}.{table.name}".lower()


def table_key(table: exp.Table) -> str | None:
    """The object key of an estate table a reference names, or None for #temp tables, @table
    variables and table-valued functions: for what a statement reads and writes."""
    if not isinstance(table.this, exp.Identifier):
        return None
    name = table.this.name
    if name.startswith(("#", "@")) or table.this.args.get("temporary") or table.this.args.get("global_"):
        return None
    return f"{table.db or 'dbo'}.{name}".lower()


def cte_named(table: exp.Table) -> exp.CTE | None:
    """The CTE a table reference names, when it names one."""
    if table.db:
        return None
    name = fold_identifier(table.name)
    for cte in table.root().find_all(exp.CTE):
        if fold_identifier(cte.alias) == name:
            return cte
    return None


def is_cte_reference(table: exp.Table) -> bool:
    return cte_named(table) is not None


def sources(select: exp.Select) -> list[tuple[str, exp.Expression]]:
    """(folded alias, table or subquery) for the FROM and JOIN sources of a SELECT."""
    nodes = []
    from_ = select.args.get("from_")
    if from_ is not None:
        nodes.extend(_joined(from_.this))
    for join in select.args.get("joins") or []:
        nodes.extend(_joined(join.this))
    return [(fold_identifier(n.alias_or_name), n) for n in nodes if n.alias_or_name]


def _joined(source: exp.Expression) -> list[exp.Expression]:
    """A source, or the sources of a parenthesised join (`(a JOIN b ON ...) JOIN c`), which sqlglot
    reads as an unaliased Subquery around a Table (or Subquery) that carries the joins."""
    nested = isinstance(source, exp.Subquery) and not source.alias and isinstance(source.this, (exp.Table, exp.Subquery))
    nodes = _joined(source.this) if nested else [source]
    for join in source.args.get("joins") or []:
        nodes.extend(_joined(join.this))
    return nodes


def is_string_literal(node: exp.Expression) -> bool:
    """'...' or N'...' (sqlglot's National is no Literal)."""
    return isinstance(node, exp.National) or isinstance(node, exp.Literal) and node.is_string


def unwrap_date_argument(node: exp.Expression) -> exp.Expression:
    """The T-SQL argument itself, without the conversions sqlglot's parser wraps it in."""
    while isinstance(node, (exp.TimeStrToTime, exp.TsOrDsToDate, exp.TsOrDsToTimestamp)):
        node = node.this
    return node
