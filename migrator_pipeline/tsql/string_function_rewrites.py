"""String functions PostgreSQL lacks or reads differently: STR, QUOTENAME, SPACE, and strings
meeting numbers in CASE and COALESCE."""

from __future__ import annotations

from sqlglot import exp

from migrator_pipeline.tsql.rewrites import RewriteContext, template
from migrator_pipeline.tsql.sqlserver_types import SqlType, typed
from migrator_pipeline.tsql.syntax import bottom_up
from migrator_pipeline.tsql.types import postgres_type

_STR_DEFAULTS = (exp.Literal.number(10), exp.Literal.number(0))
_QUOTES = {"[": ("[", "]"), "]": ("[", "]"), "'": ("'", "'"), '"': ('"', '"'), "`": ("`", "`"),
           "(": ("(", ")"), ")": ("(", ")"), "<": ("<", ">"), ">": ("<", ">"), "{": ("{", "}"), "}": ("{", "}")}  # fmt: skip


def str_function(tree: exp.Expression, context: RewriteContext) -> exp.Expression:
    """STR(x [, length [, decimals]]) is x rounded to `decimals` places (0 by default), right-
    aligned in `length` characters (10 by default); asterisks when it does not fit.
    https://learn.microsoft.com/sql/t-sql/functions/str-transact-sql"""
    for node in bottom_up(tree, exp.Anonymous):
        if node.name.lower() != "str" or not 1 <= len(node.expressions) <= 3:
            continue
        value, length, decimals = [*node.expressions, *_STR_DEFAULTS[len(node.expressions) - 1 :]][:3]
        formula = ("case when x is null then null"
                   " when char_length(cast(round(cast(x as numeric), d) as text)) > n then repeat('*', n)"
                   " else lpad(cast(round(cast(x as numeric), d) as text), n) end")
        node.replace(typed(template(formula, x=value, n=length, d=decimals), SqlType("varchar", length=8000)))
    return tree


def quotename(tree: exp.Expression, context: RewriteContext) -> exp.Expression:
    """QUOTENAME(s [, q]) delimits s with brackets (or the quote q), doubling the closing
    delimiter inside; NULL for more than 128 characters.
    https://learn.microsoft.com/sql/t-sql/functions/quotename-transact-sql"""
    for node in bottom_up(tree, exp.Anonymous):
        if node.name.lower() != "quotename" or not 1 <= len(node.expressions) <= 2:
            continue
        quote = node.expressions[1] if len(node.expressions) == 2 else exp.Literal.string("[")
        if not isinstance(quote, exp.Literal) or quote.this not in _QUOTES:
            continue
        opening, closing = _QUOTES[quote.this]
        formula = "case when char_length(s) > 128 then null else o || replace(s, c, cc) || c end"
        parts = {"s": node.expressions[0], "o": exp.Literal.string(opening), "c": exp.Literal.string(closing),
                 "cc": exp.Literal.string(closing * 2)}  # fmt: skip
        node.replace(typed(template(formula, **parts), SqlType("nvarchar", length=258)))
    return tree


def space_negative_is_null(tree: exp.Expression, context: RewriteContext) -> exp.Expression:
    """SPACE(n) is NULL for a negative n; PostgreSQL's repeat gives ''.
    https://learn.microsoft.com/sql/t-sql/functions/space-transact-sql"""
    for node in bottom_up(tree, exp.Space):
        formula = "case when n < 0 then null else repeat(' ', n) end"
        node.replace(typed(template(formula, n=node.this), SqlType("varchar", length=8000)))
    return tree


def branches_in_result_type(tree: exp.Expression, context: RewriteContext) -> exp.Expression:
    """CASE and COALESCE take the branch type of highest precedence; a string branch then
    converts to it: COALESCE('  ', 1) is 0 (blanks convert to 0), CASE WHEN ... THEN 1 ELSE
    '2' END is an int. PostgreSQL would instead make every branch text, or fail.
    https://learn.microsoft.com/sql/t-sql/language-elements/case-transact-sql
    https://learn.microsoft.com/sql/t-sql/functions/coalesce-transact-sql"""
    for node in bottom_up(tree, exp.Case, exp.Coalesce, exp.If):
        if isinstance(node, exp.Coalesce) and node.args.get("is_null"):
            continue
        result = context.type_of(node)
        if result is None or not result.is_number:
            continue
        for branch in _branches(node):
            if context.family(branch) == "string":
                branch.replace(_string_as_number(branch, result))
        typed(node, result)
    return tree


def _branches(node: exp.Expression) -> list[exp.Expression]:
    if isinstance(node, exp.Coalesce):
        return [node.this, *node.expressions]
    if isinstance(node, exp.If):
        return [b for b in (node.args.get("true"), node.args.get("false")) if b is not None]
    return [b for b in (*(i.args.get("true") for i in node.args.get("ifs") or []), node.args.get("default")) if b is not None]


def _string_as_number(value: exp.Expression, number: SqlType) -> exp.Expression:
    """A string converted to a number: blanks are 0; the text is cast at run time (a literal
    cast when PostgreSQL plans would fail even in a branch that is never taken)."""
    target = "numeric" if number.family == "exact" else postgres_type(number.sql())
    formula = f"case when trim(x) = '' then 0 else cast(cast(x as text) as {target}) end"
    return template(formula, x=value)


