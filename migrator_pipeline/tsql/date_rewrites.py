"""Rewrites for dates and times: datetime's 1/300-second ticks, the *FROMPARTS builders and ISDATE.

(DATEPART, DATEDIFF, DATEADD, CONVERT styles and integer dates are in rewrites.py and
date_query_rewrites.py.)
"""

from __future__ import annotations

from sqlglot import exp

from migrator_pipeline.tsql.rewrites import RewriteContext, _date_part, template
from migrator_pipeline.tsql.sqlserver_types import DATETIME, SqlType, typed
from migrator_pipeline.tsql.syntax import bottom_up

# datetime holds 1/300 s ticks, shown as .000, .003, .007: the fraction of a second rounded to
# ticks, then each tick shown as its millisecond (round(ticks * 10 / 3)).
_TICKS = ("date_trunc('second', x) + round(round(mod(extract(microseconds from x), 1000000) * 0.0003) * 10 / 3.0)"
          " * interval '1 millisecond'")
_FINER_THAN_TICKS = ("millisecond", "microsecond")


def datetime_ticks(tree: exp.Expression, context: RewriteContext) -> exp.Expression:
    """datetime is rounded to increments of .000, .003 or .007 seconds: '23:59:59.999' is the
    next day, '10:00:30.002' is 10:00:30.003, and DATEADD(millisecond, ...) lands on a tick too.
    https://learn.microsoft.com/sql/t-sql/data-types/datetime-transact-sql#rounding-of-datetime-fractional-second-precision"""
    for node in bottom_up(tree, exp.Cast, exp.TryCast, exp.DateAdd):
        if isinstance(node, exp.DateAdd):
            unit = node.args.get("unit")
            if _date_part(node, unit) not in _FINER_THAN_TICKS or context.family(node.this) != "datetime":
                continue
        else:
            target = node.to.meta.get("sqlserver_type") if node.to._meta else None  # written in the T-SQL
            source = context.type_of(node.this)
            if target is None or target.name != "datetime" or source is not None and source.name in ("datetime", "date"):
                continue
        replacement = typed(template(_TICKS, x=node), DATETIME)
        node.replace(replacement)
    return tree


def date_from_parts(tree: exp.Expression, context: RewriteContext) -> exp.Expression:
    """DATEFROMPARTS, DATETIMEFROMPARTS (milliseconds, rounded to datetime's ticks),
    DATETIME2FROMPARTS and TIMEFROMPARTS (fractions in units of 10^-precision),
    SMALLDATETIMEFROMPARTS: PostgreSQL's make_date/make_timestamp/make_time; NULL if any part is.
    https://learn.microsoft.com/sql/t-sql/functions/datefromparts-transact-sql
    https://learn.microsoft.com/sql/t-sql/functions/datetimefromparts-transact-sql
    https://learn.microsoft.com/sql/t-sql/functions/timefromparts-transact-sql"""
    for node in bottom_up(tree, exp.DateFromParts, exp.TimestampFromParts, exp.TimeFromParts, exp.Anonymous):
        replacement = _from_parts(node)
        if replacement is not None:
            node.replace(replacement)
    return tree


def _from_parts(node: exp.Expression) -> exp.Expression | None:
    parts = {k: v for k, v in node.args.items() if isinstance(v, exp.Expression)}
    if isinstance(node, exp.DateFromParts):
        return typed(template("make_date(y, m, d)", y=parts["year"], m=parts["month"], d=parts["day"]), SqlType("date"))
    if isinstance(node, exp.TimestampFromParts):
        args = _named(parts, ("year", "month", "day", "hour", "min", "sec", "milli"))
        built = template("make_timestamp(y, mo, d, h, mi, s + ms / 1000.0)", **args)
        return typed(template(_TICKS, x=built), DATETIME)
    if isinstance(node, exp.TimeFromParts):
        args = _named(parts, ("hour", "min", "sec", "fractions", "precision"))
        return typed(template("make_time(h, mi, s + f / power(10, p))", **args), SqlType("time"))
    name = node.name.lower() if isinstance(node, exp.Anonymous) else ""
    values = node.expressions if isinstance(node, exp.Anonymous) else []
    if name == "datetime2fromparts" and len(values) == 8:
        y, mo, d, h, mi, s, f, p = values
        formula = "make_timestamp(y, mo, d, h, mi, s + f / power(10, p))"
        return typed(template(formula, y=y, mo=mo, d=d, h=h, mi=mi, s=s, f=f, p=p), SqlType("datetime2"))
    if name == "smalldatetimefromparts" and len(values) == 5:
        y, mo, d, h, mi = values
        return typed(template("make_timestamp(y, mo, d, h, mi, 0)", y=y, mo=mo, d=d, h=h, mi=mi), SqlType("smalldatetime"))
    return None


def _named(parts: dict[str, exp.Expression], names: tuple[str, ...]) -> dict[str, exp.Expression]:
    short = {"year": "y", "month": "mo", "day": "d", "hour": "h", "min": "mi", "sec": "s", "milli": "ms",
             "fractions": "f", "precision": "p"}  # fmt: skip
    return {short[n]: parts.get(n, exp.Literal.number(0)) for n in names}


def is_date(tree: exp.Expression, context: RewriteContext) -> exp.Expression:
    """ISDATE(x) is 1 when x reads as a date or datetime, else 0 (NULL too). PostgreSQL's input
    syntax decides (MDY under us_english); SQL Server's own list of accepted spellings is wider
    (a year alone, '2024' is 1), a known difference.
    https://learn.microsoft.com/sql/t-sql/functions/isdate-transact-sql"""
    for node in bottom_up(tree, exp.Anonymous):
        if node.name.lower() != "isdate" or len(node.expressions) != 1:
            continue
        formula = "case when pg_input_is_valid(cast(x as text), 'timestamp') then 1 else 0 end"
        node.replace(typed(template(formula, x=node.expressions[0]), SqlType("int")))
    return tree
