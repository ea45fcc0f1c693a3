"""Rewrites for dates and times: DATEPART, DATEDIFF, DATEADD, DATENAME, integer dates, datetime
arithmetic and its 1/300-second ticks, the *FROMPARTS builders and ISDATE.

(`EOMONTH(d [, months])` needs no rewrite: sqlglot writes `date_trunc('month', ...) + 1 month - 1 day`.)
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import ROUND_HALF_UP, Decimal

from sqlglot import exp

from migrator_pipeline.tsql.rewrites import (
    NUMBER_FAMILIES,
    TEMPORAL_FAMILIES,
    RewriteContext,
    cast,
    error_at,
    template,
)
from migrator_pipeline.tsql.sqlserver_types import (
    DATE,
    DATETIME,
    SqlType,
    typed,
)
from migrator_pipeline.tsql.syntax import bottom_up, unwrap_date_argument

# SQL Server's date part names and abbreviations, and sqlglot's names for them.
_DATE_PARTS = {
    **dict.fromkeys(("year", "yy", "yyyy"), "year"),
    **dict.fromkeys(("quarter", "qq", "q"), "quarter"),
    **dict.fromkeys(("month", "mm", "m"), "month"),
    **dict.fromkeys(("dayofyear", "dy", "y", "doy"), "dayofyear"),
    **dict.fromkeys(("day", "dd", "d"), "day"),
    **dict.fromkeys(("week", "wk", "ww"), "week"),
    **dict.fromkeys(("weekday", "dw", "w", "dayofweek", "dow"), "weekday"),
    **dict.fromkeys(("hour", "hh"), "hour"),
    **dict.fromkeys(("minute", "mi", "n"), "minute"),
    **dict.fromkeys(("second", "ss", "s"), "second"),
    **dict.fromkeys(("millisecond", "ms"), "millisecond"),
    **dict.fromkeys(("microsecond", "mcs"), "microsecond"),
    **dict.fromkeys(("iso_week", "isowk", "isoww", "weekiso"), "iso_week"),
}


def _date_part(node: exp.Expression, unit: exp.Expression | None) -> str:
    text = (unit.name if unit is not None else "").lower()
    if text not in _DATE_PARTS:
        raise error_at(f"date part {text or '?'!r} is not supported in {node.key.upper()}", node)
    return _DATE_PARTS[text]


# Extracting these from a date gives what DATEPART gives; the others need a formula.
_EXTRACT_FIELD = {
    "year": "year", "quarter": "quarter", "month": "month", "dayofyear": "doy", "day": "day",
    "hour": "hour", "minute": "minute", "iso_week": "week",
}  # fmt: skip


_DATEPART_FORMULA = {
    # Under SET DATEFIRST 7 (the us_english default) Sunday is 1.
    "weekday": "cast(extract(dow from d) as int) + 1",
    # Week 1 holds January 1st; weeks start on Sunday.
    "week": "(cast(extract(doy from d) as int) + cast(extract(dow from date_trunc('year', d)) as int) - 1) / 7 + 1",
    "second": "cast(floor(extract(second from d)) as int)",
    "millisecond": "cast(floor(extract(milliseconds from d)) as int) % 1000",
    "microsecond": "cast(floor(extract(microseconds from d)) as int) % 1000000",
}


def date_parts(tree: exp.Expression, context: RewriteContext) -> exp.Expression:
    """DATEPART, YEAR, MONTH and DAY return integers: extract() returns numeric, so cast;
    weekday, week and the fractions of a second follow SQL Server's own definitions.
    https://learn.microsoft.com/sql/t-sql/functions/datepart-transact-sql"""
    for node in bottom_up(tree, exp.Extract, exp.Year, exp.Month, exp.Day):
        if isinstance(node, exp.Extract):
            part, argument = _date_part(node, node.this), node.expression
        else:
            part, argument = node.key, node.this
        node.replace(_date_part_expression(part, as_temporal(argument, context), node))
    return tree


def _date_part_expression(part: str, value: exp.Expression, node: exp.Expression) -> exp.Expression:
    if part in _DATEPART_FORMULA:
        return template(_DATEPART_FORMULA[part], d=value)
    if part in _EXTRACT_FIELD:
        return template(f"cast(extract({_EXTRACT_FIELD[part]} from d) as int)", d=value)
    raise error_at(f"DATEPART({part}, ...) is not supported", node)


# Operands whose type the warehouse (columns) or the caller (macro parameters) decides.
_TYPED_ELSEWHERE = (exp.Column, exp.Parameter)


def as_temporal(node: exp.Expression, context: RewriteContext) -> exp.Expression:
    """A date/time operand: string literals (and values of unknown kind) become timestamps."""
    node = unwrap_date_argument(node)
    if context.family(node) in TEMPORAL_FAMILIES:
        return node
    if isinstance(node, _TYPED_ELSEWHERE) and context.family(node) is None:
        return node  # typed in the warehouse or the macro's caller: no cast needed
    if isinstance(node, exp.Literal) and node.is_string and _TIME_ONLY.match(node.this):
        # a time alone converts to that time on 1900-01-01
        return cast(exp.Literal.string(f"1900-01-01 {node.this.strip()}"), "timestamp")
    return cast(node, "timestamp")


_TIME_ONLY = re.compile(r"^\s*\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?\s*([ap]m)?\s*$", re.IGNORECASE)


def _as_date(node: exp.Expression, context: RewriteContext) -> exp.Expression:
    node = unwrap_date_argument(node)
    return node if context.family(node) == "date" else cast(node, "date")


def _as_timestamp(node: exp.Expression, context: RewriteContext) -> exp.Expression:
    node = unwrap_date_argument(node)
    return node if context.family(node) == "datetime" else cast(node, "timestamp")


# DATEDIFF counts the boundaries of `part` crossed between a and b.
_DATEDIFF_FORMULA = {
    "year": "cast(extract(year from b) - extract(year from a) as int)",
    "quarter": "cast((extract(year from b) * 4 + extract(quarter from b)) - (extract(year from a) * 4 + extract(quarter from a)) as int)",
    "month": "cast((extract(year from b) * 12 + extract(month from b)) - (extract(year from a) * 12 + extract(month from a)) as int)",
    "day": "b - a",
    # Week boundaries are Sundays, whatever SET DATEFIRST says.
    "week": "((b - cast(extract(dow from b) as int)) - (a - cast(extract(dow from a) as int))) / 7",
}


_DATEDIFF_SECONDS = {"hour": 3600, "minute": 60, "second": 1}


_DATEDIFF_FRACTIONS = {"millisecond": ("milliseconds", 1000), "microsecond": ("microseconds", 1000000)}


def date_differences(tree: exp.Expression, context: RewriteContext) -> exp.Expression:
    """DATEDIFF counts boundaries crossed, not elapsed time: DATEDIFF(year, '2024-12-31',
    '2025-01-01') is 1, DATEDIFF(day, '2024-01-01 23:59', '2024-01-02 00:01') is 1.
    https://learn.microsoft.com/sql/t-sql/functions/datediff-transact-sql"""
    for node in bottom_up(tree, exp.DateDiff):
        part = _date_part(node, node.args.get("unit"))
        start, end = node.expression, node.this
        difference = _date_difference(part, start, end, context, node)
        if node.args.get("big_int"):  # DATEDIFF_BIG returns bigint: widen before it overflows int
            difference = cast(difference.this if isinstance(difference, exp.Cast) else difference, "bigint")
        node.replace(difference)
    return tree


def _date_difference(part: str, start, end, context: RewriteContext, node) -> exp.Expression:
    part = {"dayofyear": "day", "weekday": "day"}.get(part, part)
    if part in ("day", "week"):
        return template(_DATEDIFF_FORMULA[part], a=_as_date(start, context), b=_as_date(end, context))
    if part in _DATEDIFF_FORMULA:
        return template(_DATEDIFF_FORMULA[part], a=as_temporal(start, context), b=as_temporal(end, context))
    a, b = _as_timestamp(start, context), _as_timestamp(end, context)
    if part in _DATEDIFF_SECONDS:
        per_unit = f" / {_DATEDIFF_SECONDS[part]}" if _DATEDIFF_SECONDS[part] != 1 else ""
        formula = f"cast(extract(epoch from date_trunc('{part}', b) - date_trunc('{part}', a)){per_unit} as int)"
        return template(formula, a=a, b=b)
    if part in _DATEDIFF_FRACTIONS:
        unit, per_second = _DATEDIFF_FRACTIONS[part]
        formula = f"cast(extract(epoch from date_trunc('{unit}', b) - date_trunc('{unit}', a)) * {per_second} as bigint)"
        return template(formula, a=a, b=b)
    raise error_at(f"DATEDIFF({part}, ...) is not supported", node)


# DATEADD's parts as PostgreSQL intervals: (count of units per part, unit).
_INTERVAL = {
    "year": (1, "year"), "quarter": (3, "month"), "month": (1, "month"), "week": (7, "day"),
    "day": (1, "day"), "dayofyear": (1, "day"), "weekday": (1, "day"), "hour": (1, "hour"),
    "minute": (1, "minute"), "second": (1, "second"), "millisecond": (1, "millisecond"),
    "microsecond": (1, "microsecond"),
}  # fmt: skip


def date_additions(tree: exp.Expression, context: RewriteContext) -> exp.Expression:
    """DATEADD(part, n, d) adds n parts and keeps the type of d; adding months clamps to the
    month's end (DATEADD(month, 1, '2024-01-31') is 2024-02-29), as PostgreSQL's interval
    arithmetic does. A string d is read as datetime.
    https://learn.microsoft.com/sql/t-sql/functions/dateadd-transact-sql"""
    for node in bottom_up(tree, exp.DateAdd):
        part = _date_part(node, node.args.get("unit"))
        if part not in _INTERVAL:
            raise error_at(f"DATEADD({part}, ...) is not supported", node)
        per_part, unit = _INTERVAL[part]
        value = unwrap_date_argument(node.this)
        kind = context.family(value)
        start = value if kind in TEMPORAL_FAMILIES or isinstance(value, _TYPED_ELSEWHERE) else cast(value, "timestamp")
        added = exp.Add(this=start.copy(), expression=_interval(node.expression, per_part, unit))
        start_type = context.type_of(value) if kind in TEMPORAL_FAMILIES or isinstance(value, _TYPED_ELSEWHERE) else DATETIME
        node.replace(typed(cast(added, "date"), DATE) if kind == "date" else typed(added, start_type))
    return tree


def _interval(count: exp.Expression, per_part: int, unit: str) -> exp.Expression:
    """`interval 'n unit'` for a literal count, else `count * interval 'k unit'`."""
    literal = count.this if isinstance(count, exp.Neg) else count
    if isinstance(literal, exp.Literal) and not literal.is_string:
        # DATEADD truncates a fractional number toward zero.
        units = int(float(literal.this)) * per_part * (-1 if literal is not count else 1)
        return exp.Interval(this=exp.Literal.string(f"{units} {unit}"))
    step = exp.Interval(this=exp.Literal.string(f"{per_part} {unit}"))
    factor = exp.paren(count.copy(), copy=False) if isinstance(count, exp.Binary) else count.copy()
    return exp.Mul(this=factor, expression=step)


def local_timestamps(tree: exp.Expression, context: RewriteContext) -> exp.Expression:
    """GETDATE(), SYSDATETIME() and CURRENT_TIMESTAMP return the server's local time without
    a time zone: PostgreSQL's localtimestamp, not current_timestamp (timestamptz).
    GETUTCDATE() and SYSUTCDATETIME() are UTC, also without a time zone.
    https://learn.microsoft.com/sql/t-sql/functions/getdate-transact-sql"""
    for node in list(tree.find_all(exp.CurrentTimestamp, exp.Anonymous)):
        if isinstance(node, exp.CurrentTimestamp):
            node.replace(exp.Localtimestamp())
        elif node.name.lower() in ("getutcdate", "sysutcdatetime"):
            node.replace(template("timezone('utc', now())"))
    return tree


# DATENAME's part as sqlglot's parser leaves it (a strftime format), and the part it was.
# (`dy` and `y`, which the parser would misread, are spelled out by syntax.SqlServer.tokenize.)
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
    for node in bottom_up(tree, exp.TimeToStr):
        argument = node.this
        # DATENAME's builder wraps its date in CAST(... AS datetime2); FORMAT's does not.
        if not isinstance(argument, exp.Cast) or not argument.to.is_type(exp.DataType.Type.DATETIME2):
            continue
        written = node.args["format"].name
        value = unwrap_date_argument(argument.this)
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
    for node in bottom_up(tree, exp.DateAdd, exp.DateDiff, exp.Year, exp.Month, exp.Day, exp.LastDay):
        for slot in ("this", "expression") if isinstance(node, exp.DateDiff) else ("this",):
            value = unwrap_date_argument(node.args[slot])
            if context.family(value) in NUMBER_FAMILIES:
                node.set(slot, _days_since_1900(value))
    for node in bottom_up(tree, exp.Cast):
        # CAST(n AS datetime) (data_types made it timestamp); a number cannot become a date
        if node.to.is_type(exp.DataType.Type.TIMESTAMP) and context.family(node.this) in NUMBER_FAMILIES:
            node.replace(_days_since_1900(node.this))
    for node in bottom_up(tree, exp.Extract):
        value = unwrap_date_argument(node.expression)
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
    for node in bottom_up(tree, exp.Add, exp.Sub):
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


# datetime holds 1/300 s ticks, shown as .000, .003, .007: the fraction of a second rounded to
# ticks, then each tick shown as its millisecond (round(ticks * 10 / 3)).
_TICKS = ("date_trunc('second', x) + round(round(mod(extract(microseconds from x), 1000000) * 0.0003) * 10 / 3.0)"
          " * interval '1 millisecond'")


# smalldatetime rounds to the minute: 29.998 seconds or less down, 29.999 or more up.
# https://learn.microsoft.com/sql/t-sql/data-types/smalldatetime-transact-sql
_MINUTES = "date_trunc('minute', x + interval '30.001 seconds')"
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
            if target is not None and target.name == "smalldatetime" and (source is None or source.name != "smalldatetime"):
                node.replace(typed(template(_MINUTES, x=node), target))
                continue
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
    """ISDATE(x) is 1 when x reads as a date or datetime, else 0 (NULL too). A string of four
    digits alone is a year (January 1st); otherwise PostgreSQL's input syntax decides (MDY under
    us_english), where SQL Server's own list of spellings may differ in rare forms.
    https://learn.microsoft.com/sql/t-sql/functions/isdate-transact-sql
    https://learn.microsoft.com/sql/t-sql/data-types/datetime-transact-sql (unseparated strings)"""
    for node in bottom_up(tree, exp.Anonymous):
        if node.name.lower() != "isdate" or len(node.expressions) != 1:
            continue
        # datetime starts in 1753: an earlier date is no date to ISDATE
        formula = ("case when trim(cast(x as text)) ~ '^[0-9]{4}$' then case when"
                   " cast(trim(cast(x as text)) as int) >= 1753 then 1 else 0 end"
                   " when pg_input_is_valid(cast(x as text), 'timestamp') then case when"
                   " extract(year from cast(cast(x as text) as timestamp)) >= 1753 then 1 else 0 end else 0 end")
        node.replace(typed(template(formula, x=node.expressions[0]), SqlType("int")))
    return tree


_FRACTIONAL_LITERAL = re.compile(r"^\s*(\d{4}-\d{2}-\d{2})[ T](\d{1,2}:\d{2}:\d{2})\.(\d{1,7})\s*$")
_COMPARED = (exp.EQ, exp.NEQ, exp.GT, exp.GTE, exp.LT, exp.LTE)


def datetime_literals_to_ticks(tree: exp.Expression, context: RewriteContext) -> exp.Expression:
    """A string compared with a datetime converts to datetime first, so it lands on a tick:
    `OrderDate <= '1997-12-31 23:59:59.999'` is `<= '1998-01-01 00:00:00'`, and takes in the
    orders of midnight, January 1st. The literal is rounded here and now.
    https://learn.microsoft.com/sql/t-sql/data-types/datetime-transact-sql#rounding-of-datetime-fractional-second-precision"""
    for node in bottom_up(tree, *_COMPARED, exp.Between):
        keys = ("this", "low", "high") if isinstance(node, exp.Between) else ("this", "expression")
        values = [node.args.get(k) for k in keys]
        if not any(getattr(context.type_of(v), "name", None) == "datetime" for v in values if v is not None):
            continue
        for key, value in zip(keys, values):
            rounded = _on_tick(value.this) if isinstance(value, exp.Literal) and value.is_string else None
            if rounded is not None:
                node.set(key, exp.Literal.string(rounded))
    return tree


def _on_tick(text: str) -> str | None:
    match = _FRACTIONAL_LITERAL.match(text)
    if not match:
        return None
    whole = dt.datetime.fromisoformat(f"{match[1]} {match[2]:0>8}")
    fraction_ms = Decimal(int(match[3].ljust(7, "0"))) / 10_000
    ticks = (fraction_ms * Decimal("0.3")).to_integral_value(ROUND_HALF_UP)
    milliseconds = int((ticks * 10 / 3).to_integral_value(ROUND_HALF_UP))
    return (whole + dt.timedelta(milliseconds=milliseconds)).isoformat(sep=" ", timespec="milliseconds")
