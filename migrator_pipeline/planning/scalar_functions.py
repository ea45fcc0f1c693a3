"""A multi-statement scalar function folded into the one expression of a dbt macro.

The body is run symbolically, statement by statement, keeping each local variable's value as
an expression over the parameters:
- `DECLARE @v type [= value]`: @v is `CAST(value AS type)`, or NULL;
- `SET @v = value` and `SELECT @v = value` without FROM: @v is `CAST(value AS type)` (an
  assignment converts to the variable's type), the value read with the variables as they are;
- `IF cond SET @v = a [ELSE SET @v = b]`: @v is `CASE WHEN cond THEN a ELSE b END` (b: @v as it
  was);
- `RETURN value` as the last statement: the function's expression.

With `lookups`, a SELECT that reads tables and assigns variables (`SELECT @v = x FROM t WHERE
...`) folds too, each variable becoming a scalar subquery with SQL Server's assignment rules:
- no row leaves @v as it was: `CASE WHEN EXISTS (query) THEN (query) ELSE old END` (just the
  subquery when @v was NULL);
- several rows leave the value of the last one assigned: the query's first row in its ORDER BY
  reversed (SQL Server assigns in that order), any row without one (SQL Server's scan order is
  not defined either); with TOP 1 the one row its ORDER BY puts first;
- an aggregate without GROUP BY gives exactly one row: the subquery itself.
The expression then names relations, so it cannot be a macro: the planner makes it a function
that the dbt project creates (`is_lookup`).

Anything else raises `FoldError` with the reason: a SELECT that reads tables (without
`lookups`), a loop, an IF over more than one statement, several RETURNs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import sqlglot
from sqlglot import exp
from sqlglot.errors import SqlglotError

from migrator_pipeline.planning.model import PlannedMacro
from migrator_pipeline.tsql.identifiers import fold_identifier
from migrator_pipeline.tsql.types import UnknownTypeError, postgres_type


class FoldError(Exception):
    """The body is not a straight line of assignments; the message says what stops it."""


CLR_TYPES = frozenset({"geography", "geometry", "hierarchyid"})
_RETURNS = re.compile(r"\bRETURNS\s+(\[?[A-Za-z_][\w ]*?\]?\s*(\(\s*[\w\s,]+\))?)\s*(\bWITH\b|\bAS\b|\bBEGIN\b|$)",
                       re.IGNORECASE)


def plan_scalar_function(name: str, key: str, parameters: list[list[str]], header: str,
                         statements: list[exp.Expression], nested_blocks: bool) -> PlannedMacro:
    """The macro of a multi-statement scalar function: one expression when its body folds into
    one, else, when it reads tables, a database function the dbt project creates. `header` is
    the CREATE text before the body (its RETURNS type); `parameters` (name with @, type).
    Raises FoldError with the reason when it is neither."""
    arguments = [fold_identifier(p.lstrip("@")) for p, _ in parameters]
    try:
        return PlannedMacro(name, key, arguments, fold_scalar_function(statements, nested_blocks).sql("tsql"))
    except FoldError as error:
        if "reads tables" not in str(error):
            raise
    expression = fold_scalar_function(statements, nested_blocks, lookups=True)
    signature = function_types(header, parameters, "scalar function that reads tables,")
    return PlannedMacro(name, key, arguments, expression.sql("tsql"),
                        tsql_body=function_body(name, [tuple(p) for p in parameters], expression),
                        argument_types=signature.arguments, returns=signature.returns)


@dataclass(frozen=True)
class FunctionTypes:
    """The types of a scalar function that becomes a database function: its RETURNS type as
    SQL Server writes it, and the PostgreSQL types of its result and of its arguments."""

    returns_tsql: str
    returns: str
    arguments: list[str]


def function_types(header: str, parameters: list[list[str]], subject: str = "scalar function") -> FunctionTypes:
    """The types of a scalar function: `header`, the CREATE text before its body (its RETURNS
    type); `parameters`, (name with @, SQL Server type) in order. Raises FoldError, its message
    starting with `subject`, when the RETURNS type cannot be read or PostgreSQL lacks a type."""
    returns = _RETURNS.search(header)
    try:
        result = postgres_type(returns.group(1).strip()) if returns else None
        arguments = [postgres_type(data_type) for _, data_type in parameters]
    except UnknownTypeError as error:
        raise FoldError(f"{subject} with a type PostgreSQL lacks: {error}") from None
    if result is None:
        raise FoldError(f"{subject} without a readable RETURNS type")
    return FunctionTypes(returns.group(1).strip(), result, arguments)


def fold_scalar_function(statements: list[exp.Expression], nested_blocks: bool,
                         lookups: bool = False) -> exp.Expression:
    """The RETURN expression of a scalar function body with its variables substituted.
    `nested_blocks`: the body has a BEGIN ... END inside its own (the statement list does not
    show where such a block ends, so an IF cannot be folded). `lookups`: fold a SELECT that
    reads tables into scalar subqueries (see the module's doc)."""
    types: dict[str, exp.DataType | None] = {}
    values: dict[str, exp.Expression] = {}
    index = 0
    while index < len(statements):
        statement = statements[index]
        if isinstance(statement, exp.Return):
            if index != len(statements) - 1 or statement.this is None:
                raise FoldError("scalar function with a RETURN before its end")
            return _substituted(statement.this, values)
        if isinstance(statement, exp.Declare):
            _declare(statement, types, values)
        elif assignments(statement) is not None:
            for name, value in assignments(statement):
                values[name] = _assigned(value, name, types, values)
        elif lookups and lookup_assignments(statement) is not None:
            for name, value in lookup_assignments(statement):
                values[name] = _looked_up(statement, value, name, types, values)
        elif isinstance(statement, exp.Command) and statement.name.upper() == "IF":
            if nested_blocks:
                raise FoldError("scalar function with IF over a BEGIN ... END block: cannot fold into one expression")
            index = _if(statements, index, types, values)
            continue
        else:
            raise FoldError(_reason(statement))
        index += 1
    raise FoldError("scalar function without a final RETURN")


def _reason(statement: exp.Expression) -> str:
    if isinstance(statement, exp.Select) and statement.args.get("from_") is not None:
        return ("scalar function that reads tables (a lookup): a macro cannot name relations; "
                "rewrite the callers with a join")
    if isinstance(statement, exp.Command):
        return f"scalar function with {statement.name.upper()}: cannot fold into one expression"
    return f"scalar function with {statement.key.upper()}: cannot fold into one expression"


def is_lookup(expression: exp.Expression) -> bool:
    """The folded expression reads tables (a lookup): only a database function can hold it."""
    return expression.find(exp.Table) is not None


def function_body(name: str, parameters: list[tuple[str, str]], expression: exp.Expression) -> str:
    """The body of the database function that holds a lookup, as one T-SQL SELECT of the folded
    expression. PostgreSQL returns its first row's value, and NULL without a row: every
    subquery in it yields at most one row, so there is one row. Each parameter `@p` is read as
    the function's argument `name.p` (qualified: a column of the same name would win over it),
    cast to its SQL Server type so that the type-aware rewrites know it.
    `parameters`: (name with @, SQL Server type) in order."""
    types = {param.lstrip("@").lower(): data_type for param, data_type in parameters}
    body = expression.copy()
    for parameter in list(body.find_all(exp.Parameter)):
        key = parameter.name.lower()
        if key not in types:
            raise FoldError(f"scalar function reading an unknown variable @{parameter.name}")
        argument = exp.Column(this=exp.to_identifier(argument_name(key)), table=exp.to_identifier(name))
        replacement = exp.Cast(this=argument, to=exp.DataType.build(types[key], dialect="tsql"))
        if parameter is body:
            body = replacement
        else:
            parameter.replace(replacement)
    return exp.select(exp.alias_(body, name)).sql("tsql")


def argument_name(parameter: str) -> str:
    """The database function's argument for a parameter `@p`."""
    return fold_identifier(parameter.lstrip("@"))


def lookup_assignments(statement: exp.Expression) -> list[tuple[str, exp.Expression]] | None:
    """`SELECT [TOP 1] @v = x, @w = y FROM ...`: (name, value) pairs; else None."""
    if not isinstance(statement, exp.Select) or statement.args.get("from_") is None:
        return None
    if statement.args.get("into") is not None or statement.args.get("distinct") is not None:
        return None
    items = list(statement.expressions)
    if not items or not all(isinstance(i, exp.EQ) and isinstance(i.this, exp.Parameter) for i in items):
        return None
    return [(i.this.name.lower(), i.expression) for i in items]


def _looked_up(select: exp.Select, value: exp.Expression, name: str, types: dict, values: dict) -> exp.Expression:
    """@v after `SELECT @v = value FROM ...` (the module's doc says how)."""
    assigned = {n for n, _ in lookup_assignments(select)}
    if any(p.name.lower() in assigned for p in select.find_all(exp.Parameter) if p.parent is not None
           and not (isinstance(p.parent, exp.EQ) and p.parent.this is p and p.parent.parent is select)):
        raise FoldError("scalar function with a SELECT that assigns a variable it reads (row by row): "
                        "cannot fold into one expression")
    query = _substituted(select, values)
    query.set("expressions", [_assigned(value, name, types, values)])
    single_row = query.args.get("group") is None and query.expressions[0].find(exp.AggFunc) is not None
    top = query.args.get("limit")
    if top is not None and not (isinstance(top.expression, exp.Literal) and top.expression.name == "1"):
        raise FoldError("scalar function assigning a variable from SELECT TOP n (n > 1): cannot fold into one expression")
    if not single_row and top is None:  # the last row assigned: the first in the reversed order
        order = query.args.get("order")
        for ordered in order.expressions if order is not None else []:
            ordered.set("desc", not ordered.args.get("desc"))
            ordered.set("nulls_first", None)
        query.set("limit", exp.Limit(expression=exp.Literal.number(1)))
    found = exp.Subquery(this=query)
    old = values.get(name, exp.Null())
    if single_row or isinstance(old, exp.Null):
        return found
    exists_query = query.copy()
    exists_query.set("expressions", [exp.Literal.number(1)])
    exists_query.set("order", None)
    exists_query.set("limit", None)
    return exp.Case(ifs=[exp.If(this=exp.Exists(this=exists_query), true=found)], default=old.copy())


def _declare(statement: exp.Declare, types: dict, values: dict) -> None:
    for item in statement.expressions:
        names = item.this if isinstance(item.this, list) else [item.this]
        kind = item.args.get("kind")
        for name in names:
            if not isinstance(name, exp.Parameter) or not isinstance(kind, exp.DataType):
                raise FoldError("scalar function declaring a table variable or cursor")
            key = name.name.lower()
            types[key] = kind
            default = item.args.get("default")
            values[key] = _assigned(default, key, types, values) if isinstance(default, exp.Expression) else exp.Null()


def assignments(statement: exp.Expression) -> list[tuple[str, exp.Expression]] | None:
    """`SET @v = x` or `SELECT @v = x, @w = y` without FROM: (name, value) pairs; else None."""
    if isinstance(statement, exp.Set):
        items = [i.this for i in statement.expressions if isinstance(i, exp.SetItem)]
    elif isinstance(statement, exp.Select) and statement.args.get("from_") is None:
        items = list(statement.expressions)
    else:
        return None
    if not items or not all(isinstance(i, exp.EQ) and isinstance(i.this, exp.Parameter) for i in items):
        return None
    return [(i.this.name.lower(), i.expression) for i in items]


def _assigned(value: exp.Expression, name: str, types: dict, values: dict) -> exp.Expression:
    value = _substituted(value, values)
    if isinstance(value, exp.Null):
        return value
    kind = types.get(name)
    if kind is None or kind.sql("tsql").lower() in CLR_TYPES:
        return value  # a CLR type takes only its own type's values: nothing converts
    return exp.Cast(this=value, to=kind.copy())


def _substituted(expression: exp.Expression, values: dict[str, exp.Expression]) -> exp.Expression:
    expression = expression.copy()
    for parameter in list(expression.find_all(exp.Parameter)):
        value = values.get(parameter.name.lower())
        if value is None:
            continue  # a parameter of the function: the macro's argument
        replacement = value.copy() if isinstance(value, (exp.Null, exp.Literal, exp.Cast)) else exp.paren(value.copy())
        if parameter is expression:
            return replacement
        parameter.replace(replacement)
    return expression


def _if(statements: list[exp.Expression], index: int, types: dict, values: dict) -> int:
    """Fold `IF cond <SET>` [`ELSE <SET>`] starting at `index`; the index after it."""
    test = condition(str(statements[index].args.get("expression") or ""))
    then = _single_assignment(statements, index + 1)
    otherwise = None
    after = index + 2
    if after < len(statements) and isinstance(statements[after], exp.Command) and statements[after].name.upper() == "ELSE":
        otherwise = _single_assignment(statements, after + 1)
        after += 2
    test = _substituted(test, values)
    changed = {then[0]} | ({otherwise[0]} if otherwise else set())
    folded = {}
    for name in changed:
        old = values.get(name, exp.Null())
        when_true = _assigned(then[1], name, types, values) if then[0] == name else old
        when_false = _assigned(otherwise[1], name, types, values) if otherwise and otherwise[0] == name else old
        folded[name] = exp.Case(ifs=[exp.If(this=test.copy(), true=when_true)], default=when_false)
    values.update(folded)
    return after


def _single_assignment(statements: list[exp.Expression], index: int) -> tuple[str, exp.Expression]:
    pairs = assignments(statements[index]) if index < len(statements) else None
    if not pairs or len(pairs) != 1:
        raise FoldError("scalar function with an IF branch other than one SET: cannot fold into one expression")
    return pairs[0]


def condition(text: str) -> exp.Expression:
    """An IF's or WHILE's condition, written in T-SQL, as an expression."""
    try:
        select = sqlglot.parse_one(f"SELECT CASE WHEN {text} THEN 1 END", read="tsql")
    except SqlglotError:
        raise FoldError(f"scalar function with an IF condition that cannot be read: {text[:40]}") from None
    case = select.expressions[0] if isinstance(select, exp.Select) and select.expressions else None
    if not isinstance(case, exp.Case) or not case.args.get("ifs"):
        raise FoldError(f"scalar function with an IF condition that cannot be read: {text[:40]}")
    return case.args["ifs"][0].this
