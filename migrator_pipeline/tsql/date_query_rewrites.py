"""Semantic rewrites for dates and query shapes: T-SQL that parses, but whose meaning
PostgreSQL only keeps when the SQL changes.

sqlglot already gets these right when it parses T-SQL and generates PostgreSQL, so they need
no rewrite here (tests/tsql/test_queries_on_postgres.py checks their rows):
- `CROSS APPLY (subquery)` is `inner join lateral (...) on true`; `OUTER APPLY` is
  `left join lateral (...) on true`.
- Window functions (ROW_NUMBER, RANK, SUM OVER, LAG/LEAD with a default) keep their meaning;
  their ORDER BY gets the same explicit null ordering as a query's.
- `EOMONTH(d [, months])` is `date_trunc('month', ...) + 1 month - 1 day` as a date.
"""

from __future__ import annotations

import datetime as dt

from sqlglot import exp

from migrator_pipeline.tsql.identifiers import fold_identifier
from migrator_pipeline.tsql.rewrites import NUMBER_FAMILIES, TEMPORAL_FAMILIES, RewriteContext, cast, error_at, template
from migrator_pipeline.tsql.sqlserver_types import typed
from migrator_pipeline.tsql.syntax import bottom_up as _bottom_up
from migrator_pipeline.tsql.syntax import cte_named as _cte_named
from migrator_pipeline.tsql.syntax import table_key
from migrator_pipeline.tsql.syntax import unwrap_date_argument as _unwrap_date_argument

# ---------------------------------------------------------------------------
# PIVOT and UNPIVOT, static column lists.


def pivots(tree: exp.Expression, context: RewriteContext) -> exp.Expression:
    """`src PIVOT (AGG(v) FOR c IN ([a], [b])) AS p` is a grouped subquery: one
    `AGG(CASE WHEN c = 'a' THEN v END) AS a` per listed value, grouped by every other column
    of src. `src UNPIVOT (v FOR c IN (a, b)) AS u` is src joined to a VALUES row per listed
    column, without the rows whose value is NULL (UNPIVOT drops them).
    https://learn.microsoft.com/sql/t-sql/queries/from-using-pivot-and-unpivot"""
    for pivot in _bottom_up(tree, exp.Pivot):
        source = pivot.parent
        if not isinstance(source, (exp.Table, exp.Subquery)):
            raise error_at("PIVOT/UNPIVOT over this kind of source is not supported", pivot)
        if len(pivot.expressions) != 1 or len(pivot.args.get("fields") or []) != 1:
            raise error_at("PIVOT/UNPIVOT needs one value and one FOR ... IN (...) list", pivot)
        source.set("pivots", None)
        columns = _source_columns(source, context, pivot)
        alias = pivot.alias or "pvt"
        build = _unpivot_query if pivot.args.get("unpivot") else _pivot_query
        query = build(pivot, source.copy(), columns)
        source.replace(exp.Subquery(this=query, alias=exp.TableAlias(this=exp.to_identifier(alias))))
    return tree


def _source_columns(source: exp.Expression, context: RewriteContext, pivot: exp.Pivot) -> list[str]:
    """The folded column names of a PIVOT's source: its projections, or the table's columns."""
    query = source.this if isinstance(source, exp.Subquery) else None
    if isinstance(source, exp.Table):
        cte = _cte_named(source)
        if cte is not None:
            query = cte.this
        elif table_key(source) in context.column_types:
            return list(context.column_types[table_key(source)])
    if isinstance(query, exp.Select) and not any(isinstance(p, exp.Star) for p in query.expressions):
        return [fold_identifier(p.alias_or_name) for p in query.expressions]
    raise error_at("PIVOT/UNPIVOT needs a source whose columns are known (list them in a subquery)", pivot)


def _pivot_query(pivot: exp.Pivot, source: exp.Expression, columns: list[str]) -> exp.Select:
    (aggregate,) = pivot.expressions
    (field,) = pivot.args["fields"]
    value, spread = aggregate.this, field.this
    if not isinstance(value, exp.Column) or not isinstance(spread, exp.Column):
        raise error_at("PIVOT needs AGG(column) FOR column IN (...)", pivot)
    used = {fold_identifier(value.name), fold_identifier(spread.name)}
    groups = [exp.column(name) for name in columns if name not in used]
    spread_columns = []
    for listed in field.expressions:
        # An untyped literal takes the pivot column's type in PostgreSQL: 'a' or '2024'.
        when = exp.EQ(this=exp.column(spread.name), expression=exp.Literal.string(listed.name))
        picked = exp.Case(ifs=[exp.If(this=when, true=exp.column(value.name))])
        spread_aggregate = aggregate.copy()
        spread_aggregate.set("this", picked)
        spread_columns.append(exp.alias_(spread_aggregate, exp.to_identifier(listed.name, quoted=True)))
    query = exp.select(*groups, *spread_columns).from_(source)
    return query.group_by(*(g.copy() for g in groups)) if groups else query


def _unpivot_query(pivot: exp.Pivot, source: exp.Expression, columns: list[str]) -> exp.Select:
    (value,) = pivot.expressions
    (field,) = pivot.args["fields"]
    name = field.this
    listed = [column.name for column in field.expressions]
    source_alias = source.alias_or_name
    folded_listed = {fold_identifier(c) for c in listed}
    kept = [exp.column(c, table=source_alias) for c in columns if c not in folded_listed]
    rows = [exp.Tuple(expressions=[exp.Literal.string(c), exp.column(c, table=source_alias)]) for c in listed]
    pair = exp.TableAlias(this=exp.to_identifier("unpivoted"), columns=[name.copy(), value.copy()])
    lateral = exp.Lateral(this=exp.Subquery(this=exp.Values(expressions=rows)), alias=pair)
    value_column = exp.column(value.name, table="unpivoted")
    query = exp.select(*kept, exp.column(name.name, table="unpivoted"), value_column)
    query = query.from_(source).join(exp.Join(this=lateral, kind="CROSS"))
    return query.where(exp.Not(this=exp.Is(this=value_column.copy(), expression=exp.Null())))


# ---------------------------------------------------------------------------
# Query shapes.


def recursive_ctes(tree: exp.Expression, context: RewriteContext) -> exp.Expression:
    """A CTE that reads itself is recursive: SQL Server infers it, PostgreSQL needs
    `WITH RECURSIVE` (which then covers every CTE of that WITH).
    https://learn.microsoft.com/sql/t-sql/queries/with-common-table-expression-transact-sql"""
    for with_ in tree.find_all(exp.With):
        if any(_reads_itself(cte) for cte in with_.expressions):
            with_.set("recursive", True)
    return tree


def _reads_itself(cte: exp.CTE) -> bool:
    name = fold_identifier(cte.alias)
    return any(not t.db and fold_identifier(t.name) == name for t in cte.this.find_all(exp.Table))


def choose(tree: exp.Expression, context: RewriteContext) -> exp.Expression:
    """CHOOSE(i, a, b, ...) is the i-th value, NULL when i is out of range: a simple CASE.
    https://learn.microsoft.com/sql/t-sql/functions/logical-functions-choose-transact-sql"""
    for call in _bottom_up(tree, exp.Anonymous):
        if call.name.lower() != "choose" or len(call.expressions) < 2:
            continue
        index, *values = call.expressions
        if context.family(index) in ("exact", "approximate"):  # the index converts to int: truncated
            index = exp.Anonymous(this="trunc", expressions=[index.copy()])
        branches = [exp.If(this=exp.Literal.number(i), true=v.copy()) for i, v in enumerate(values, 1)]
        call.replace(exp.Case(this=index.copy(), ifs=branches))
    return tree


# ---------------------------------------------------------------------------
# Dates.

# DATENAME's part as sqlglot's parser leaves it (a strftime format), and the part it was.
# The parser maps `dy` and `y` (day of year in SQL Server) to the year's format: they come
# out as the year here, a known limit.
_DATENAME_FORMATS = {
    "%Y": "year", "%y": "year", "quarter": "quarter", "qq": "quarter", "q": "quarter",
    "%j": "dayofyear", "%d": "day", "%-d": "day", "%W": "week", "%h": "hour", "%I": "hour",
    "%M": "minute", "%S": "second", "%-S": "second", "%f": "millisecond", "%V": "iso_week",
}  # fmt: skip
# Names are English (us_english); FM drops the blank padding to nine characters.
_DATENAME_NAMES = {"%B": "FMMonth", "%A": "FMDay"}


def date_names(tree: exp.Expression, context: RewriteContext) -> exp.Expression:
    """DATENAME(month|weekday, d) is the English name ('June', 'Sunday'); for the other parts
    it is DATEPART's number as text ('2', not '02'). Runs before `date_parts`, which then
    computes those numbers. https://learn.microsoft.com/sql/t-sql/functions/datename-transact-sql"""
    for node in _bottom_up(tree, exp.TimeToStr):
        argument = node.this
        # DATENAME's builder wraps its date in CAST(... AS datetime2); FORMAT's does not.
        if not isinstance(argument, exp.Cast) or not argument.to.is_type(exp.DataType.Type.DATETIME2):
            continue
        written = node.args["format"].name
        value = _unwrap_date_argument(argument.this)
        if written in _DATENAME_NAMES:
            pattern = exp.Literal.string(_DATENAME_NAMES[written])
            node.replace(exp.Anonymous(this="to_char", expressions=[cast(value, "timestamp"), pattern]))
        elif written in _DATENAME_FORMATS:
            part = exp.Var(this=_DATENAME_FORMATS[written])
            node.replace(cast(exp.Extract(this=part, expression=value.copy()), "text"))
        else:
            raise error_at("DATENAME of this date part is not supported", node)
    return tree


_DAY_ZERO = dt.date(1900, 1, 1)


def integer_dates(tree: exp.Expression, context: RewriteContext) -> exp.Expression:
    """A number where a datetime is expected counts days from 1900-01-01 (0 is 1900-01-01),
    so `DATEADD(month, DATEDIFF(month, 0, d), 0)` is the first of d's month.
    https://learn.microsoft.com/sql/t-sql/data-types/datetime-transact-sql
    https://learn.microsoft.com/sql/t-sql/functions/dateadd-transact-sql"""
    for node in _bottom_up(tree, exp.DateAdd, exp.DateDiff, exp.Year, exp.Month, exp.Day, exp.LastDay):
        for slot in ("this", "expression") if isinstance(node, exp.DateDiff) else ("this",):
            value = _unwrap_date_argument(node.args[slot])
            if context.family(value) in NUMBER_FAMILIES:
                node.set(slot, _days_since_1900(value))
    for node in _bottom_up(tree, exp.Cast):
        # CAST(n AS datetime) (data_types made it timestamp); a number cannot become a date
        if node.to.is_type(exp.DataType.Type.TIMESTAMP) and context.family(node.this) in NUMBER_FAMILIES:
            node.replace(_days_since_1900(node.this))
    for node in _bottom_up(tree, exp.Extract):
        value = _unwrap_date_argument(node.expression)
        if context.family(value) in NUMBER_FAMILIES:
            node.set("expression", _days_since_1900(value))
    return tree


def _days_since_1900(days: exp.Expression) -> exp.Expression:
    if isinstance(days, exp.Literal) and days.this.lstrip("-").isdigit():
        day = _DAY_ZERO + dt.timedelta(days=int(days.this))
        return cast(exp.Literal.string(day.isoformat()), "timestamp")
    # parenthesised: a later rewrite may turn `days` into an operator (DATEDIFF is `b - a`)
    return template("cast('1900-01-01' as timestamp) + n * interval '1 day'", n=exp.paren(days.copy(), copy=False))


def datetime_day_arithmetic(tree: exp.Expression, context: RewriteContext) -> exp.Expression:
    """`datetime + n` and `datetime - n` add or subtract n days (fractions are parts of a
    day: + 0.5 is twelve hours); PostgreSQL has no timestamp + integer, so n becomes days.
    `datetime - datetime` is a datetime too: the difference counted from 1900-01-01
    (PostgreSQL's is an interval).
    https://learn.microsoft.com/sql/t-sql/language-elements/add-transact-sql"""
    for node in _bottom_up(tree, exp.Add, exp.Sub):
        left, right = context.family(node.left), context.family(node.right)
        numbers = NUMBER_FAMILIES
        if left == right == "datetime":  # the difference (or sum) counted from 1900-01-01
            formula = "cast('1900-01-01' as timestamp) + (a - b)" if isinstance(node, exp.Sub) else (
                "a + (b - cast('1900-01-01' as timestamp))")
            node.replace(typed(template(formula, a=node.left, b=node.right), context.type_of(node)))
            continue
        if left == "datetime" and right in numbers and not node.right.find(exp.Interval):
            node.set("expression", _days(node.right))
        elif isinstance(node, exp.Add) and right == "datetime" and left in numbers and not node.left.find(exp.Interval):
            node.set("this", _days(node.left))
    return tree


def _days(count: exp.Expression) -> exp.Expression:
    if isinstance(count, exp.Literal) and count.this.isdigit():
        return exp.Interval(this=exp.Literal.string(f"{count.this} day"))
    factor = exp.paren(count.copy(), copy=False) if isinstance(count, exp.Binary) else count.copy()
    return exp.Mul(this=factor, expression=exp.Interval(this=exp.Literal.string("1 day")))


# ---------------------------------------------------------------------------
# TRY_CAST and TRY_CONVERT.

# SQL Server reads an integer or decimal from text with an optional sign, digits and one
# point, spaces around: not '1e3', 'NaN', '0x1F' or '1_000', which PostgreSQL's input accepts.
_PLAIN_NUMBER = r"^\s*[-+]?([0-9]+\.?[0-9]*|\.[0-9]+)\s*$"


def _plain_number(text: exp.Expression) -> exp.Expression:
    return exp.RegexpLike(this=text.copy(), expression=exp.Literal.string(_PLAIN_NUMBER))

_NUMBER_AND_DATE_FAMILIES = (*NUMBER_FAMILIES, *TEMPORAL_FAMILIES)


def try_casts(tree: exp.Expression, context: RewriteContext) -> exp.Expression:
    """TRY_CAST / TRY_CONVERT return NULL where CAST would fail. PostgreSQL has no try-cast;
    text that PostgreSQL cannot read as the target type is caught beforehand with
    `pg_input_is_valid` (PostgreSQL 16+): `CAST(CASE WHEN pg_input_is_valid(x, 'int') THEN
    x END AS int)`. What counts as valid is PostgreSQL's input syntax for the type, which
    agrees with SQL Server's for numbers and ISO dates; other date spellings follow the
    server's DateStyle (MDY by default, as us_english). Only text (or unknown) sources are guarded: a number or date
    converts or fails the same way in both systems. Runs after `data_types`, so the target
    is already the PostgreSQL type.
    https://learn.microsoft.com/sql/t-sql/functions/try-cast-transact-sql"""
    for node in _bottom_up(tree, exp.TryCast):
        target = node.to
        plain = exp.Cast(this=node.this.copy(), to=target.copy())
        source_kind = context.family(_unwrap_date_argument(node.this))
        if context.family(plain) not in _NUMBER_AND_DATE_FAMILIES or source_kind not in ("string", None):
            node.replace(plain)
            continue
        text = node.this.copy() if source_kind == "string" else cast(node.this, "text")
        type_name = exp.Literal.string(target.sql(dialect="postgres").lower())
        valid = exp.Anonymous(this="pg_input_is_valid", expressions=[text, type_name])
        if context.family(plain) in ("integer", "exact"):
            valid = exp.and_(valid, _plain_number(text), copy=False)
        # The cast goes outside the CASE: PostgreSQL converts a constant inside it while
        # planning, before the guard runs.
        node.replace(exp.Cast(this=exp.Case(ifs=[exp.If(this=valid, true=text.copy())]), to=target.copy()))
    return tree
