"""Semantic rewrites: T-SQL behaviour that PostgreSQL only keeps when the SQL changes.

Each rewrite is a small function over a sqlglot tree parsed with `read="tsql"`; `rewrite_order.REWRITES`
composes them in order, and `translate.py` generates PostgreSQL from the result.

sqlglot already gets some T-SQL right when it parses, and those need no rewrite here:
- `ISNULL(a, b)` parses as `Coalesce`, generated as `coalesce(a, b)`.
- `IIF(c, a, b)` parses as `If`, generated as `case when c then a else b end`.
- ORDER BY: the parser marks T-SQL's null ordering (NULLs are the lowest value: first
  ascending, last descending) on every `Ordered`, and the PostgreSQL generator writes it
  out as `nulls first` / `nulls last`, since PostgreSQL's default is the opposite.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import sqlglot
from sqlglot import exp

from migrator_pipeline.tsql.sqlserver_types import DATE, DATETIME, SqlType, Typing, type_of_datatype, typed
from migrator_pipeline.tsql.syntax import bottom_up as _bottom_up
from migrator_pipeline.tsql.syntax import unwrap_date_argument as _unwrap_date_argument
from migrator_pipeline.tsql.types import UnknownTypeError, postgres_type


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


# ---------------------------------------------------------------------------
# What the rewrites know beyond the tree.

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


# ---------------------------------------------------------------------------
# Building PostgreSQL fragments.


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


# ---------------------------------------------------------------------------
# The rewrites, in the order they run.

Rewrite = Callable[[exp.Expression, RewriteContext], exp.Expression]


def drop_table_hints(tree: exp.Expression, context: RewriteContext) -> exp.Expression:
    """Drop table hints such as `WITH (NOLOCK)`: PostgreSQL's MVCC never blocks readers,
    and the hints change locking, not results (NOLOCK's dirty reads are not reproduced).
    https://learn.microsoft.com/sql/t-sql/queries/hints-transact-sql-table"""
    for table in tree.find_all(exp.Table):
        table.set("hints", None)
    return tree


def string_concatenation(tree: exp.Expression, context: RewriteContext) -> exp.Expression:
    """`+` between strings concatenates in SQL Server, and a NULL operand makes the result
    NULL, as PostgreSQL's `||` does. Between a string and a number the number's type wins
    (data type precedence), so `'5' + 3` is 8: the string operand is cast to the number.
    https://learn.microsoft.com/sql/t-sql/language-elements/string-concatenation-transact-sql
    https://learn.microsoft.com/sql/t-sql/data-types/data-type-precedence-transact-sql"""
    for add in _bottom_up(tree, exp.Add):
        left, right = context.type_of(add.left), context.type_of(add.right)
        families = {t.family if t is not None else None for t in (left, right)}
        if "string" not in families:
            continue
        # A known number wins over a string, whatever the string is: CAST(id AS varchar) + 0 adds.
        if left is not None and left.is_number:
            add.set("expression", cast(add.right, _number_cast(left)))
        elif right is not None and right.is_number:
            add.set("this", cast(add.left, _number_cast(right)))
        elif families == {"string"} or _plainly_text(add, context):
            add.replace(exp.DPipe(this=add.left, expression=add.right, safe=True))
    return tree


def _number_cast(number: SqlType) -> str:
    """The PostgreSQL type a string operand becomes when a number wins: numeric for decimals,
    whose precision and scale come from the string itself."""
    return "numeric" if number.family == "exact" else postgres_type(number.sql())


def _plainly_text(add: exp.Add, context: RewriteContext) -> bool:
    """A string operand against one of unknown type: concatenation, unless the string is a
    literal that reads as a number (then PostgreSQL resolves `x + '5'` from x's type)."""
    for operand in (add.left, add.right):
        if context.family(operand) != "string":
            continue
        if not isinstance(operand, exp.Literal):
            return True
        try:
            float(operand.this)
        except ValueError:
            return True
    return False


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


def integer_average(tree: exp.Expression, context: RewriteContext) -> exp.Expression:
    """AVG over an integer expression returns an integer in SQL Server: the sum divided
    with integer division, truncated toward zero (AVG of 1 and 2 is 1).
    https://learn.microsoft.com/sql/t-sql/functions/avg-transact-sql"""
    for avg in _bottom_up(tree, exp.Avg):
        argument = context.type_of(avg.this)
        if argument is None or argument.family not in ("integer", "bit"):
            continue
        target = avg.parent if isinstance(avg.parent, exp.Window) else avg
        truncated = exp.Anonymous(this="trunc", expressions=[target.copy()])
        average = context.type_of(avg)
        target.replace(typed(cast(truncated, postgres_type(average.sql())), average))
    return tree


def length_ignores_trailing_spaces(tree: exp.Expression, context: RewriteContext) -> exp.Expression:
    """LEN counts characters without trailing spaces (`LEN('ab  ')` is 2); PostgreSQL's
    length counts them, so trim them first. (DATALENGTH counts bytes: not rewritten here.)
    https://learn.microsoft.com/sql/t-sql/functions/len-transact-sql"""
    for length in _bottom_up(tree, exp.Length):
        argument = length.this
        # The parser wraps LEN's argument in CAST(... AS TEXT); keep it only for non-strings.
        if isinstance(argument, exp.Cast) and argument.to.is_type(exp.DataType.Type.TEXT):
            inner = argument.this
            argument = inner if context.family(inner) in ("string", None) else cast(inner, "text")
        trimmed = exp.Trim(this=argument.copy(), position="TRAILING")
        length.replace(exp.Length(this=trimmed))
    return tree


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
    for node in _bottom_up(tree, exp.Extract, exp.Year, exp.Month, exp.Day):
        if isinstance(node, exp.Extract):
            part, argument = _date_part(node, node.this), node.expression
        else:
            part, argument = node.key, node.this
        node.replace(_date_part_expression(part, _as_temporal(argument, context), node))
    return tree


def _date_part_expression(part: str, value: exp.Expression, node: exp.Expression) -> exp.Expression:
    if part in _DATEPART_FORMULA:
        return template(_DATEPART_FORMULA[part], d=value)
    if part in _EXTRACT_FIELD:
        return template(f"cast(extract({_EXTRACT_FIELD[part]} from d) as int)", d=value)
    raise error_at(f"DATEPART({part}, ...) is not supported", node)


# Operands whose type the warehouse (columns) or the caller (macro parameters) decides.
_TYPED_ELSEWHERE = (exp.Column, exp.Parameter)


def _as_temporal(node: exp.Expression, context: RewriteContext) -> exp.Expression:
    """A date/time operand: string literals (and values of unknown kind) become timestamps."""
    node = _unwrap_date_argument(node)
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
    node = _unwrap_date_argument(node)
    return node if context.family(node) == "date" else cast(node, "date")


def _as_timestamp(node: exp.Expression, context: RewriteContext) -> exp.Expression:
    node = _unwrap_date_argument(node)
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
    for node in _bottom_up(tree, exp.DateDiff):
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
        return template(_DATEDIFF_FORMULA[part], a=_as_temporal(start, context), b=_as_temporal(end, context))
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
    for node in _bottom_up(tree, exp.DateAdd):
        part = _date_part(node, node.args.get("unit"))
        if part not in _INTERVAL:
            raise error_at(f"DATEADD({part}, ...) is not supported", node)
        per_part, unit = _INTERVAL[part]
        value = _unwrap_date_argument(node.this)
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


# CONVERT styles for dates as text, as to_char patterns.
_CONVERT_STYLES = {
    101: "MM/DD/YYYY",
    103: "DD/MM/YYYY",
    112: "YYYYMMDD",
    120: "YYYY-MM-DD HH24:MI:SS",
    121: "YYYY-MM-DD HH24:MI:SS.MS",
    23: "YYYY-MM-DD",
}


def conversions(tree: exp.Expression, context: RewriteContext) -> exp.Expression:
    """CONVERT(type, x) is a cast; with a style, a date becomes text in that style's format
    (112 is yyyymmdd, 101 mm/dd/yyyy, 103 dd/mm/yyyy, 120 and 121 ODBC canonical), and the
    text is cut to the target length (CONVERT(varchar(10), d, 120) keeps the date). Text
    read into a date in a style (CONVERT(date, '25/12/2024', 103)) is reordered as ISO first;
    between two date types the style means nothing.
    https://learn.microsoft.com/sql/t-sql/functions/cast-and-convert-transact-sql"""
    for node in _bottom_up(tree, exp.Convert):
        target, value, style = node.this, node.expression, node.args.get("style")
        # TRY_CONVERT parses as a CONVERT marked safe: a TryCast, which `try_casts` guards.
        cast_class = exp.TryCast if node.args.get("safe") else exp.Cast
        target_type = type_of_datatype(target)
        to_temporal = target_type is not None and target_type.is_temporal
        if style is None or to_temporal and context.family(_unwrap_date_argument(value)) in TEMPORAL_FAMILIES:
            node.replace(cast_class(this=value, to=target))
            continue
        if to_temporal:
            node.replace(cast_class(this=_style_text_as_iso(value, style, node), to=target))
            continue
        pattern = _style_pattern(style)
        if pattern is None or target_type is None or not target_type.is_string:
            raise error_at(f"CONVERT style {style.sql(dialect='tsql')} is not supported for {target.sql(dialect='tsql')}", node)
        text = exp.Anonymous(this="to_char", expressions=[_as_temporal(value, context), exp.Literal.string(pattern)])
        node.replace(exp.Cast(this=text, to=target) if target.expressions else text)
    return tree


# Text in a CONVERT style, read into a date: the day, month and year reordered as ISO
# (yyyy-mm-dd, then whatever time follows), which PostgreSQL reads whatever its DateStyle.
_STYLE_READING = {
    101: (r"^\s*(\d{1,2})/(\d{1,2})/(\d{4})", r"\3-\1-\2"),
    103: (r"^\s*(\d{1,2})/(\d{1,2})/(\d{4})", r"\3-\2-\1"),
    112: (r"^\s*(\d{4})(\d{2})(\d{2})", r"\1-\2-\3"),
}
_ISO_STYLES = (23, 120, 121, 126)


def _style_text_as_iso(value: exp.Expression, style: exp.Expression, node: exp.Expression) -> exp.Expression:
    """CONVERT(date, '25/12/2024', 103): the text as ISO, for a plain cast to read."""
    number = int(style.this) if isinstance(style, exp.Literal) and style.this.isdigit() else None
    if number in _ISO_STYLES:
        return value
    if number not in _STYLE_READING:
        raise error_at(f"CONVERT style {style.sql(dialect='tsql')} is not supported for reading dates", node)
    pattern, replacement = _STYLE_READING[number]
    parts = [value.copy(), exp.Literal.string(pattern), exp.Literal.string(replacement)]
    return exp.Anonymous(this="regexp_replace", expressions=parts)


def _style_pattern(style: exp.Expression) -> str | None:
    if not isinstance(style, exp.Literal) or style.is_string or not style.this.isdigit():
        return None
    return _CONVERT_STYLES.get(int(style.this))


def data_types(tree: exp.Expression, context: RewriteContext) -> exp.Expression:
    """Every type in a CAST goes through `postgres_type`, the one type policy, from the SQL
    Server type it means (sqlserver_types: a character type without a length is 30 long in
    CAST and CONVERT). The new type remembers the SQL Server type, for the rewrites after.
    https://learn.microsoft.com/sql/t-sql/functions/cast-and-convert-transact-sql"""
    for datatype in list(tree.find_all(exp.DataType)):
        if datatype.meta.get("postgres"):
            continue
        meant = type_of_datatype(datatype)
        if meant is None:
            raise error_at(f"unknown SQL Server type {datatype.sql(dialect='tsql')!r}", datatype)
        try:
            mapped = postgres_type(meant.sql())
        except UnknownTypeError as error:
            raise error_at(str(error), datatype) from None
        replacement = exp.DataType.build(mapped, dialect="postgres")
        replacement.meta["sqlserver_type"] = meant
        datatype.replace(replacement)
    return tree


def top_rows(tree: exp.Expression, context: RewriteContext) -> exp.Expression:
    """TOP (n) is LIMIT n; TOP n WITH TIES is FETCH FIRST n ROWS WITH TIES, which needs an
    ORDER BY in both systems; TOP 100 PERCENT (a view idiom) returns every row, and
    TOP n PERCENT the first ceiling(n% of the row count) rows.
    https://learn.microsoft.com/sql/t-sql/queries/top-transact-sql"""
    for select in tree.find_all(exp.Select):
        limit = select.args.get("limit")
        options = limit.args.get("limit_options") if isinstance(limit, exp.Limit) else None
        if options is None:
            continue
        count = limit.expression
        if options.args.get("percent"):
            if count.sql() == "100":
                select.set("limit", None)
                continue
            count = _percent_of_rows(select, count)
            select.set("limit", exp.Limit(expression=count))
        if options.args.get("with_ties"):
            if not select.args.get("order"):
                raise error_at("TOP ... WITH TIES needs an ORDER BY", limit)
            select.set("limit", _fetch_with_ties(count))
    return tree


def _percent_of_rows(select: exp.Select, percent: exp.Expression) -> exp.Expression:
    """TOP n PERCENT returns n% of the rows, a fraction rounded up: a scalar subquery that
    counts the rows the same SELECT returns without its TOP and ORDER BY."""
    rows = select.copy()
    rows.set("limit", None)
    rows.set("order", None)
    every_row = exp.Subquery(this=rows, alias=exp.TableAlias(this=exp.to_identifier("top_percent_rows")))
    counted = exp.select(exp.Count(this=exp.Star())).from_(every_row)
    fraction = template("cast(ceil(n * p / 100.0) as bigint)", n=exp.Subquery(this=counted), p=percent)
    return exp.paren(fraction, copy=False)


def _fetch_with_ties(count: exp.Expression) -> exp.Fetch:
    options = exp.LimitOptions(percent=False, rows=True, with_ties=True)
    return exp.Fetch(direction="FIRST", count=count, limit_options=options)
