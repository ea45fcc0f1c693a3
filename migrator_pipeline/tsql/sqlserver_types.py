"""The one typing pass: the SQL Server type of every T-SQL expression, as SQL Server decides it.
(Over 600 lines: the type facts and the resolver that applies them to a tree belong together.)

Every rewrite that depends on a type asks `type_of` here. The rules are facts in tables:
- data type precedence: when two types meet, the lower one is converted to the higher
  https://learn.microsoft.com/sql/t-sql/data-types/data-type-precedence-transact-sql
- the result precision and scale of decimal `+ - * / %`, with the cap at 38
  https://learn.microsoft.com/sql/t-sql/data-types/precision-scale-and-length-transact-sql
- aggregates (SUM and AVG of int are int; of decimal(p, s) decimal(38, s) and
  decimal(38, max(s, 6))), POWER (the type of its first argument), ISNULL (the first
  argument's type), COALESCE and CASE (the branch type of highest precedence)
  https://learn.microsoft.com/sql/t-sql/functions/sum-transact-sql
  https://learn.microsoft.com/sql/t-sql/functions/avg-transact-sql
  https://learn.microsoft.com/sql/t-sql/functions/power-transact-sql
  https://learn.microsoft.com/sql/t-sql/language-elements/case-transact-sql
- a character type without a length in CAST/CONVERT is 30 long
  https://learn.microsoft.com/sql/t-sql/functions/cast-and-convert-transact-sql

Rewrites that replace a node by PostgreSQL of the same meaning mark the new node with
`typed(node, sql_type)`, so the type survives later rewrites. Columns resolve through the
FROM/JOIN sources of their SELECT: tables (the catalog's column types, views included once
typed), derived tables and CTEs.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace

from sqlglot import exp

from migrator_pipeline.tsql.identifiers import fold_identifier
from migrator_pipeline.tsql.syntax import cte_named, reference_key, sources

# Highest first: https://learn.microsoft.com/sql/t-sql/data-types/data-type-precedence-transact-sql
PRECEDENCE = (
    "sql_variant", "xml", "datetimeoffset", "datetime2", "datetime", "smalldatetime", "date", "time",
    "float", "real", "decimal", "money", "smallmoney", "bigint", "int", "smallint", "tinyint", "bit",
    "ntext", "text", "image", "timestamp", "uniqueidentifier", "nvarchar", "nchar", "varchar", "char",
    "varbinary", "binary",
)  # fmt: skip
_RANK = {name: len(PRECEDENCE) - index for index, name in enumerate(PRECEDENCE)}

# What each type is, for the rewrites that treat a family alike.
FAMILY = {
    **dict.fromkeys(("tinyint", "smallint", "int", "bigint"), "integer"),
    **dict.fromkeys(("decimal", "money", "smallmoney"), "exact"),
    **dict.fromkeys(("real", "float"), "approximate"),
    **dict.fromkeys(("char", "varchar", "nchar", "nvarchar", "text", "ntext"), "string"),
    **dict.fromkeys(("datetime", "datetime2", "smalldatetime"), "datetime"),
    "date": "date", "time": "time", "datetimeoffset": "datetimeoffset", "bit": "bit",
    **dict.fromkeys(("binary", "varbinary", "image", "timestamp"), "binary"),
    "uniqueidentifier": "uniqueidentifier", "xml": "xml", "sql_variant": "sql_variant",
}  # fmt: skip
# Integers and money in decimal arithmetic: https://learn.microsoft.com/sql/t-sql/data-types/precision-scale-and-length-transact-sql
_AS_DECIMAL = {"bit": (1, 0), "tinyint": (3, 0), "smallint": (5, 0), "int": (10, 0), "bigint": (19, 0),
               "smallmoney": (10, 4), "money": (19, 4)}  # fmt: skip
_NAMES = {
    "integer": "int", "dec": "decimal", "numeric": "decimal", "double precision": "float",
    "character": "char", "character varying": "varchar", "char varying": "varchar",
    "national character varying": "nvarchar", "national character": "nchar", "rowversion": "timestamp",
    "sysname": "nvarchar",
}  # fmt: skip
_MAX_LENGTH = -1  # varchar(max)
_FRACTIONAL_SECONDS = ("datetime2", "time", "datetimeoffset")
_TYPE_TEXT = re.compile(r"^\s*(?P<name>[a-z][a-z0-9_ ]*?)\s*(?:\((?P<args>[^)]*)\))?\s*$")


@dataclass(frozen=True)
class SqlType:
    """A SQL Server type: its name, and the precision/scale of decimals or the length of strings."""

    name: str
    precision: int | None = None
    scale: int | None = None
    length: int | None = None  # -1 is max

    @property
    def family(self) -> str:
        return FAMILY.get(self.name, "other")

    @property
    def is_string(self) -> bool:
        return self.family == "string"

    @property
    def is_integer(self) -> bool:
        return self.family == "integer"

    @property
    def is_number(self) -> bool:
        return self.family in ("integer", "exact", "approximate")

    @property
    def is_temporal(self) -> bool:
        """A point in time: date, datetime (and datetime2, smalldatetime), datetimeoffset."""
        return self.family in ("date", "datetime", "datetimeoffset")

    @property
    def is_money(self) -> bool:
        return self.name in ("money", "smallmoney")

    def sql(self) -> str:
        """The type as T-SQL writes it: `decimal(10,2)`, `nvarchar(max)`, `int`."""
        if self.name == "decimal":
            return f"decimal({self.precision or 18},{self.scale or 0})"
        if self.is_string and self.name not in ("text", "ntext") and self.length is not None:
            return f"{self.name}({'max' if self.length == _MAX_LENGTH else self.length})"
        if self.name in _FRACTIONAL_SECONDS and self.precision is not None:
            return f"{self.name}({self.precision})"
        if self.name == "float" and self.precision:
            return f"float({self.precision})"
        return self.name

    def as_decimal(self) -> tuple[int, int]:
        """(precision, scale) of this type as an operand of decimal arithmetic."""
        if self.name == "decimal":
            return self.precision or 18, self.scale or 0
        if self.is_integer and self.precision:  # an integer constant
            return self.precision, 0
        return _AS_DECIMAL.get(self.name, (18, 0))


INT, BIGINT, BIT, MONEY = SqlType("int"), SqlType("bigint"), SqlType("bit"), SqlType("money")
REAL, FLOAT = SqlType("real"), SqlType("float")
DATE, DATETIME, TIME = SqlType("date"), SqlType("datetime"), SqlType("time")
VARCHAR = SqlType("varchar", length=8000)
NVARCHAR = SqlType("nvarchar", length=4000)
_CAST_DEFAULT_LENGTH = 30


def parse_type(text: str | None) -> SqlType | None:
    """A SQL Server type as written in a catalog (`nvarchar(50)`, `[decimal](10, 2)`); None if unknown."""
    if not text:
        return None
    match = _TYPE_TEXT.match(text.replace("[", "").replace("]", "").lower())
    if not match:
        return None
    name = " ".join(match["name"].split())
    name = _NAMES.get(name, name)
    args = [a.strip() for a in (match["args"] or "").split(",") if a.strip()]
    if name not in FAMILY:
        return None
    try:
        return _with_arguments(name, args, default_length=1)
    except ValueError:
        return None


def _with_arguments(name: str, args: list[str], default_length: int) -> SqlType:
    if name == "decimal":
        return SqlType("decimal", int(args[0]) if args else 18, int(args[1]) if len(args) > 1 else 0)
    if name == "float":
        return REAL if args and int(args[0]) <= 24 else FLOAT
    if name in _FRACTIONAL_SECONDS and args:
        return SqlType(name, precision=int(args[0]))
    if FAMILY[name] == "string" and name not in ("text", "ntext"):
        if args and args[0] == "max":
            return SqlType(name, length=_MAX_LENGTH)
        return SqlType(name, length=int(args[0]) if args else default_length)
    return SqlType(name)


# sqlglot's parsed types (read with syntax.SqlServer, or built for PostgreSQL by a rewrite).
_DATATYPE_NAMES = {
    "INT": "int", "BIGINT": "bigint", "SMALLINT": "smallint", "TINYINT": "tinyint", "UTINYINT": "tinyint",
    "BIT": "bit", "BOOLEAN": "bit", "DECIMAL": "decimal", "MONEY": "money", "SMALLMONEY": "smallmoney",
    "FLOAT": "real", "DOUBLE": "float", "CHAR": "char", "NCHAR": "nchar", "VARCHAR": "varchar",
    "NVARCHAR": "nvarchar", "TEXT": "varchar", "DATE": "date", "DATETIME": "datetime",
    "DATETIME2": "datetime2", "SMALLDATETIME": "smalldatetime", "TIMESTAMP": "datetime",
    "TIMESTAMPTZ": "datetimeoffset", "TIME": "time", "UUID": "uniqueidentifier",
    "VARBINARY": "varbinary", "BINARY": "binary", "IMAGE": "image", "XML": "xml", "VARIANT": "sql_variant",
    "ROWVERSION": "timestamp",
}  # fmt: skip


def type_of_datatype(datatype: exp.DataType) -> SqlType | None:
    """The SQL Server type a CAST/CONVERT target means; a character type without a length is 30."""
    marked = datatype.meta.get("sqlserver_type") if datatype._meta else None
    if marked is not None:
        return marked
    name = _DATATYPE_NAMES.get(datatype.this.name)
    if name is None:
        return None
    args = [p.name for p in datatype.expressions]
    if datatype.this == exp.DataType.Type.TEXT:
        args = ["max"]
    try:
        return _with_arguments(name, [a.lower() for a in args], default_length=_CAST_DEFAULT_LENGTH)
    except ValueError:
        return None


def typed(node: exp.Expression, sql_type: SqlType | None) -> exp.Expression:
    """Mark a node (PostgreSQL written by a rewrite) with the SQL Server type it stands for."""
    if sql_type is not None:
        node.meta["sqlserver_type"] = sql_type
    return node


# ---------------------------------------------------------------------------
# Operators: https://learn.microsoft.com/sql/t-sql/data-types/precision-scale-and-length-transact-sql

_MAX_PRECISION = 38
_POINT_IN_TIME = ("datetime", "date", "datetimeoffset", "time")


def higher(left: SqlType | None, right: SqlType | None) -> SqlType | None:
    """The type of higher precedence: the one the other operand is converted to."""
    if left is None or right is None:
        return left or right
    return left if _RANK.get(left.name, 0) >= _RANK.get(right.name, 0) else right


def combined_type(left: SqlType | None, right: SqlType | None) -> SqlType | None:
    """Two values in one column (UNION, CASE, COALESCE): the type of higher precedence, decimals
    widened to hold both (max(s1, s2) + max(p1 - s1, p2 - s2) digits), strings to the longer."""
    winner = higher(left, right)
    if left is None or right is None or winner is None:
        return winner
    if winner.name == "decimal" and left.is_number and right.is_number:
        (p1, s1), (p2, s2) = left.as_decimal(), right.as_decimal()
        scale = max(s1, s2)
        return SqlType("decimal", min(scale + max(p1 - s1, p2 - s2), _MAX_PRECISION), scale)
    if winner.is_string and left.is_string and right.is_string and winner.length not in (None, _MAX_LENGTH):
        lengths = [t.length for t in (left, right)]
        return replace(winner, length=_MAX_LENGTH if _MAX_LENGTH in lengths else max(x or 1 for x in lengths))
    return winner


def arithmetic_type(operator: str, left: SqlType | None, right: SqlType | None) -> SqlType | None:
    """The result type of `left <operator> right` for + - * / %; None when an operand is unknown."""
    if left is None or right is None:  # a date stays a date whatever is added (an interval)
        known = left or right
        return known if known is not None and known.family in _POINT_IN_TIME else None
    if operator == "+" and left.is_string and right.is_string:
        return _concatenated(left, right)
    winner = higher(left, right)
    if winner.family in _POINT_IN_TIME:
        return winner  # datetime + n, datetime - datetime: a datetime
    if winner.name == "decimal":
        return _decimal_result(operator, left.as_decimal(), right.as_decimal())
    if winner.is_money:
        return MONEY if "money" in (left.name, right.name) else winner
    if winner.is_string:  # string + string other than `+` (a string converts to a number)
        return None
    return winner


def _concatenated(left: SqlType, right: SqlType) -> SqlType:
    name = "nvarchar" if "n" in (left.name[0], right.name[0]) else "varchar"
    limit = 4000 if name == "nvarchar" else 8000
    if _MAX_LENGTH in (left.length, right.length) or left.name in ("text", "ntext"):
        return SqlType(name, length=_MAX_LENGTH)
    return SqlType(name, length=min((left.length or 1) + (right.length or 1), limit))


def _decimal_result(operator: str, left: tuple[int, int], right: tuple[int, int]) -> SqlType:
    (p1, s1), (p2, s2) = left, right
    if operator in "+-":
        scale = max(s1, s2)
        precision = scale + max(p1 - s1, p2 - s2) + 1
        if precision > _MAX_PRECISION:  # keep the integral part, reduce the scale
            scale = max(min(precision, _MAX_PRECISION) - max(p1 - s1, p2 - s2) - 1, 0)
            precision = _MAX_PRECISION
        return SqlType("decimal", precision, scale)
    if operator == "%":
        return SqlType("decimal", min(min(p1 - s1, p2 - s2) + max(s1, s2), _MAX_PRECISION), max(s1, s2))
    if operator == "*":
        precision, scale = p1 + p2 + 1, s1 + s2
    else:
        scale = max(6, s1 + p2 + 1)
        precision = p1 - s1 + s2 + scale
    return SqlType("decimal", *_capped(precision, scale))


def _capped(precision: int, scale: int) -> tuple[int, int]:
    """Multiplication and division past 38 digits: the integral part is kept, and the scale
    shrinks, but not below 6 (nor below itself when it is under 6)."""
    if precision <= _MAX_PRECISION:
        return precision, scale
    integral = precision - scale
    if integral < 32:
        return _MAX_PRECISION, min(scale, _MAX_PRECISION - integral)
    return _MAX_PRECISION, min(scale, 6)


def aggregate_type(function: str, argument: SqlType | None) -> SqlType | None:
    """SUM and AVG: https://learn.microsoft.com/sql/t-sql/functions/sum-transact-sql,
    https://learn.microsoft.com/sql/t-sql/functions/avg-transact-sql"""
    if argument is None:
        return None
    if argument.name in ("tinyint", "smallint", "int", "bit"):
        return INT
    if argument.name == "bigint":
        return BIGINT
    if argument.is_money:
        return MONEY
    if argument.name == "decimal":
        scale = argument.scale or 0
        return SqlType("decimal", _MAX_PRECISION, scale if function == "sum" else max(scale, 6))
    if argument.family == "approximate":
        return FLOAT
    return argument


def power_type(argument: SqlType | None) -> SqlType | None:
    """POWER returns its first argument's type: int for int, decimal(38, s) for decimal(p, s),
    float for a string. https://learn.microsoft.com/sql/t-sql/functions/power-transact-sql"""
    if argument is None:
        return None
    if argument.name in ("tinyint", "smallint", "int", "bit"):
        return INT
    if argument.name == "decimal":
        return SqlType("decimal", _MAX_PRECISION, argument.scale or 0)
    if argument.is_money or argument.name in ("bigint", "float"):
        return argument
    return FLOAT


def literal_type(literal: exp.Literal) -> SqlType:
    """'abc' is varchar(3); 12 is int (decimal past int's range); 1.50 is decimal(3,2); 1e3 is float.
    https://learn.microsoft.com/sql/t-sql/data-types/constants-transact-sql"""
    text = literal.this
    if literal.is_string:
        return SqlType("varchar", length=max(len(text), 1))
    lowered = text.lower().lstrip("-+")
    if "e" in lowered:
        return FLOAT
    whole, _, fraction = lowered.partition(".")
    digits = len(whole.lstrip("0")) + len(fraction)
    if not fraction and "." not in lowered and int(whole or 0) <= 2_147_483_647:
        # in decimal arithmetic an integer constant counts its own digits: 1.0 / 3 is decimal(7,6)
        return SqlType("int", precision=max(len(whole.lstrip("0")), 1))
    return SqlType("decimal", max(digits, len(fraction), 1), len(fraction))


# ---------------------------------------------------------------------------
# Expressions.

_ARITHMETIC = {exp.Add: "+", exp.Sub: "-", exp.Mul: "*", exp.Div: "/", exp.Mod: "%"}
_RETURNS = {
    exp.Count: INT, exp.Length: INT, exp.DateDiff: INT, exp.Extract: INT, exp.Year: INT, exp.Month: INT,
    exp.Day: INT, exp.StrPosition: INT, exp.Sign: None, exp.CurrentTimestamp: DATETIME,
    exp.Localtimestamp: DATETIME, exp.CurrentDate: DATE, exp.Sqrt: FLOAT, exp.Exp: FLOAT, exp.Ln: FLOAT,
    exp.Log: FLOAT, exp.DPipe: VARCHAR, exp.Concat: VARCHAR, exp.ConcatWs: VARCHAR, exp.Chr: SqlType("char", length=1),
    exp.Repeat: VARCHAR, exp.Space: VARCHAR, exp.TimeToStr: NVARCHAR, exp.GroupConcat: VARCHAR, exp.LastDay: DATE,
    exp.RegexpLike: BIT, exp.Interval: None, exp.DateFromParts: DATE, exp.TimestampFromParts: DATETIME,
    exp.TimeFromParts: TIME,
}  # fmt: skip
# The type of the first argument: https://learn.microsoft.com/sql/t-sql/functions/string-functions-transact-sql
_FIRST_ARGUMENT = (
    exp.Paren, exp.Neg, exp.Min, exp.Max, exp.Abs, exp.Upper, exp.Lower, exp.Trim, exp.Substring, exp.Left,
    exp.Right, exp.Replace, exp.Reverse, exp.Stuff, exp.Nullif, exp.Round, exp.Floor, exp.Ceil, exp.Sign,
    exp.DateAdd, exp.Alias, exp.Collate, exp.Ordered,
)  # fmt: skip
_STRING_RESULT = (exp.Upper, exp.Lower, exp.Trim, exp.Substring, exp.Left, exp.Right, exp.Replace,
                  exp.Reverse, exp.Stuff)  # fmt: skip
# Functions sqlglot leaves anonymous, by lower-case name.
_FUNCTION_RETURNS = {
    "ltrim": VARCHAR, "rtrim": VARCHAR, "str": SqlType("varchar", length=10), "quotename": SqlType("nvarchar", length=258),
    "nchar": SqlType("nchar", length=1), "replicate": VARCHAR, "format": NVARCHAR, "to_char": VARCHAR, "rpad": VARCHAR,
    "regexp_replace": VARCHAR, "isdate": INT, "datefromparts": DATE, "datetimefromparts": DATETIME,
    "datetime2fromparts": SqlType("datetime2"), "smalldatetimefromparts": SqlType("smalldatetime"),
    "timefromparts": TIME, "datalength": INT, "getutcdate": DATETIME, "sysutcdatetime": SqlType("datetime2"),
    "sysdatetime": SqlType("datetime2"), "newid": SqlType("uniqueidentifier"), "soundex": SqlType("varchar", length=4),
    "char_length": INT, "octet_length": INT, "strpos": INT, "rand": FLOAT, "pi": FLOAT, "square": FLOAT,
    "log10": FLOAT, "atn2": FLOAT, "degrees": None, "trunc": None, "unicode": INT, "ascii": INT,
}  # fmt: skip


class Typing:
    """The SQL Server types of a tree's expressions, given the column types of the tables it reads
    (object key -> {folded column name -> SQL Server type as written})."""

    def __init__(self, column_types: Mapping[str, Mapping[str, str]]):
        self.column_types = column_types
        self._in_progress: set[tuple[int, str]] = set()

    def type_of(self, node: exp.Expression | None) -> SqlType | None:
        """The SQL Server type of the value `node` yields; None when it cannot be told."""
        if node is None or isinstance(node, exp.Null):
            return None
        marked = node.meta.get("sqlserver_type") if node._meta else None
        if marked is not None:
            return marked
        rule = _RULES.get(type(node))
        if rule is not None:
            return rule(self, node)
        if type(node) in _RETURNS:
            return _RETURNS[type(node)]
        if isinstance(node, _FIRST_ARGUMENT):
            return self._first_argument_type(node)
        return None

    def _first_argument_type(self, node: exp.Expression) -> SqlType | None:
        first = self.type_of(node.this)
        if isinstance(node, _STRING_RESULT) and (first is None or not first.is_string):
            return VARCHAR
        if isinstance(node, (exp.Floor, exp.Ceil)) and first is not None and first.name == "decimal":
            return replace(first, scale=0)
        return first

    def _column(self, column: exp.Column) -> SqlType | None:
        """Resolve a column through the FROM/JOIN sources of its SELECT, then outer ones."""
        name = fold_identifier(column.name)
        qualifier = fold_identifier(column.table) if column.table else None
        scope = column.find_ancestor(exp.Select)
        while scope is not None:
            found = self._in_select(scope, qualifier, name, depth=0)
            if found is not _MISSING:
                return found
            scope = scope.find_ancestor(exp.Select)
        return None

    def _in_select(self, select: exp.Select, qualifier: str | None, name: str, depth: int):
        """The type of `qualifier.name` among the sources of `select`, or _MISSING."""
        found = []
        for alias, source in sources(select):
            if qualifier is not None and alias != qualifier:
                continue
            sql_type = self._in_source(source, name, depth)
            if qualifier is not None:
                return None if sql_type is _MISSING else sql_type
            if sql_type is not _MISSING:
                found.append(sql_type)
        if len(found) == 1:
            return found[0]
        return None if found else _MISSING

    def _in_source(self, source: exp.Expression, name: str, depth: int):
        if depth > 8:  # recursive CTEs: give up rather than loop
            return None
        if isinstance(source, exp.Subquery):
            return self._in_query(source.this, name, depth, source)
        if not isinstance(source, exp.Table) or not isinstance(source.this, exp.Identifier):
            return None
        cte = cte_named(source)
        if cte is not None:
            return self._in_query(cte.this, name, depth, cte)
        columns = self.column_types.get(reference_key(source))
        if columns is None:
            return None
        return parse_type(columns[name]) if name in columns else _MISSING

    def _in_query(self, query: exp.Expression, name: str, depth: int, holder: exp.Expression):
        """A derived table's or CTE's column: by its column list or its first branch's names; a
        set operation's column has the higher type of its branches, matched by position."""
        key = (id(query), name)
        if key in self._in_progress:  # a recursive CTE reading itself
            return None
        self._in_progress.add(key)
        try:
            return self._in_query_branches(query, name, depth, holder)
        finally:
            self._in_progress.discard(key)

    def _in_query_branches(self, query: exp.Expression, name: str, depth: int, holder: exp.Expression):
        names = [fold_identifier(c.name) for c in (holder.args.get("alias") or exp.TableAlias()).columns]
        first, *others = _branches_of(query)
        if not isinstance(first, exp.Select):
            return None
        result = self._projected(first, name, names, depth)
        if result is _MISSING or not others:
            return result
        position = (names or self._output_names(first, depth)).index(name)
        for branch in others:
            if not isinstance(branch, exp.Select) or len(branch.expressions) <= position or result is None:
                return None
            projection = branch.expressions[position]
            if isinstance(projection, exp.Star):
                return None
            if not isinstance(projection.unalias(), exp.Null):
                result = combined_type(result, self.type_of(projection.unalias()))
        return result

    def _projected(self, select: exp.Select, name: str, names: list[str], depth: int):
        for index, projection in enumerate(select.expressions):
            if isinstance(projection, exp.Star):
                return self._in_select(select, None, name, depth + 1)
            output = names[index] if index < len(names) else fold_identifier(projection.alias_or_name)
            if output == name:
                return self.type_of(projection.unalias())
        return _MISSING

    def output_types(self, query: exp.Expression) -> dict[str, str]:
        """{folded column name: SQL Server type} of a query's result, for the columns it can type."""
        while isinstance(query, exp.Subquery):
            query = query.this
        holder = exp.Subquery(this=query.copy())
        result = {}
        for name in self._output_names(holder.this, depth=0):
            sql_type = self._in_query(holder.this, name, 0, holder)
            if isinstance(sql_type, SqlType):
                result[name] = sql_type.sql()
        return result

    def _output_names(self, query: exp.Expression, depth: int) -> list[str]:
        """The folded output column names of a query, `*` expanded where its sources are known."""
        first = _branches_of(query)[0]
        if not isinstance(first, exp.Select) or depth > 8:
            return []
        names = []
        for projection in first.expressions:
            if isinstance(projection, exp.Star):
                for _, source in sources(first):
                    names.extend(self._source_names(source, depth))
            elif projection.alias_or_name:
                names.append(fold_identifier(projection.alias_or_name))
        return names

    def _source_names(self, source: exp.Expression, depth: int) -> list[str]:
        if isinstance(source, exp.Subquery):
            return self._output_names(source.this, depth + 1)
        if not isinstance(source, exp.Table):
            return []
        cte = cte_named(source)
        if cte is not None:
            listed = [fold_identifier(c.name) for c in (cte.args.get("alias") or exp.TableAlias()).columns]
            return listed or self._output_names(cte.this, depth + 1)
        return list(self.column_types.get(reference_key(source), {}))


_MISSING = object()  # a source that has no such column, as opposed to one of unknown type


def _branches_of(query: exp.Expression) -> list[exp.Expression]:
    if isinstance(query, exp.SetOperation):
        return [*_branches_of(query.this), *_branches_of(query.expression)]
    while isinstance(query, exp.Subquery):
        query = query.this
    return [query]


def _arithmetic(typing: Typing, node: exp.Binary) -> SqlType | None:
    return arithmetic_type(_ARITHMETIC[type(node)], typing.type_of(node.left), typing.type_of(node.right))


def _cast(typing: Typing, node: exp.Expression) -> SqlType | None:
    return type_of_datatype(node.to)


def _convert(typing: Typing, node: exp.Expression) -> SqlType | None:
    return type_of_datatype(node.this)


def _branches_type(typing: Typing, node: exp.Expression) -> SqlType | None:
    """CASE, IIF and COALESCE: the branch type of highest precedence; ISNULL: the first's."""
    if isinstance(node, exp.Coalesce):
        if node.args.get("is_null"):
            return typing.type_of(node.this)
        branches = [node.this, *node.expressions]
    elif isinstance(node, exp.If):
        branches = [node.args.get("true"), node.args.get("false")]
    else:
        branches = [*(i.args.get("true") for i in node.args.get("ifs") or []), node.args.get("default")]
    result = None
    for branch in branches:
        if branch is None or isinstance(branch, exp.Null):
            continue
        result = combined_type(result, typing.type_of(branch))
    return result


def _sum(typing: Typing, node: exp.Expression) -> SqlType | None:
    return aggregate_type("sum", typing.type_of(_aggregated(node)))


def _avg(typing: Typing, node: exp.Expression) -> SqlType | None:
    return aggregate_type("avg", typing.type_of(_aggregated(node)))


def _aggregated(node: exp.Expression) -> exp.Expression:
    argument = node.this
    return argument.expressions[0] if isinstance(argument, exp.Distinct) else argument


def _power(typing: Typing, node: exp.Expression) -> SqlType | None:
    return power_type(typing.type_of(node.this))


def _anonymous(typing: Typing, node: exp.Anonymous) -> SqlType | None:
    name = node.name.lower()
    if name in ("trunc", "degrees") and node.expressions:
        return typing.type_of(node.expressions[0])
    return _FUNCTION_RETURNS.get(name)


def _national(typing: Typing, node: exp.National) -> SqlType:
    return SqlType("nvarchar", length=max(len(node.this), 1))


def _distinct(typing: Typing, node: exp.Distinct) -> SqlType | None:
    return typing.type_of(node.expressions[0]) if node.expressions else None


def _window(typing: Typing, node: exp.Window) -> SqlType | None:
    return typing.type_of(node.this)


def _boolean(typing: Typing, node: exp.Expression) -> SqlType:
    return BIT


def _subquery(typing: Typing, node: exp.Subquery) -> SqlType | None:
    query = node.this
    if isinstance(query, exp.Select) and len(query.expressions) == 1:
        return typing.type_of(query.expressions[0].unalias())
    return None


def _literal(typing: Typing, node: exp.Literal) -> SqlType:
    return literal_type(node)


_RULES = {
    exp.Literal: _literal, exp.National: _national, exp.Cast: _cast, exp.TryCast: _cast, exp.Convert: _convert,
    exp.Column: Typing._column, exp.Case: _branches_type, exp.If: _branches_type, exp.Coalesce: _branches_type,
    exp.Sum: _sum, exp.Avg: _avg, exp.Pow: _power, exp.Anonymous: _anonymous, exp.Distinct: _distinct,
    exp.Window: _window, exp.Boolean: _boolean, exp.Subquery: _subquery,
    **dict.fromkeys(_ARITHMETIC, _arithmetic),
}  # fmt: skip
