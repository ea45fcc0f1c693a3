"""Rewrites for strings, collation and numbers: the same rows as SQL Server's defaults.

The one collation mechanism
---------------------------
SQL Server's default collation (SQL_Latin1_General_CP1_CI_AS) compares strings without
regard to case, and `=` ignores trailing spaces (ANSI padding). PostgreSQL compares bytes
of the database collation, and the embedded server has no ICU and no citext. So every
comparison between two text operands compares `lower(rtrim(x))` on both sides:
`=`, `<>`, `<`, `<=`, `>`, `>=`, BETWEEN, IN (a list), simple CASE, COUNT(DISTINCT x),
GROUP BY and DISTINCT. A string literal is folded when translating (`'ABC '` -> `'abc'`).

What it guarantees:
- Which rows match, join and group is what SQL Server's CI collation decides for letters
  that `lower()` folds (ASCII, Latin-1 and the rest of Unicode in a UTF-8 database).
- GROUP BY x / DISTINCT x of a text x group by `lower(rtrim(x))` and return `min(x)`: one
  of the equal values, as SQL Server does. SQL Server does not say which; we return the
  smallest in PostgreSQL's collation (so 'ABC' over 'abc' under "C").
- LIKE: case-insensitive (ILIKE or `~*`), the value's trailing spaces ignored, SQL Server's
  bracket classes (`[a-c]`, `[^x]`), `[%]`/`[_]` escapes, ESCAPE and literal backslashes.
- CHARINDEX finds the substring without regard to case; 0 when absent.

Where it does not:
- Only operands known to be text are rewritten: a literal, or a column whose type the
  catalog gives. A column of unknown type is compared as PostgreSQL does (case-sensitive).
- Accent sensitivity is kept (AS), as `lower()` keeps accents; width and kana are not.
- Ordering (ORDER BY, MIN/MAX) follows PostgreSQL's collation, not SQL Server's.
- IN (subquery), UNION's duplicate removal, NULLIF and PARTITION BY still compare exactly.
- A LIKE pattern that is not a literal keeps PostgreSQL's ILIKE syntax: brackets in it are
  not classes.
- Wrapping columns in lower(rtrim()) stops PostgreSQL from using plain indexes on them.

Under a case-sensitive collation (`_CS_` or binary; `RewriteContext.case_sensitive`) the
same places compare `rtrim(x)` only (trailing spaces are ANSI padding, not collation),
CHARINDEX is exact, and LIKE uses LIKE / `~`.
"""

from __future__ import annotations

import re

from sqlglot import exp

from migrator_pipeline.tsql.rewrites import RewriteContext, cast, error_at, template
from migrator_pipeline.tsql.sqlserver_types import INT
from migrator_pipeline.tsql.syntax import bottom_up as _bottom_up


def is_case_sensitive(collation: str) -> bool:
    """Whether a SQL Server collation name compares case-sensitively (`_CS`, `_BIN`, `_BIN2`)."""
    parts = collation.upper().split("_")
    return "CS" in parts or "BIN" in parts or "BIN2" in parts


# ---------------------------------------------------------------------------
# Declared types: ISNULL and DATALENGTH need the type itself, not only its family.


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
    for node in _bottom_up(tree, exp.Coalesce):
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
    if string and _is_string_literal(replacement):
        return len(replacement.this) > int(string[3] or 1)
    if context.family(replacement) == "integer" and target in ("int", "bigint"):
        return False
    return True


def datalength_in_bytes(tree: exp.Expression, context: RewriteContext) -> exp.Expression:
    """DATALENGTH counts bytes, trailing spaces included: one per character of varchar/char
    (the default collation's code page 1252 is single-byte), two of nvarchar/nchar (UTF-16),
    the declared length of char(n); fixed-size numbers have their size; binary is octets.
    https://learn.microsoft.com/sql/t-sql/functions/datalength-transact-sql"""
    for node in _bottom_up(tree, exp.Anonymous):
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


# ---------------------------------------------------------------------------
# String functions without a PostgreSQL twin.


def stuff_as_overlay(tree: exp.Expression, context: RewriteContext) -> exp.Expression:
    """STUFF(s, start, n, r) deletes n characters at start and inserts r: PostgreSQL's
    overlay. SQL Server returns NULL for a start before 1 or past the end, or a negative n;
    a NULL r inserts nothing.
    https://learn.microsoft.com/sql/t-sql/functions/stuff-transact-sql"""
    for node in _bottom_up(tree, exp.Stuff):
        formula = (
            "case when start < 1 or start > char_length(s) or n < 0 then null"
            " else overlay(s placing coalesce(r, '') from start for n) end"
        )
        parts = {"s": node.this, "start": node.args["start"], "n": node.args["length"], "r": node.expression}
        node.replace(template(formula, **parts))
    return tree


def replicate_negative_is_null(tree: exp.Expression, context: RewriteContext) -> exp.Expression:
    """REPLICATE with a negative count returns NULL; PostgreSQL's repeat returns ''.
    https://learn.microsoft.com/sql/t-sql/functions/replicate-transact-sql"""
    for node in _bottom_up(tree, exp.Repeat):
        times = node.args.get("times")
        if isinstance(times, exp.Literal) and not times.is_string:
            continue  # a literal count: the parser would have read a minus as Neg
        node.replace(template("case when n < 0 then null else repeat(s, n) end", s=node.this, n=times))
    return tree


def string_agg_of_any_type(tree: exp.Expression, context: RewriteContext) -> exp.Expression:
    """STRING_AGG converts non-string values to strings; PostgreSQL's string_agg takes text.
    https://learn.microsoft.com/sql/t-sql/functions/string-agg-transact-sql"""
    for node in _bottom_up(tree, exp.GroupConcat):
        holder = node.this if isinstance(node.this, exp.Order) else node
        value = holder.this
        if context.family(value) not in ("string", None):
            holder.set("this", cast(value, "text"))
    return tree


# ---------------------------------------------------------------------------
# Case-insensitive comparisons (see the module docstring).


def _is_string_literal(node: exp.Expression) -> bool:
    """'...' or N'...' (sqlglot's National is no Literal)."""
    return isinstance(node, exp.National) or isinstance(node, exp.Literal) and node.is_string


def is_text(node: exp.Expression, context: RewriteContext) -> bool:
    if isinstance(node, exp.Collate):
        return not is_case_sensitive(node.expression.name)
    return context.family(node) == "string"


def folded_text(node: exp.Expression, case_sensitive: bool = False) -> exp.Expression:
    """`lower(rtrim(x))` (only `rtrim(x)` under a case-sensitive collation: trailing spaces
    are ANSI padding, not collation); a string literal is folded here and now."""
    if isinstance(node, exp.Collate):
        node = node.this
    if _is_string_literal(node):
        folded = node.copy()
        trimmed = node.this.rstrip(" ")
        folded.set("this", trimmed if case_sensitive else trimmed.lower())
        return folded
    return template("rtrim(x)" if case_sensitive else "lower(rtrim(x))", x=node)


_COMPARISONS = (exp.EQ, exp.NEQ, exp.GT, exp.GTE, exp.LT, exp.LTE)


def case_insensitive_comparisons(tree: exp.Expression, context: RewriteContext) -> exp.Expression:
    """Under the default CI collation 'ABC' = 'abc ' is true: compare lower(rtrim()) (or
    rtrim() under a CS collation) of both sides of =, <>, <, <=, >, >=, BETWEEN, IN (...), simple CASE and COUNT(DISTINCT x).
    https://learn.microsoft.com/sql/relational-databases/collations/collation-and-unicode-support
    https://learn.microsoft.com/sql/t-sql/statements/set-ansi-padding-transact-sql"""
    for node in _bottom_up(tree, *_COMPARISONS, exp.Between, exp.In, exp.Case, exp.Count):
        operands = _compared_operands(node)
        if operands and all(is_text(node.args[key] if isinstance(key, str) else key, context) for key in operands):
            _fold_operands(node, operands, context.case_sensitive)
    return _drop_collate_clauses(tree)


def _compared_operands(node: exp.Expression) -> list:
    """The operands a node compares: argument names, or (for lists) the nodes themselves."""
    if isinstance(node, _COMPARISONS):
        return ["this", "expression"]
    if isinstance(node, exp.Between):
        return ["this", "low", "high"]
    if isinstance(node, exp.In):
        if node.args.get("query") or node.args.get("unnest") or not node.expressions:
            return []
        return ["this", *node.expressions]
    if isinstance(node, exp.Case) and node.this is not None:
        return ["this", *(branch.this for branch in node.args.get("ifs") or [])]
    if isinstance(node, exp.Count) and isinstance(node.this, exp.Distinct):
        return list(node.this.expressions)
    return []


def _fold_operands(node: exp.Expression, operands: list, case_sensitive: bool) -> None:
    for operand in operands:
        if isinstance(operand, str):
            node.set(operand, folded_text(node.args[operand], case_sensitive))
        else:
            operand.replace(folded_text(operand, case_sensitive))


def _drop_collate_clauses(tree: exp.Expression) -> exp.Expression:
    """PostgreSQL knows no SQL Server collation names: `x COLLATE Latin1_General_CS_AS` is x
    (compared exactly, as PostgreSQL does; a CI one was folded above)."""
    for node in _bottom_up(tree, exp.Collate):
        node.replace(node.this)
    return tree


def case_insensitive_grouping(tree: exp.Expression, context: RewriteContext) -> exp.Expression:
    """GROUP BY and DISTINCT put 'ABC' and 'abc ' in one group under the CI collation: group
    by lower(rtrim(x)) and return min(x), one of the group's values.
    https://learn.microsoft.com/sql/t-sql/queries/select-group-by-transact-sql"""
    for select in _bottom_up(tree, exp.Select):
        group = select.args.get("group")
        if group is not None:
            _group_case_insensitively(select, list(group.expressions), context)
        elif _is_plain_distinct(select):
            select.set("distinct", None)
            keys = [p.unalias().copy() for p in select.expressions]
            select.set("group", exp.Group(expressions=keys))
            _group_case_insensitively(select, keys, context)
    return tree


def _is_plain_distinct(select: exp.Select) -> bool:
    distinct = select.args.get("distinct")
    if distinct is None or distinct.args.get("on") is not None:
        return False
    return not any(p.find(exp.Star, exp.AggFunc, exp.Window) for p in select.expressions)


def _group_case_insensitively(select: exp.Select, keys: list[exp.Expression], context: RewriteContext) -> None:
    text_keys = [key for key in keys if is_text(key, context) and not isinstance(key, exp.Literal)]
    if not text_keys:
        return
    for key in text_keys:
        _replace_outside_aggregates(select, key)
    group = select.args["group"]
    folded = [folded_text(k, context.case_sensitive) if k in text_keys else k for k in group.expressions]
    group.set("expressions", folded)


def _replace_outside_aggregates(select: exp.Select, key: exp.Expression) -> None:
    """Each use of a text group key in SELECT, HAVING and ORDER BY becomes min(key), so the
    query still names a grouped value; a bare projection keeps its output name."""
    for projection in list(select.expressions):
        if projection == key and key.alias_or_name:
            projection.replace(exp.alias_(group_value(key), key.alias_or_name))
    for part in (*select.expressions, select.args.get("having"), select.args.get("order")):
        if part is None:
            continue
        for node in list(part.walk()):
            if node == key and node is not key and not node.find_ancestor(exp.AggFunc):
                node.replace(group_value(node))


def group_value(key: exp.Expression) -> exp.Min:
    """min(key): one of the values of a group of equal strings (not a MIN the query wrote)."""
    value = exp.Min(this=key.copy())
    value.meta["group_value"] = True
    return value


def charindex_ignores_case(tree: exp.Expression, context: RewriteContext) -> exp.Expression:
    """CHARINDEX(find, s [, start]) is the 1-based position of find in s, without regard to
    case under the CI collation; 0 when absent; a start below 1 searches from 1.
    https://learn.microsoft.com/sql/t-sql/functions/charindex-transact-sql"""
    for node in _bottom_up(tree, exp.StrPosition):
        haystack, needle, start = node.this, node.args.get("substr"), node.args.get("position")
        ignore_case = not context.case_sensitive and is_text(haystack, context) and is_text(needle, context)
        parts = {"s": _lowered(haystack, ignore_case), "f": _lowered(needle, ignore_case)}
        if start is None:
            node.replace(template("strpos(s, f)", **parts))
            continue
        literal = isinstance(start, exp.Literal) and start.is_int
        parts["k"] = exp.Literal.number(max(int(start.this), 1)) if literal else template("greatest(k, 1)", k=start)
        formula = "case when strpos(substring(s from k), f) = 0 then 0 else strpos(substring(s from k), f) + k - 1 end"
        node.replace(template(formula, **parts))
    return tree


def _lowered(node: exp.Expression, ignore_case: bool) -> exp.Expression:
    if not ignore_case:
        return node.copy()
    if _is_string_literal(node):
        lowered = node.copy()
        lowered.set("this", node.this.lower())
        return lowered
    return template("lower(x)", x=node)


# ---------------------------------------------------------------------------
# LIKE.

_REGEX_SPECIAL = set("\\.^$*+?(){}|[]")


def like_patterns(tree: exp.Expression, context: RewriteContext) -> exp.Expression:
    """LIKE ignores case under the CI collation and the value's trailing spaces ('abc  ' LIKE
    'abc' is true), has bracket classes ([a-c], [^x], [%] for a literal %), and no escape
    character unless ESCAPE names one (PostgreSQL's default is backslash). Plain patterns
    become ILIKE; the others an anchored regular expression (`~*`).
    https://learn.microsoft.com/sql/t-sql/language-elements/like-transact-sql"""
    for node in _bottom_up(tree, exp.Like):
        escape = node.parent.expression if isinstance(node.parent, exp.Escape) else None
        target = node.parent if escape is not None else node
        value, pattern = node.this, node.expression
        if context.family(value) not in ("string", None):
            value = cast(value, "text")  # SQL Server converts a number to match it
        if escape is not None and not isinstance(escape, exp.Literal):
            continue
        replacement = _like(value, pattern, escape.this if escape is not None else None, context.case_sensitive)
        if replacement is None:
            continue
        target.replace(exp.Not(this=replacement) if node.args.get("negate") else replacement)
    return tree


def _like(value: exp.Expression, pattern: exp.Expression, escape: str | None, case_sensitive: bool):
    like = exp.Like if case_sensitive else exp.ILike
    if not _is_string_literal(pattern):
        matched = like(this=template("rtrim(x)", x=value), expression=pattern.copy())
        return exp.Escape(this=matched, expression=exp.Literal.string(escape)) if escape else matched
    text = pattern.this
    if escape is None and not set(text) & {"[", "\\"}:
        if text.endswith("%"):
            return like(this=value.copy(), expression=pattern.copy())
        if not text.endswith(" "):
            return like(this=template("rtrim(x)", x=value), expression=pattern.copy())
    regex = exp.RegexpLike if case_sensitive else exp.RegexpILike
    return regex(this=value.copy(), expression=exp.Literal.string(like_pattern_as_regex(text, escape)))


def like_pattern_as_regex(pattern: str, escape: str | None = None) -> str:
    """A SQL Server LIKE pattern as an anchored PostgreSQL regular expression that also
    accepts trailing spaces after the match."""
    out, i = ["^"], 0
    while i < len(pattern):
        char = pattern[i]
        if escape and char == escape and i + 1 < len(pattern):
            out.append(_regex_literal(pattern[i + 1]))
            i += 2
        elif char == "%":
            out.append(".*")
            i += 1
        elif char == "_":
            out.append(".")
            i += 1
        elif char == "[" and pattern.find("]", i + 2) != -1:
            end = pattern.find("]", i + 2)  # `[]` is no class: a class has one member at least
            out.append(_regex_class(pattern[i + 1 : end]))
            i = end + 1
        else:
            out.append(_regex_literal(char))
            i += 1
    out.append(" *$")
    return "".join(out)


def _regex_literal(char: str) -> str:
    return "\\" + char if char in _REGEX_SPECIAL else char


def _regex_class(body: str) -> str:
    negated = body.startswith("^")
    members = body[1:] if negated else body
    escaped = "".join("\\" + c if c in "\\[]" else c for c in members)
    return "[" + ("^" if negated else "") + escaped + "]"


# ---------------------------------------------------------------------------
# Numbers.

_INTEGER_TYPES = (exp.DataType.Type.INT, exp.DataType.Type.BIGINT, exp.DataType.Type.SMALLINT,
                  exp.DataType.Type.TINYINT, exp.DataType.Type.UTINYINT)  # fmt: skip


def integer_casts_truncate(tree: exp.Expression, context: RewriteContext) -> exp.Expression:
    """CAST of decimal or float to an integer type truncates (2.7 -> 2, -2.7 -> -2), where
    PostgreSQL rounds; CAST of money to int rounds, as PostgreSQL does (money stays).
    https://learn.microsoft.com/sql/t-sql/functions/cast-and-convert-transact-sql#truncating-and-rounding-results"""
    for node in _bottom_up(tree, exp.Cast, exp.TryCast):
        if not node.to.is_type(*_INTEGER_TYPES) or context.family(node.this) not in ("exact", "approximate"):
            continue
        if (context.type_of(node.this) or INT).is_money:
            continue
        node.set("this", exp.Anonymous(this="trunc", expressions=[node.this.copy()]))
    return tree


def round_with_truncation(tree: exp.Expression, context: RewriteContext) -> exp.Expression:
    """ROUND(x, n, f) with f other than 0 truncates to n places instead of rounding.
    (ROUND itself rounds half away from zero in both systems.)
    https://learn.microsoft.com/sql/t-sql/functions/round-transact-sql"""
    for node in _bottom_up(tree, exp.Round):
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


# ---------------------------------------------------------------------------
# Padding, REPLACE, ordering and national literals.

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
    for node in _bottom_up(tree, exp.Column, exp.Cast):
        declared = _CHAR_TYPE.match(declared_type(node, context) or "")
        # The parser wraps LEFT/RIGHT's argument in CAST(x AS TEXT): pad instead of that cast.
        wrapper = node.parent if _is_text_cast(node.parent) else node
        if declared and isinstance(wrapper.parent, _PADDED_CONSUMERS):
            wrapper.replace(template(f"rpad(x, {int(declared[1] or 1)})", x=node.copy()))
    return tree


def _is_text_cast(node: exp.Expression | None) -> bool:
    return isinstance(node, exp.Cast) and node.to.is_type(exp.DataType.Type.TEXT)


def replace_ignores_case(tree: exp.Expression, context: RewriteContext) -> exp.Expression:
    """REPLACE finds the pattern by the input's collation: without regard to case under the
    CI default (REPLACE('Tea', 'tea', 'x') is 'x'). PostgreSQL's replace is exact, so the
    pattern becomes a case-insensitive regular expression of its literal text, and the
    replacement's backslashes are escaped (regexp_replace reads `\\1` and `\\&`).
    https://learn.microsoft.com/sql/t-sql/functions/replace-transact-sql"""
    if context.case_sensitive:
        return tree
    for node in _bottom_up(tree, exp.Replace):
        value, pattern, replacement = node.this, node.expression, node.args.get("replacement")
        if replacement is None:
            continue
        parts = {"s": value, "p": _regex_of_text(pattern), "r": _regex_replacement(replacement)}
        node.replace(template("regexp_replace(s, p, r, 'gi')", **parts))
    return tree


def _regex_of_text(node: exp.Expression) -> exp.Expression:
    if _is_string_literal(node):
        return exp.Literal.string("".join(_regex_literal(c) for c in node.this))
    return template(r"regexp_replace(x, '([\\.^$*+?(){}|\[\]])', '\\\1', 'g')", x=node)


def _regex_replacement(node: exp.Expression) -> exp.Expression:
    if _is_string_literal(node):
        return exp.Literal.string(node.this.replace("\\", "\\\\"))
    return template(r"replace(x, '\', '\\')", x=node)


def case_insensitive_ordering(tree: exp.Expression, context: RewriteContext) -> exp.Expression:
    """ORDER BY (of a SELECT or in OVER) sorts text by the CI collation: 'bob' and 'Bob' are
    equal and sort among the b's, and trailing spaces do not count, so order by
    lower(rtrim(x)) (ties then follow the other keys; SQL Server leaves equal keys in no
    particular order). PARTITION BY groups as
    GROUP BY does: by lower(rtrim(x)).
    https://learn.microsoft.com/sql/t-sql/queries/select-order-by-clause-transact-sql
    https://learn.microsoft.com/sql/t-sql/queries/select-over-clause-transact-sql"""
    if context.case_sensitive:
        return tree
    for ordered in _bottom_up(tree, exp.Ordered):
        if _orders_text(ordered, context):
            order_in_dictionary_order(ordered)
    for window in _bottom_up(tree, exp.Window):
        keys = window.args.get("partition_by") or []
        folded = [folded_text(k) if is_text(k, context) and not _is_string_literal(k) else k for k in keys]
        if keys:
            window.set("partition_by", folded)
    return tree


# Accent-sensitive dictionary order without ICU (the embedded PostgreSQL has none) and in any
# database collation: letters compare first without their accents, then accented after plain
# ('E' < 'É' < 'F'), as Latin1_General_CI_AS and SQL_Latin1_General_CP1_CI_AS sort them.
_ACCENTED = "àáâãäåāăąçćčďèéêëēęěìíîïīñńňòóôõöøōőřśšťùúûüūůűýÿžźż"
_PLAIN = "aaaaaaaaacccdeeeeeeeiiiiinnnoooooooorsstuuuuuuuyyzzz"


def dictionary_keys(node: exp.Expression) -> list[exp.Expression]:
    """Sort keys that order text as the CI_AS collations do: letters without accents, then
    the lower-cased text (whose accented letters follow the plain ones in code point order)."""
    folded = folded_text(node)
    plain = exp.Anonymous(this="translate", expressions=[folded, exp.Literal.string(_ACCENTED), exp.Literal.string(_PLAIN)])
    return [plain, folded.copy()]


def order_in_dictionary_order(ordered: exp.Ordered) -> None:
    first, second = dictionary_keys(ordered.this)
    tie = ordered.copy()
    tie.set("this", second)
    ordered.set("this", first)
    holder = ordered.parent
    keys = holder.expressions
    keys.insert(keys.index(ordered) + 1, tie)
    holder.set("expressions", keys)


def _orders_text(ordered: exp.Ordered, context: RewriteContext) -> bool:
    """A text key that lower() can wrap: not a position, and not where PostgreSQL only
    accepts output column names (after UNION, or with SELECT DISTINCT)."""
    key = ordered.this
    if isinstance(key, exp.Literal) or not is_text(key, context):
        return False
    order = ordered.parent
    owner = order.parent if isinstance(order, exp.Order) else None
    if isinstance(owner, exp.SetOperation):
        return False
    return not (isinstance(owner, exp.Select) and owner.args.get("distinct") is not None)


def national_strings(tree: exp.Expression, context: RewriteContext) -> exp.Expression:
    """N'...' is a plain string in PostgreSQL: its `N'...'` is char(n), whose trailing spaces
    vanish in a concatenation ('Anna' || N' ' || 'Smith' is 'AnnaSmith'). Runs last: the
    rewrites before read N'...' as nvarchar.
    https://learn.microsoft.com/sql/t-sql/data-types/nchar-and-nvarchar-transact-sql"""
    for node in list(tree.find_all(exp.National)):
        node.replace(exp.Literal.string(node.this))
    return tree
