"""Procedures that only return rows: one SELECT, returned to the caller, becomes a model.

A parameterless procedure whose statements are session options and ONE SELECT (no INTO)
returns one result set and changes nothing; a model over the same SELECT returns the same rows
(Northwind's "Ten Most Expensive Products"). Options it may set:
- `SET NOCOUNT ON|OFF`: only the "n rows affected" messages;
- `SET ROWCOUNT n`: "causes SQL Server to stop processing the query after the specified number
  of rows are returned"; 0 turns the limit off. It applies to the statements after it, so the
  limit in force at the SELECT is the last one set before it; one set after it changes nothing.
  It is the SELECT's `TOP n`, with its ORDER BY (the first n in that order; ties at the boundary
  are as arbitrary as SQL Server's). "SET ROWCOUNT overrides the SELECT statement TOP keyword if
  the rowcount is the smaller value": the smaller of the two is kept.
  (learn.microsoft.com/sql/t-sql/statements/set-rowcount-transact-sql)
Anything else (another statement, a second SELECT, a variable row count, other SET options, a
TOP ... PERCENT / WITH TIES or OFFSET that a row count would cut) is not this shape: `None` or a
`ResultSetError` with the reason, and the planner's other rules apply.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlglot import exp

_INERT_OPTIONS = frozenset({"NOCOUNT"})  # SET options that do not change the rows


class ResultSetError(ValueError):
    """A result-set-only procedure whose rows a model cannot return as they are."""


@dataclass(frozen=True)
class ResultSet:
    query: exp.Query  # the SELECT returned, with SET ROWCOUNT applied as its TOP
    row_limit: int | None  # the SET ROWCOUNT in force at the SELECT; None when off


def read_result_set(statements: list[exp.Expression]) -> ResultSet | None:
    """The one result set of a procedure whose statements are SET options and one SELECT;
    None when the statements are anything else."""
    queries = [s for s in statements if isinstance(s, exp.Query)]
    if len(queries) != 1 or queries[0].args.get("into") is not None:
        return None
    if any(not isinstance(s, (exp.Query, exp.Set, exp.Declare)) for s in statements):
        return None
    limit = None
    for statement in statements[: statements.index(queries[0])]:
        for option, value in _options(statement):
            if option == "ROWCOUNT":
                limit = _row_count(value) or None
            elif option not in _INERT_OPTIONS:
                raise ResultSetError(f"SET {option} before the result set: it changes how the rows are computed")
    for statement in statements[statements.index(queries[0]) + 1 :]:
        for option, value in _options(statement):
            if option == "ROWCOUNT":
                _row_count(value)  # set after the SELECT: no effect on its rows, but must be readable
    if any(isinstance(s, exp.Declare) for s in statements):
        return None  # variables: not a plain result set (a variable row count is named above)
    return ResultSet(_limited(queries[0], limit), limit)


def _options(statement: exp.Expression) -> list[tuple[str, exp.Expression | None]]:
    """`SET option value` items: (OPTION, value); `SET @variable = ...` is not an option."""
    items = []
    for item in statement.expressions if isinstance(statement, exp.Set) else []:
        setting = item.this if isinstance(item, exp.SetItem) else item
        if isinstance(setting, exp.EQ) and isinstance(setting.this, exp.Parameter):
            continue
        if isinstance(setting, exp.EQ) and isinstance(setting.this, exp.Column):
            items.append((setting.this.name.upper(), setting.expression))
        else:
            items.append((setting.sql("tsql").split(" ")[0].upper(), None))
    return items


def _row_count(value: exp.Expression | None) -> int:
    if isinstance(value, exp.Literal) and not value.is_string and value.this.isdigit():
        return int(value.this)
    shown = value.sql("tsql") if value is not None else "?"
    raise ResultSetError(f"SET ROWCOUNT {shown}: a row count known only at run time")


def _limited(query: exp.Query, limit: int | None) -> exp.Query:
    """The query with its TOP lowered to `limit` (the smaller one wins)."""
    if limit is None:
        return query
    if not isinstance(query, exp.Select):
        raise ResultSetError("SET ROWCOUNT over a UNION/EXCEPT/INTERSECT: write the limit as TOP in an outer SELECT")
    if query.args.get("offset") is not None or query.args.get("fetch") is not None:
        raise ResultSetError("SET ROWCOUNT over OFFSET ... FETCH: write the limit into the FETCH")
    existing = query.args.get("limit")
    if existing is None:
        return query.limit(limit, dialect="tsql", copy=True)
    options = existing.args.get("limit_options")
    top = existing.expression
    if options is not None and (options.args.get("percent") or options.args.get("with_ties")):
        raise ResultSetError("SET ROWCOUNT over TOP ... PERCENT or WITH TIES: which rows it cuts depends on the count")
    if not (isinstance(top, exp.Literal) and not top.is_string and top.this.isdigit()):
        raise ResultSetError("SET ROWCOUNT over a TOP known only at run time")
    return query.limit(min(limit, int(top.this)), dialect="tsql", copy=True)
