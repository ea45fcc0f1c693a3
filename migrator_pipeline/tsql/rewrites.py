"""What every semantic rewrite shares: the context (with the typing pass behind it), errors
positioned in the T-SQL, and PostgreSQL fragments built from templates.

The rewrites live by subject, each a small function over a sqlglot tree parsed with
`syntax.parse_tsql`: numbers (number_rewrites.py), conversions (conversion_rewrites.py),
strings (string_rewrites.py, string_function_rewrites.py), collation (collation_rewrites.py),
dates (date_rewrites.py) and query shapes (query_rewrites.py). `rewrite_order.REWRITES`
composes them in order, and `translate.py` generates PostgreSQL from the result. Every
rewrite that depends on a type asks `RewriteContext.type_of` (sqlserver_types.py).

sqlglot already gets some T-SQL right when it parses, and those need no rewrite:
- `ISNULL(a, b)` parses as `Coalesce`, generated as `coalesce(a, b)`.
- `IIF(c, a, b)` parses as `If`, generated as `case when c then a else b end`.
- ORDER BY: the parser marks T-SQL's null ordering (NULLs are the lowest value: first
  ascending, last descending) on every `Ordered`, and the PostgreSQL generator writes it
  out as `nulls first` / `nulls last`, since PostgreSQL's default is the opposite.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import sqlglot
from sqlglot import exp

from migrator_pipeline.tsql.sqlserver_types import (
    SqlType,
    Typing,
)


class TranslationError(ValueError):
    """T-SQL that cannot be translated; `str()` is one line a user can act on."""

    def __init__(self, message: str, line: int | None = None, column: int | None = None):
        self.message = message
        self.line = line
        self.column = column
        super().__init__(str(self))

    def __str__(self) -> str:
        if self.line is None:
            return self.message
        where = f"line {self.line}" + (f", column {self.column}" if self.column else "")
        return f"{self.message} ({where})"


def error_at(message: str, node: exp.Expression | None) -> TranslationError:
    """A TranslationError positioned at the first token of `node` that carries one."""
    for candidate in node.walk() if node is not None else ():
        meta = candidate.meta if candidate._meta else {}
        if meta.get("line") is not None:
            # sqlglot's `col` is where the token ends; report where it starts
            length = meta.get("end", 0) - meta.get("start", 0)
            return TranslationError(message, meta["line"], max(meta.get("col", 1) - length, 1))
    return TranslationError(message)


NUMBER_FAMILIES = ("integer", "exact", "approximate")


TEMPORAL_FAMILIES = ("date", "datetime", "datetimeoffset")


@dataclass
class RewriteContext:
    """What the rewrites know beyond the tree: the source tables' column types, and through
    them (sqlserver_types.Typing) the SQL Server type of every expression."""

    # object key -> {folded column name -> SQL Server type}
    column_types: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    # True under a case-sensitive (`_CS_`) collation: strings then compare as PostgreSQL's do,
    # and the case-insensitive comparison rewrites (string_rewrites.py) stand aside.
    case_sensitive: bool = False

    def __post_init__(self) -> None:
        self._typing = Typing(self.column_types)

    def type_of(self, node: exp.Expression | None) -> SqlType | None:
        """The SQL Server type of the value `node` yields; None when it cannot be told."""
        return self._typing.type_of(node)

    def family(self, node: exp.Expression | None) -> str | None:
        """The family of `node`'s type (sqlserver_types.FAMILY): "string", "integer", ..."""
        sql_type = self._typing.type_of(node)
        return sql_type.family if sql_type is not None else None


@functools.lru_cache(maxsize=None)
def _parsed_template(sql: str) -> exp.Expression:
    return sqlglot.parse_one(sql, read="postgres").transform(_date_trunc_as_written)


def _date_trunc_as_written(node: exp.Expression) -> exp.Expression:
    """Keep `date_trunc('hour', x)` as written: sqlglot would upper-case the quoted unit."""
    if not isinstance(node, exp.TimestampTrunc):
        return node
    unit = exp.Literal.string(node.unit.name.lower())
    return exp.Anonymous(this="date_trunc", expressions=[unit, node.this])


def template(sql: str, **parts: exp.Expression) -> exp.Expression:
    """A PostgreSQL expression with the bare columns named in `parts` replaced by those nodes."""

    def fill(node: exp.Expression) -> exp.Expression:
        if isinstance(node, exp.Column) and not node.table and node.name in parts:
            return parts[node.name].copy()
        return node

    return _parsed_template(sql).copy().transform(fill)


def cast(node: exp.Expression, to: str) -> exp.Cast:
    """CAST(node AS to), `to` a PostgreSQL type: `data_types` leaves it as it is."""
    datatype = exp.DataType.build(to, dialect="postgres")
    datatype.meta["postgres"] = True
    return exp.Cast(this=node.copy(), to=datatype)


Rewrite = Callable[[exp.Expression, RewriteContext], exp.Expression]
