"""Rewrites for strings: `+` between strings, LEN and DATALENGTH, ISNULL's first type, STUFF,
REPLICATE, STRING_AGG, char(n) padding and N'...' literals. (Comparisons of strings are
collation_rewrites.py; STR, QUOTENAME, SPACE and FOR XML PATH are string_function_rewrites.py.)"""

from __future__ import annotations

import re

from sqlglot import exp

from migrator_pipeline.tsql.rewrites import RewriteContext, cast, error_at, template
from migrator_pipeline.tsql.sqlserver_types import (
    SqlType,
)
from migrator_pipeline.tsql.syntax import bottom_up, is_string_literal
from migrator_pipeline.tsql.types import postgres_type


def string_concatenation(tree: exp.Expression, context: RewriteContext) -> exp.Expression:
    """`+` between strings concatenates in SQL Server, and a NULL operand makes the result
    NULL, as PostgreSQL's `||` does. Between a string and a number the number's type wins
    (data type precedence), so `'5' + 3` is 8: the string operand is cast to the number.
    https://learn.microsoft.com/sql/t-sql/language-elements/string-concatenation-transact-sql
    https://learn.microsoft.com/sql/t-sql/data-types/data-type-precedence-transact-sql"""
    for add in bottom_up(tree, exp.Add):
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


def length_ignores_trailing_spaces(tree: exp.Expression, context: RewriteContext) -> exp.Expression:
    """LEN counts characters without trailing spaces (`LEN('ab  ')` is 2); PostgreSQL's
    length counts them, so trim them first. (DATALENGTH counts bytes: not rewritten here.)
    https://learn.microsoft.com/sql/t-sql/functions/len-transact-sql"""
    for length in bottom_up(tree, exp.Length):
        argument = length.this
        # The parser wraps LEN's argument in CAST(... AS TEXT); keep it only for non-strings.
        if isinstance(argument, exp.Cast) and argument.to.is_type(exp.DataType.Type.TEXT):
            inner = argument.this
            argument = inner if context.family(inner) in ("string", None) else cast(inner, "text")
        trimmed = exp.Trim(this=argument.copy(), position="TRAILING")
        length.replace(exp.Length(this=trimmed))
    return tree


def declared_type(node: exp.Expression, context: RewriteContext) -> str | None:
    """The SQL Server type of `node` as T-SQL writes it (`varchar(10)`, `money`); None if unknown."""
    sql_type = context.type_of(node)
    return sql_type.sql() if sql_type is not None else None


_STRING_TYPE = re.compile(r"^(n?)(var)?char(?:\((\d+|max)\))?$")


_FIXED_LENGTH_NUMBERS = {"tinyint": 1, "smallint": 2, "int": 4, "bigint": 8, "bit": 1,
                         "real": 4, "float": 8, "money": 8, "smallmoney": 4}  # fmt: skip


def isnull_takes_the_first_type(tree: exp.Expression, context: RewriteContext) -> exp.Expression:
    """ISNULL(a, b) returns a's type, so b is converted to it: ISNULL(varchar(3) col,
    'abcdef') is 'abc' and ISNULL(int col, 2.7) is 2. COALESCE takes the type of highest
    precedence instead, so it is left alone.
    https://learn.microsoft.com/sql/t-sql/functions/isnull-transact-sql"""
    for node in bottom_up(tree, exp.Coalesce):
        if not node.args.get("is_null") or len(node.expressions) != 1:
            continue
        replacement = node.expressions[0]
        target = declared_type(node.this, context)
        if target is None or isinstance(replacement, exp.Null) or not _needs_conversion(replacement, target, context):
            continue
        datatype = exp.DataType.build(target, dialect="tsql")
        node.set("expressions", [exp.Cast(this=replacement.copy(), to=datatype)])
    return tree


def _needs_conversion(replacement: exp.Expression, target: str, context: RewriteContext) -> bool:
    """False where converting cannot change the value: a string that fits, the same type."""
    if declared_type(replacement, context) == target:
        return False
    string = _STRING_TYPE.match(target)
    if string and string[3] == "max":
        return False  # varchar(max) and nvarchar(max): nothing is cut
    if string and is_string_literal(replacement):
        return len(replacement.this) > int(string[3] or 1)
    if context.family(replacement) == "integer" and target in ("int", "bigint"):
        return False
    return True


def datalength_in_bytes(tree: exp.Expression, context: RewriteContext) -> exp.Expression:
    """DATALENGTH counts bytes, trailing spaces included: one per character of varchar/char
    (the default collation's code page 1252 is single-byte), two of nvarchar/nchar (UTF-16),
    the declared length of char(n); fixed-size numbers have their size; binary is octets.
    https://learn.microsoft.com/sql/t-sql/functions/datalength-transact-sql"""
    for node in bottom_up(tree, exp.Anonymous):
        if node.name.lower() != "datalength" or len(node.expressions) != 1:
            continue
        node.replace(_datalength(node.expressions[0], declared_type(node.expressions[0], context), node))
    return tree


def _datalength(value: exp.Expression, declared: str | None, node: exp.Expression) -> exp.Expression:
    string = _STRING_TYPE.match(declared or "")
    if string:
        per_character = 2 if string[1] else 1
        if not string[2]:  # char(n): always n characters, padded
            length = int(string[3] or 1)
            return template(f"case when x is null then null else {length * per_character} end", x=value)
        factor = f" * {per_character}" if per_character > 1 else ""
        return template(f"char_length(x){factor}", x=value)
    if declared and declared.startswith("decimal("):  # 5, 9, 13 or 17 bytes by precision
        precision = int(declared[8:].split(",")[0])
        size = 5 if precision <= 9 else 9 if precision <= 19 else 13 if precision <= 28 else 17
        return template(f"case when x is null then null else {size} end", x=value)
    if declared in _FIXED_LENGTH_NUMBERS:
        return template(f"case when x is null then null else {_FIXED_LENGTH_NUMBERS[declared]} end", x=value)
    if declared is None or declared.startswith(("varbinary", "binary", "image")):
        return template("octet_length(x)", x=value)
    raise error_at(f"DATALENGTH of {declared} is not supported", node)


def stuff_as_overlay(tree: exp.Expression, context: RewriteContext) -> exp.Expression:
    """STUFF(s, start, n, r) deletes n characters at start and inserts r: PostgreSQL's
    overlay, written as PostgreSQL defines overlay for a start of 1 or more (textoverlay:
    the text before start, r, the text from start + n; the same value, NULL in, NULL out)
    because sqlfluff, the generated project's linter, cannot parse OVERLAY ... PLACING.
    SQL Server returns NULL for a start before 1 or past the end, or a negative n;
    a NULL r inserts nothing.
    https://learn.microsoft.com/sql/t-sql/functions/stuff-transact-sql"""
    for node in bottom_up(tree, exp.Stuff):
        formula = (
            "case when start < 1 or start > char_length(s) or n < 0 then null"
            " else substring(s from 1 for start - 1) || coalesce(r, '') || substring(s from start + n) end"
        )
        # an operator in start or n keeps to itself in `start - 1` and `start + n` (`a & b - 1` is a & (b - 1))
        start, n = (exp.paren(x, copy=False) if isinstance(x, exp.Binary) else x
                    for x in (node.args["start"], node.args["length"]))
        node.replace(template(formula, s=node.this, start=start, n=n, r=node.expression))
    return tree


def replicate_negative_is_null(tree: exp.Expression, context: RewriteContext) -> exp.Expression:
    """REPLICATE with a negative count returns NULL; PostgreSQL's repeat returns ''.
    https://learn.microsoft.com/sql/t-sql/functions/replicate-transact-sql"""
    for node in bottom_up(tree, exp.Repeat):
        times = node.args.get("times")
        if isinstance(times, exp.Literal) and not times.is_string:
            continue  # a literal count: the parser would have read a minus as Neg
        node.replace(template("case when n < 0 then null else repeat(s, n) end", s=node.this, n=times))
    return tree


def string_agg_of_any_type(tree: exp.Expression, context: RewriteContext) -> exp.Expression:
    """STRING_AGG converts non-string values to strings; PostgreSQL's string_agg takes text.
    https://learn.microsoft.com/sql/t-sql/functions/string-agg-transact-sql"""
    for node in bottom_up(tree, exp.GroupConcat):
        holder = node.this if isinstance(node.this, exp.Order) else node
        value = holder.this
        if context.family(value) not in ("string", None):
            holder.set("this", cast(value, "text"))
    return tree


_CHAR_TYPE = re.compile(r"^n?char(?:acter)?(?:\((\d+)\))?$")


# Where a char(n) value's trailing spaces show: concatenation and string functions (not
# comparisons, which ignore them, nor LEN, which trims them).
_PADDED_CONSUMERS = (exp.DPipe, exp.Concat, exp.ConcatWs, exp.Left, exp.Right, exp.Substring,
                     exp.Replace, exp.Reverse, exp.Upper, exp.Lower, exp.Repeat)  # fmt: skip


def char_padding(tree: exp.Expression, context: RewriteContext) -> exp.Expression:
    """A char(n) value always holds n characters (trailing spaces included, ANSI_PADDING),
    so `'[' + Sku + ']'` of a char(8) 'AB-100' is '[AB-100  ]'. PostgreSQL's char(n) drops
    the padding when it becomes text: `rpad(x, n)` restores it where a string function or a
    concatenation reads the value.
    https://learn.microsoft.com/sql/t-sql/data-types/char-and-varchar-transact-sql"""
    for node in bottom_up(tree, exp.Column, exp.Cast):
        declared = _CHAR_TYPE.match(declared_type(node, context) or "")
        # The parser wraps LEFT/RIGHT's argument in CAST(x AS TEXT): pad instead of that cast.
        wrapper = node.parent if _is_text_cast(node.parent) else node
        if declared and isinstance(wrapper.parent, _PADDED_CONSUMERS):
            wrapper.replace(template(f"rpad(x, {int(declared[1] or 1)})", x=node.copy()))
    return tree


def _is_text_cast(node: exp.Expression | None) -> bool:
    return isinstance(node, exp.Cast) and node.to.is_type(exp.DataType.Type.TEXT)


def national_strings(tree: exp.Expression, context: RewriteContext) -> exp.Expression:
    """N'...' is a plain string in PostgreSQL: its `N'...'` is char(n), whose trailing spaces
    vanish in a concatenation ('Anna' || N' ' || 'Smith' is 'AnnaSmith'). Runs last: the
    rewrites before read N'...' as nvarchar.
    https://learn.microsoft.com/sql/t-sql/data-types/nchar-and-nvarchar-transact-sql"""
    for node in list(tree.find_all(exp.National)):
        node.replace(exp.Literal.string(node.this))
    return tree
