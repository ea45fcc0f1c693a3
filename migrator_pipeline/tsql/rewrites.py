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
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import sqlglot
from sqlglot import exp

from migrator_pipeline.tsql.identifiers import fold_identifier
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
# Kinds: the little type inference the rewrites need.

STRING, INTEGER, BIGINT, DECIMAL, FLOAT = "string", "integer", "bigint", "decimal", "float"
BIT, DATE, DATETIME, DATETIMEOFFSET, TIME = "bit", "date", "datetime", "datetimeoffset", "time"
NUMERIC_KINDS = (INTEGER, BIGINT, DECIMAL, FLOAT)
TEMPORAL_KINDS = (DATE, DATETIME, DATETIMEOFFSET)
# SQL Server's data type precedence among numbers: the higher one wins in arithmetic.
_NUMERIC_PRECEDENCE = {INTEGER: 1, BIGINT: 2, DECIMAL: 3, FLOAT: 4}
# The PostgreSQL type a string operand is converted to, when a number wins.
_NUMERIC_CAST = {INTEGER: "int", BIGINT: "bigint", DECIMAL: "numeric", FLOAT: "double precision"}

_KIND_OF_POSTGRES_TYPE = {
    "varchar": STRING,
    "char": STRING,
    "text": STRING,
    "smallint": INTEGER,
    "integer": INTEGER,
    "bigint": BIGINT,
    "numeric": DECIMAL,
    "real": FLOAT,
    "double precision": FLOAT,
    "boolean": BIT,
    "date": DATE,
    "timestamp": DATETIME,
    "timestamptz": DATETIMEOFFSET,
    "time": TIME,
}

_STRING_NODES = (
    exp.DPipe, exp.Concat, exp.ConcatWs, exp.Upper, exp.Lower, exp.Trim, exp.Substring,
    exp.Left, exp.Right, exp.Replace, exp.Chr, exp.Repeat, exp.Stuff, exp.TimeToStr,
    exp.Reverse, exp.Space, exp.GroupConcat,
)  # fmt: skip
# to_char is what DATENAME(month|weekday) becomes: its name compares as text.
_STRING_FUNCTIONS = {"ltrim", "rtrim", "str", "quotename", "nchar", "replicate", "format", "to_char", "rpad", "regexp_replace"}
_INTEGER_NODES = (exp.Count, exp.Length, exp.DateDiff, exp.Extract, exp.Year, exp.Month, exp.Day)
_SAME_AS_ARGUMENT = (exp.Paren, exp.Neg, exp.Sum, exp.Min, exp.Max, exp.Avg, exp.Abs, exp.Distinct)
_MISSING = object()  # a source that has no such column, as opposed to one of unknown kind


def kind_of_type(sqlserver_type: str | None) -> str | None:
    """The kind of a SQL Server type as written; None when unknown."""
    if not sqlserver_type:
        return None
    try:
        mapped = postgres_type(sqlserver_type)
    except UnknownTypeError:
        return None
    return _KIND_OF_POSTGRES_TYPE.get(mapped.split("(")[0])


def _kind_of_datatype(datatype: exp.DataType) -> str | None:
    return kind_of_type(datatype.sql(dialect="tsql"))


@dataclass
class RewriteContext:
    """What the rewrites know beyond the tree: the source tables' column types."""

    # object key -> {folded column name -> SQL Server type}
    column_types: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    # True under a case-sensitive (`_CS_`) collation: strings then compare as PostgreSQL's do,
    # and the case-insensitive comparison rewrites (string_rewrites.py) stand aside.
    case_sensitive: bool = False

    def kind_of(self, node: exp.Expression | None) -> str | None:
        """The kind of value `node` yields, when it can be told; None otherwise."""
        if node is None or isinstance(node, exp.Null):
            return None
        if isinstance(node, exp.Literal):
            return _literal_kind(node)
        if isinstance(node, exp.National):  # N'...'
            return STRING
        if isinstance(node, (exp.Cast, exp.TryCast)):
            return _kind_of_datatype(node.to)
        if isinstance(node, exp.Convert):
            return _kind_of_datatype(node.this)
        if isinstance(node, exp.Column):
            return self._column_kind(node)
        if isinstance(node, _STRING_NODES):
            return STRING
        if isinstance(node, exp.Anonymous):
            return STRING if node.name.lower() in _STRING_FUNCTIONS else None
        if isinstance(node, _INTEGER_NODES):
            return INTEGER
        if isinstance(node, (exp.CurrentTimestamp, exp.Localtimestamp)):
            return DATETIME
        if isinstance(node, exp.DateAdd):
            return self.kind_of(node.this)
        if isinstance(node, _SAME_AS_ARGUMENT):
            return self.kind_of(node.this if not isinstance(node, exp.Distinct) else node.expressions[0])
        if isinstance(node, (exp.Coalesce, exp.Case, exp.If)):
            return self._first_known_kind(_branches(node))
        if isinstance(node, (exp.Add, exp.Sub, exp.Mul, exp.Div, exp.Mod)):
            return _arithmetic_kind(self.kind_of(node.left), self.kind_of(node.right))
        return None

    def _first_known_kind(self, nodes: list[exp.Expression]) -> str | None:
        return next((kind for kind in map(self.kind_of, nodes) if kind), None)

    def _column_kind(self, column: exp.Column) -> str | None:
        """Resolve a column through the FROM/JOIN sources of its SELECT, then outer ones."""
        name = fold_identifier(column.name)
        qualifier = fold_identifier(column.table) if column.table else None
        scope = column.find_ancestor(exp.Select)
        while scope is not None:
            kind = self._kind_in_select(scope, qualifier, name, depth=0)
            if kind is not _MISSING:
                return kind
            scope = scope.find_ancestor(exp.Select)
        return None

    def _kind_in_select(self, select: exp.Select, qualifier: str | None, name: str, depth: int):
        """The kind of `qualifier.name` among the sources of `select`, or _MISSING."""
        found = []
        for alias, source in _sources(select):
            if qualifier is not None and alias != qualifier:
                continue
            kind = self._kind_in_source(source, name, depth)
            if qualifier is not None:
                return None if kind is _MISSING else kind
            if kind is not _MISSING:
                found.append(kind)
        if len(found) == 1:
            return found[0]
        return None if found else _MISSING

    def _kind_in_source(self, source: exp.Expression, name: str, depth: int):
        if depth > 8:  # recursive CTEs: give up rather than loop
            return None
        if isinstance(source, exp.Subquery):
            return self._kind_in_query(source.this, name, depth)
        if not isinstance(source, exp.Table) or not isinstance(source.this, exp.Identifier):
            return None
        cte = _cte_named(source)
        if cte is not None:
            return self._kind_in_query(cte.this, name, depth)
        columns = self.column_types.get(table_key(source))
        if columns is None:
            return None
        return self._kind_of_column_type(columns[name]) if name in columns else _MISSING

    def _kind_of_column_type(self, sqlserver_type: str) -> str | None:
        """What a column's declared type says; a subclass may answer the type itself."""
        return kind_of_type(sqlserver_type)

    def _kind_in_query(self, query: exp.Expression, name: str, depth: int):
        while isinstance(query, exp.SetOperation):
            query = query.this
        if not isinstance(query, exp.Select):
            return None
        for projection in query.expressions:
            if isinstance(projection, exp.Star):
                return self._kind_in_select(query, None, name, depth + 1)
            if fold_identifier(projection.alias_or_name) == name:
                return self.kind_of(projection.unalias())
        return _MISSING


def _literal_kind(literal: exp.Literal) -> str:
    if literal.is_string:
        return STRING
    text = literal.this.lower()
    if "e" in text:
        return FLOAT
    return DECIMAL if "." in text else INTEGER


def _arithmetic_kind(left: str | None, right: str | None) -> str | None:
    if left == STRING and right == STRING:
        return STRING
    if DATETIME in (left, right):  # datetime outranks numbers: datetime + n is a datetime
        return DATETIME
    numbers = [k for k in (left, right) if k in _NUMERIC_PRECEDENCE]
    return max(numbers, key=_NUMERIC_PRECEDENCE.get) if numbers else None


def _branches(node: exp.Expression) -> list[exp.Expression]:
    if isinstance(node, exp.Coalesce):
        return [node.this, *node.expressions]
    if isinstance(node, exp.If):
        return [node.args.get("true"), node.args.get("false")]
    return [*(i.args.get("true") for i in node.args.get("ifs") or []), node.args.get("default")]


def _sources(select: exp.Select) -> list[tuple[str, exp.Expression]]:
    """(folded alias, table or subquery) for the FROM and JOIN sources of a SELECT."""
    nodes = []
    from_ = select.args.get("from_")
    if from_ is not None:
        nodes.append(from_.this)
    nodes.extend(join.this for join in select.args.get("joins") or [])
    return [(fold_identifier(n.alias_or_name), n) for n in nodes if n.alias_or_name]


def table_key(table: exp.Table) -> str:
    """The object key a table reference names; no schema means `dbo`."""
    return f"{table.db or 'dbo'}.{table.name}".lower()


def _cte_named(table: exp.Table) -> exp.CTE | None:
    if table.db:
        return None
    name = fold_identifier(table.name)
    for cte in table.root().find_all(exp.CTE):
        if fold_identifier(cte.alias) == name:
            return cte
    return None


def is_cte_reference(table: exp.Table) -> bool:
    return _cte_named(table) is not None


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
    return exp.Cast(this=node.copy(), to=exp.DataType.build(to, dialect="postgres"))


def _unwrap_date_argument(node: exp.Expression) -> exp.Expression:
    """The T-SQL argument itself, without the conversions sqlglot's parser wraps it in."""
    while isinstance(node, (exp.TimeStrToTime, exp.TsOrDsToDate, exp.TsOrDsToTimestamp)):
        node = node.this
    return node


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


def _bottom_up(tree: exp.Expression, *types: type) -> list[exp.Expression]:
    """Nodes of the given types, children before parents, so rewrites see rewritten operands."""
    return [node for node in reversed(list(tree.walk())) if isinstance(node, types)]


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
        left, right = context.kind_of(add.left), context.kind_of(add.right)
        if STRING not in (left, right):
            continue
        # A known number wins over a string, whatever the string is: CAST(id AS varchar) + 0 adds.
        if left in NUMERIC_KINDS:
            add.set("expression", cast(add.right, _NUMERIC_CAST[left]))
        elif right in NUMERIC_KINDS:
            add.set("this", cast(add.left, _NUMERIC_CAST[right]))
        elif left == STRING and right == STRING or _plainly_text(add, context):
            add.replace(exp.DPipe(this=add.left, expression=add.right, safe=True))
    return tree


def _plainly_text(add: exp.Add, context: RewriteContext) -> bool:
    """A string operand against one of unknown type: concatenation, unless the string is a
    literal that reads as a number (then PostgreSQL resolves `x + '5'` from x's type)."""
    for operand in (add.left, add.right):
        if context.kind_of(operand) != STRING:
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
            if context.kind_of(comparison.args[this]) == BIT:
                _set_boolean_literal(comparison, other)
    for case in tree.find_all(exp.Case):
        if case.this is not None and context.kind_of(case.this) == BIT:
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
        kind = context.kind_of(avg.this)
        if kind not in (INTEGER, BIGINT):
            continue
        target = avg.parent if isinstance(avg.parent, exp.Window) else avg
        truncated = exp.Anonymous(this="trunc", expressions=[target.copy()])
        target.replace(cast(truncated, "bigint" if kind == BIGINT else "int"))
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
            argument = inner if context.kind_of(inner) in (STRING, None) else cast(inner, "text")
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
    if context.kind_of(node) in TEMPORAL_KINDS:
        return node
    if isinstance(node, _TYPED_ELSEWHERE) and context.kind_of(node) is None:
        return node  # typed in the warehouse or the macro's caller: no cast needed
    return cast(node, "timestamp")


def _as_date(node: exp.Expression, context: RewriteContext) -> exp.Expression:
    node = _unwrap_date_argument(node)
    return node if context.kind_of(node) == DATE else cast(node, "date")


def _as_timestamp(node: exp.Expression, context: RewriteContext) -> exp.Expression:
    node = _unwrap_date_argument(node)
    return node if context.kind_of(node) == DATETIME else cast(node, "timestamp")


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
        kind = context.kind_of(value)
        start = value if kind in TEMPORAL_KINDS or isinstance(value, _TYPED_ELSEWHERE) else cast(value, "timestamp")
        added = exp.Add(this=start.copy(), expression=_interval(node.expression, per_part, unit))
        node.replace(cast(added, "date") if kind == DATE else added)
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
        to_temporal = _kind_of_datatype(target) in TEMPORAL_KINDS
        if style is None or to_temporal and context.kind_of(_unwrap_date_argument(value)) in TEMPORAL_KINDS:
            node.replace(cast_class(this=value, to=target))
            continue
        if to_temporal:
            node.replace(cast_class(this=_style_text_as_iso(value, style, node), to=target))
            continue
        pattern = _style_pattern(style)
        if pattern is None or _kind_of_datatype(target) != STRING:
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


# In CAST and CONVERT a character type without a length means 30 characters.
_CAST_DEFAULT_LENGTH = 30


def data_types(tree: exp.Expression, context: RewriteContext) -> exp.Expression:
    """Every type in a CAST goes through `postgres_type`, the one type policy; a character
    type without a length is 30 long in CAST and CONVERT.
    https://learn.microsoft.com/sql/t-sql/functions/cast-and-convert-transact-sql"""
    for datatype in list(tree.find_all(exp.DataType)):
        written = datatype.sql(dialect="tsql")
        if datatype.is_type(*exp.DataType.TEXT_TYPES) and "(" not in written and written.upper() != "TEXT":
            written = f"{written}({_CAST_DEFAULT_LENGTH})"
        try:
            mapped = postgres_type(written)
        except UnknownTypeError as error:
            raise error_at(str(error), datatype) from None
        datatype.replace(exp.DataType.build(mapped, dialect="postgres"))
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
