"""Rewrites for conversions: CAST and CONVERT (styles, the one type policy), TRY_CAST and
TRY_CONVERT, and casts to integers, which truncate."""

from __future__ import annotations

from sqlglot import exp

from migrator_pipeline.tsql.date_rewrites import as_temporal
from migrator_pipeline.tsql.rewrites import (
    NUMBER_FAMILIES,
    TEMPORAL_FAMILIES,
    RewriteContext,
    cast,
    error_at,
    template,
)
from migrator_pipeline.tsql.sqlserver_types import (
    INT,
    type_of_datatype,
    typed,
)
from migrator_pipeline.tsql.syntax import bottom_up, unwrap_date_argument
from migrator_pipeline.tsql.types import UnknownTypeError, postgres_type

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
    for node in bottom_up(tree, exp.Convert):
        target, value, style = node.this, node.expression, node.args.get("style")
        # TRY_CONVERT parses as a CONVERT marked safe: a TryCast, which `try_casts` guards.
        cast_class = exp.TryCast if node.args.get("safe") else exp.Cast
        target_type = type_of_datatype(target)
        to_temporal = target_type is not None and target_type.is_temporal
        if (context.type_of(value) or INT).is_money and target_type is not None and target_type.is_string:
            node.replace(_money_text(value, _style_number(style) if style is not None else 0, target))
            continue
        if style is None or to_temporal and context.family(unwrap_date_argument(value)) in TEMPORAL_FAMILIES:
            node.replace(cast_class(this=value, to=target))
            continue
        if to_temporal:
            node.replace(cast_class(this=_style_text_as_iso(value, style, node), to=target))
            continue
        pattern = _style_pattern(style)
        if pattern is None or target_type is None or not target_type.is_string:
            raise error_at(f"CONVERT style {style.sql(dialect='tsql')} is not supported for {target.sql(dialect='tsql')}", node)
        text = exp.Anonymous(this="to_char", expressions=[as_temporal(value, context), exp.Literal.string(pattern)])
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
    while isinstance(style, exp.Paren):  # `(126)`, as SQL Server scripts a computed column
        style = style.this
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


# SQL Server reads an integer or decimal from text with an optional sign, digits and one
# point, spaces around: not '1e3', 'NaN', '0x1F' or '1_000', which PostgreSQL's input accepts.
_PLAIN_NUMBER = r"^\s*[-+]?([0-9]+\.?[0-9]*|\.[0-9]+)\s*$"


def _plain_number(text: exp.Expression) -> exp.Expression:
    return exp.RegexpLike(this=text.copy(), expression=exp.Literal.string(_PLAIN_NUMBER))


_NUMBER_AND_DATE_FAMILIES = (*NUMBER_FAMILIES, *TEMPORAL_FAMILIES)


def blank_strings_convert_to_zero(tree: exp.Expression, context: RewriteContext) -> exp.Expression:
    """An empty or blank string converted to an integer, `float` or `real` is 0, in CAST and
    TRY_CAST alike (TRY_CAST('' AS int) is 0, not NULL); PostgreSQL rejects it. To decimal and
    money it stays an error (NULL under TRY_CAST), as in SQL Server. Undocumented: the result
    every SQL Server version reproduces (`SELECT CAST('' AS int)` is 0), the rule behind
    COALESCE('  ', 1) = 0 (string_function_rewrites.branches_in_result_type). `try_casts` does
    the same in its guard. Runs after `data_types`.
    https://learn.microsoft.com/sql/t-sql/functions/cast-and-convert-transact-sql"""
    for node in bottom_up(tree, exp.Cast):
        source = unwrap_date_argument(node.this)
        if isinstance(node, exp.TryCast) or context.family(node) not in _BLANK_IS_ZERO \
                or context.family(source) != "string":
            continue
        zero_when_blank = exp.Case(ifs=[exp.If(this=_is_blank(source), true=exp.Literal.string("0"))],
                                   default=source.copy())
        node.set("this", typed(zero_when_blank, context.type_of(source)))
    return tree


_BLANK_IS_ZERO = ("integer", "approximate")


def _is_blank(text: exp.Expression) -> exp.Expression:
    return template("char_length(trim(x)) = 0", x=text)


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
    for node in bottom_up(tree, exp.TryCast):
        target = node.to
        plain = exp.Cast(this=node.this.copy(), to=target.copy())
        source_kind = context.family(unwrap_date_argument(node.this))
        if context.family(plain) not in _NUMBER_AND_DATE_FAMILIES or source_kind not in ("string", None):
            node.replace(plain)
            continue
        text = node.this.copy() if source_kind == "string" else cast(node.this, "text")
        type_name = exp.Literal.string(target.sql(dialect="postgres").lower())
        valid = exp.Anonymous(this="pg_input_is_valid", expressions=[text, type_name])
        if context.family(plain) in ("integer", "exact"):
            valid = exp.and_(valid, _plain_number(text), copy=False)
        # The cast goes outside the CASE: PostgreSQL converts a constant inside it while
        # planning, before the guard runs. Blanks are 0 (blank_strings_convert_to_zero).
        guards = [exp.If(this=valid, true=text.copy())]
        if context.family(plain) in _BLANK_IS_ZERO:
            guards.insert(0, exp.If(this=_is_blank(text), true=exp.Literal.string("0")))
        node.replace(exp.Cast(this=exp.Case(ifs=guards), to=target.copy()))
    return tree


_INTEGER_TYPES = (exp.DataType.Type.INT, exp.DataType.Type.BIGINT, exp.DataType.Type.SMALLINT,
                  exp.DataType.Type.TINYINT, exp.DataType.Type.UTINYINT)  # fmt: skip


def integer_casts_truncate(tree: exp.Expression, context: RewriteContext) -> exp.Expression:
    """CAST of decimal or float to an integer type truncates (2.7 -> 2, -2.7 -> -2), where
    PostgreSQL rounds; CAST of money to int rounds, as PostgreSQL does (money stays).
    https://learn.microsoft.com/sql/t-sql/functions/cast-and-convert-transact-sql#truncating-and-rounding-results"""
    for node in bottom_up(tree, exp.Cast, exp.TryCast):
        if not node.to.is_type(*_INTEGER_TYPES) or context.family(node.this) not in ("exact", "approximate"):
            continue
        if (context.type_of(node.this) or INT).is_money:
            continue
        node.set("this", exp.Anonymous(this="trunc", expressions=[node.this.copy()]))
    return tree


def integers_into_short_strings(tree: exp.Expression, context: RewriteContext) -> exp.Expression:
    """An integer converted to a char or varchar too short for it is `*` (CAST(12345 AS
    varchar(3))); PostgreSQL would cut it to '123'. (To nchar/nvarchar, or from a decimal,
    SQL Server raises an error instead: left as PostgreSQL's cut.)
    https://learn.microsoft.com/sql/t-sql/functions/cast-and-convert-transact-sql#truncating-and-rounding-results"""
    for node in bottom_up(tree, exp.Cast):
        target = node.to.meta.get("sqlserver_type") if node.to._meta else None
        if target is None or target.name not in ("char", "varchar") or target.length in (None, -1):
            continue
        if context.family(node.this) != "integer":
            continue
        formula = f"case when char_length(cast(x as text)) > {target.length} then '*' else cast(x as text) end"
        node.replace(typed(cast(template(formula, x=node.this), postgres_type(target.sql())), target))
    return tree


# money as text: style 0 (and CAST) 2 decimals, 1 with thousands separators, 2 and 126 4 decimals.
# https://learn.microsoft.com/sql/t-sql/functions/cast-and-convert-transact-sql#money-and-smallmoney-styles
_MONEY_STYLES = {0: "FM999999999999990.00", 1: "FM999,999,999,999,990.00", 2: "FM999999999999990.0000",
                 126: "FM999999999999990.0000"}  # fmt: skip


def money_as_text(tree: exp.Expression, context: RewriteContext) -> exp.Expression:
    """CAST(money AS varchar) shows 2 decimals ('1234.50', not PostgreSQL's '1234.5000'), rounded.
    Runs before `conversions`, while CONVERT and its style are still there.
    https://learn.microsoft.com/sql/t-sql/functions/cast-and-convert-transact-sql#money-and-smallmoney-styles"""
    for node in bottom_up(tree, exp.Cast):
        target = type_of_datatype(node.to)
        if target is not None and target.is_string and (context.type_of(node.this) or INT).is_money:
            node.replace(_money_text(node.this, 0, node.to))
    return tree


def _style_number(style: exp.Expression) -> int | None:
    return int(style.this) if isinstance(style, exp.Literal) and style.this.isdigit() else None


def _money_text(value: exp.Expression, style: int | None, target: exp.DataType) -> exp.Expression:
    pattern = _MONEY_STYLES.get(style if style is not None else 0)
    if pattern is None:
        raise error_at(f"CONVERT style {style} is not supported for money", value)
    text = exp.Anonymous(this="to_char", expressions=[value.copy(), exp.Literal.string(pattern)])
    return exp.Cast(this=text, to=target.copy())
