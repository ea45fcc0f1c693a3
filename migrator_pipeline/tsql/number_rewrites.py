"""Rewrites for numbers: PostgreSQL computes in the types SQL Server computes in.

`sqlserver_types` says what type each operator yields; these rewrites make PostgreSQL compute
in it:
- `real` arithmetic in float4, step by step (money * real is computed in single precision);
- `money` as 4-decimal fixed point: a product rounded to 4 places, a quotient truncated;
- `decimal` quotients (and results past 38 digits) at SQL Server's precision and scale;
- `float`/`real` converted to `money`/`decimal` from the binary value through float8
  (PostgreSQL's float4 -> numeric keeps only 6 significant digits);
- POWER in the type of its first argument; `$12.50` money literals; AVG of integers is an
  integer, ROUND(x, n, 1) truncates, and bit compares with true/false.
https://learn.microsoft.com/sql/t-sql/data-types/precision-scale-and-length-transact-sql
https://learn.microsoft.com/sql/t-sql/data-types/data-type-precedence-transact-sql
https://learn.microsoft.com/sql/t-sql/data-types/money-and-smallmoney-transact-sql
"""

from __future__ import annotations

import re

from sqlglot import exp

from migrator_pipeline.tsql.rewrites import RewriteContext, cast, error_at, template
from migrator_pipeline.tsql.sqlserver_types import (
    INT,
    SqlType,
    arithmetic_type,
    typed,
)
from migrator_pipeline.tsql.syntax import bottom_up
from migrator_pipeline.tsql.types import postgres_type

_ARITHMETIC = {exp.Add: "+", exp.Sub: "-", exp.Mul: "*", exp.Div: "/", exp.Mod: "%"}


_MONEY_TEXT = re.compile(r"^\$(\d*)$")


# Extra decimal places a quotient is computed with before it is rounded to SQL Server's scale.
_GUARD_DIGITS = 6


def money_literals(tree: exp.Expression, context: RewriteContext) -> exp.Expression:
    """`$23.12` is a money constant; sqlglot reads it as a column `12` of a table `$23`.
    https://learn.microsoft.com/sql/t-sql/data-types/constants-transact-sql#money-constants"""
    for column in bottom_up(tree, exp.Column):
        whole = _MONEY_TEXT.match(column.table or "") if isinstance(column.this, exp.Literal) else None
        alone = _MONEY_TEXT.match(column.name) if not column.table and isinstance(column.this, exp.Identifier) else None
        if whole:
            text = f"{whole[1] or '0'}.{column.this.this}"
        elif alone and alone[1]:
            text = alone[1]
        else:
            continue
        money = exp.Cast(this=exp.Literal.number(text), to=exp.DataType.build("money", dialect="tsql"))
        column.replace(money)
    return tree


def arithmetic_in_sqlserver_types(tree: exp.Expression, context: RewriteContext) -> exp.Expression:
    """Each `+ - * / %` computes in its SQL Server result type: real operands in float4 (PostgreSQL
    would widen int * real to float8), money products rounded and quotients truncated to 4
    decimals ($1 / $3 * 3 is 0.9999), decimal quotients at scale max(6, s1 + p2 + 1) and any
    result past 38 digits at the reduced scale.
    https://learn.microsoft.com/sql/t-sql/data-types/precision-scale-and-length-transact-sql"""
    for node in bottom_up(tree, *_ARITHMETIC):
        operator = _ARITHMETIC[type(node)]
        left, right = context.type_of(node.left), context.type_of(node.right)
        result = arithmetic_type(operator, left, right)
        if result is None or not result.is_number:
            continue
        replacement = _computed_in(result, operator, node, left, right)
        if replacement is not node:
            node.replace(replacement)
        typed(replacement, result)
    for aggregate in bottom_up(tree, exp.Sum, exp.Avg):
        argument = aggregate.this
        if (context.type_of(argument) or INT).name == "real":  # SUM/AVG of real is float
            aggregate.set("this", cast(argument, "double precision"))
    for node in bottom_up(tree, exp.Avg, exp.Round):
        _keep_exact_scale(node, context)
    return tree


def _keep_exact_scale(node: exp.Expression, context: RewriteContext) -> None:
    """AVG of decimal(p, s) is decimal(38, max(s, 6)), of money money; ROUND(2.345, 2) is 2.350,
    keeping its argument's scale: PostgreSQL's numeric results carry their own scale.
    https://learn.microsoft.com/sql/t-sql/functions/avg-transact-sql
    https://learn.microsoft.com/sql/t-sql/functions/round-transact-sql"""
    result = context.type_of(node)
    if result is None or result.family != "exact":
        return
    target = node.parent if isinstance(node.parent, exp.Window) else node
    target.replace(typed(cast(target, postgres_type(result.sql())), result))


def _computed_in(result: SqlType, operator: str, node: exp.Binary, left: SqlType, right: SqlType) -> exp.Expression:
    for arg, operand in (("this", left), ("expression", right)):
        if operand.name == "bit":  # bit is boolean in PostgreSQL: a number here
            node.set(arg, cast(node.args[arg], "int"))
    if result.name == "real":
        for arg, operand in (("this", left), ("expression", right)):
            if operand.name != "real":
                node.set(arg, cast(node.args[arg], "real"))
        return node
    if result.is_money and operator == "/":
        return template("trunc(x, 4)", x=node)
    if result.is_money and operator == "*" and left.is_money and right.is_money:
        return template("round(x, 4)", x=node)
    if result.name != "decimal":
        return node
    natural_scale = {"*": sum(t.as_decimal()[1] for t in (left, right))}.get(operator)
    if operator == "/":
        return _decimal_quotient(node, result)
    if operator in "+-%" or natural_scale == result.scale:
        return node  # PostgreSQL's exact result has SQL Server's scale already
    return cast(exp.paren(node), postgres_type(result.sql()))


def _decimal_quotient(node: exp.Binary, result: SqlType) -> exp.Expression:
    """PostgreSQL picks a quotient's scale from the operands (16 significant digits at least);
    SQL Server rounds it to its own scale: compute with guard digits, then round."""
    working = f"numeric(1000,{result.scale + _GUARD_DIGITS})"
    quotient = exp.Div(this=cast(node.this, working), expression=node.expression.copy())
    return cast(exp.paren(quotient, copy=False), postgres_type(result.sql()))


def exact_from_binary(tree: exp.Expression, context: RewriteContext) -> exp.Expression:
    """float/real converted to money or decimal keeps the binary value's digits and rounds: go
    through float8, whose conversion to numeric keeps 15 significant digits, where float4's
    keeps 6 (CAST(CAST(0.1 AS real) AS decimal(12,10)) is 0.1000000015).
    https://learn.microsoft.com/sql/t-sql/functions/cast-and-convert-transact-sql#truncating-and-rounding-results"""
    for node in bottom_up(tree, exp.Cast):
        target = context.type_of(node)
        if target is None or target.family != "exact" or context.family(node.this) != "approximate":
            continue
        if context.type_of(node.this).name == "real":
            node.set("this", cast(node.this, "double precision"))
    return tree


def datetime_as_number(tree: exp.Expression, context: RewriteContext) -> exp.Expression:
    """CAST(datetime AS float) is the number of days since 1900-01-01, the time as a fraction
    of a day (noon is .5), as datetime is stored.
    https://learn.microsoft.com/sql/t-sql/data-types/datetime-transact-sql"""
    for node in bottom_up(tree, exp.Cast):
        target = context.type_of(node)
        if target is None or target.family != "approximate" or context.family(node.this) != "datetime":
            continue
        days = template("extract(epoch from (x - cast('1900-01-01' as timestamp))) / 86400", x=node.this)
        node.set("this", days)
    return tree


def power_in_first_argument_type(tree: exp.Expression, context: RewriteContext) -> exp.Expression:
    """POWER(x, y) returns x's type: POWER(2, 0.5) is 1 (int, truncated), POWER(2.0, 0.5) is 1.4
    (decimal(38, 1)); PostgreSQL's power returns float8 or numeric of its own scale.
    https://learn.microsoft.com/sql/t-sql/functions/power-transact-sql"""
    for node in bottom_up(tree, exp.Pow):
        result = context.type_of(node)
        if result is None or result.family == "approximate":
            continue
        base = node.this if result.family != "exact" else cast(node.this, "numeric")
        computed = exp.Anonymous(this="power", expressions=[base.copy(), node.expression.copy()])
        if result.is_integer:
            computed = template("trunc(x)", x=computed)
        target = postgres_type(result.sql())
        node.replace(typed(cast(computed, target), result))
    return tree


def integer_average(tree: exp.Expression, context: RewriteContext) -> exp.Expression:
    """AVG over an integer expression returns an integer in SQL Server: the sum divided
    with integer division, truncated toward zero (AVG of 1 and 2 is 1).
    https://learn.microsoft.com/sql/t-sql/functions/avg-transact-sql"""
    for avg in bottom_up(tree, exp.Avg):
        argument = context.type_of(avg.this)
        if argument is None or argument.family not in ("integer", "bit"):
            continue
        target = avg.parent if isinstance(avg.parent, exp.Window) else avg
        truncated = exp.Anonymous(this="trunc", expressions=[target.copy()])
        average = context.type_of(avg)
        target.replace(typed(cast(truncated, postgres_type(average.sql())), average))
    return tree


def bit_comparisons(tree: exp.Expression, context: RewriteContext) -> exp.Expression:
    """A `bit` column compared with 1 or 0: bit becomes boolean, so compare with true/false.
    https://learn.microsoft.com/sql/t-sql/data-types/bit-transact-sql"""
    for comparison in tree.find_all(exp.EQ, exp.NEQ):
        for this, other in (("this", "expression"), ("expression", "this")):
            if context.family(comparison.args[this]) == "bit":
                _set_boolean_literal(comparison, other)
    for case in tree.find_all(exp.Case):
        if case.this is not None and context.family(case.this) == "bit":
            for branch in case.args.get("ifs") or []:
                _set_boolean_literal(branch, "this")
    return tree


def _set_boolean_literal(node: exp.Expression, arg: str) -> None:
    value = node.args.get(arg)
    if isinstance(value, exp.Literal) and not value.is_string and value.this in ("0", "1"):
        node.set(arg, exp.true() if value.this == "1" else exp.false())


def round_with_truncation(tree: exp.Expression, context: RewriteContext) -> exp.Expression:
    """ROUND(x, n, f) with f other than 0 truncates to n places instead of rounding.
    (ROUND itself rounds half away from zero in both systems.)
    https://learn.microsoft.com/sql/t-sql/functions/round-transact-sql"""
    for node in bottom_up(tree, exp.Round):
        function = node.args.get("truncate")
        if function is None:
            continue
        if not isinstance(function, exp.Literal) or function.is_string:
            raise error_at("ROUND(x, n, function) needs a literal function", node)
        node.set("truncate", None)
        if function.this.strip("0.") == "":
            continue
        value = cast(node.this, "numeric") if context.family(node.this) == "approximate" else node.this
        decimals = node.args.get("decimals") or exp.Literal.number(0)
        node.replace(exp.Anonymous(this="trunc", expressions=[value.copy(), decimals.copy()]))
    return tree
