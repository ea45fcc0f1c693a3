"""Rewrites for collation: strings compare, group and sort as SQL Server's default collation says.

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
- ORDER BY, TOP and MIN/MAX of strings use a dictionary sort key (`dictionary_keys`: letters
  without accents first, then accented after plain, so 'É' sorts right after 'E'): the
  embedded PostgreSQL has no ICU, so a `translate()` of Latin accents stands in for it.
  Expansions (ß, æ) and SQL Server's ignoring of hyphens are not reproduced.
- PARTITION BY groups by lower(rtrim()); its window ORDER BY sorts as ORDER BY does.
- A LIKE pattern that is not a literal keeps PostgreSQL's ILIKE syntax: brackets in it are
  not classes.
- Wrapping columns in lower(rtrim()) stops PostgreSQL from using plain indexes on them.

Under a case-sensitive collation (`_CS_` or binary; `RewriteContext.case_sensitive`) the
same places compare `rtrim(x)` only (trailing spaces are ANSI padding, not collation),
CHARINDEX is exact, and LIKE uses LIKE / `~`.

Beyond comparisons:
- `IN (subquery)`: both sides compared as lower(rtrim()).
- NULLIF(a, b) of strings: NULL when a and b are equal under the collation.
- MIN/MAX of strings: the first or last in dictionary order.
- UNION, EXCEPT and INTERSECT remove duplicates under the collation: 'ABC' UNION 'abc ' is one
  row (SQL Server does not say which of the equal values it keeps; we keep the smallest in
  PostgreSQL's order, as GROUP BY does).
https://learn.microsoft.com/sql/relational-databases/collations/collation-and-unicode-support
https://learn.microsoft.com/sql/t-sql/language-elements/set-operators-union-transact-sql
"""

from __future__ import annotations

from sqlglot import exp

from migrator_pipeline.tsql.identifiers import fold_identifier
from migrator_pipeline.tsql.rewrites import RewriteContext, cast, template
from migrator_pipeline.tsql.sqlserver_types import INT, typed
from migrator_pipeline.tsql.syntax import bottom_up, is_string_literal


def is_case_sensitive(collation: str) -> bool:
    """Whether a SQL Server collation name compares case-sensitively (`_CS`, `_BIN`, `_BIN2`)."""
    parts = collation.upper().split("_")
    return "CS" in parts or "BIN" in parts or "BIN2" in parts




def is_text(node: exp.Expression, context: RewriteContext) -> bool:
    if isinstance(node, exp.Collate):
        return not is_case_sensitive(node.expression.name)
    return context.family(node) == "string"


def folded_text(node: exp.Expression, case_sensitive: bool = False) -> exp.Expression:
    """`lower(rtrim(x))` (only `rtrim(x)` under a case-sensitive collation: trailing spaces
    are ANSI padding, not collation); a string literal is folded here and now."""
    if isinstance(node, exp.Collate):
        node = node.this
    if is_string_literal(node):
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
    for node in bottom_up(tree, *_COMPARISONS, exp.Between, exp.In, exp.Case, exp.Count):
        operands = _compared_operands(node)
        if not operands or not all(is_text(node.args[key] if isinstance(key, str) else key, context) for key in operands):
            continue
        if isinstance(node, _ORDERINGS) and not context.case_sensitive:
            _compare_in_dictionary_order(node)
        else:
            _fold_operands(node, operands, context.case_sensitive)
    return _drop_collate_clauses(tree)


_ORDERINGS = (exp.GT, exp.GTE, exp.LT, exp.LTE)


def _compare_in_dictionary_order(node: exp.Binary) -> None:
    """'Y' < 'É' < 'F' is false, true: compare the dictionary keys as rows, in order."""
    for arg in ("this", "expression"):
        node.set(arg, exp.Tuple(expressions=dictionary_keys(node.args[arg])))


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
    for node in bottom_up(tree, exp.Collate):
        node.replace(node.this)
    return tree


def case_insensitive_grouping(tree: exp.Expression, context: RewriteContext) -> exp.Expression:
    """GROUP BY and DISTINCT put 'ABC' and 'abc ' in one group under the CI collation: group
    by lower(rtrim(x)) and return min(x), one of the group's values.
    https://learn.microsoft.com/sql/t-sql/queries/select-group-by-transact-sql"""
    for select in bottom_up(tree, exp.Select):
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
    same = _same_expression(key)
    for projection in list(select.expressions):
        if same(projection) and key.alias_or_name:
            projection.replace(exp.alias_(group_value(key), key.alias_or_name))
    for part in (*select.expressions, select.args.get("having"), select.args.get("order")):
        if part is None:
            continue
        for node in list(part.walk()):
            if node is not key and same(node) and not node.find_ancestor(exp.AggFunc):
                node.replace(group_value(node))


def _same_expression(key: exp.Expression):
    """Whether a node is the group key as SQL Server matches them: identifiers compared without
    regard to case or brackets (`Left([Model], 1)` in SELECT is `Left(Model,1)` in GROUP BY)."""
    unquoted = _unquoted(key)
    return lambda node: type(node) is type(key) and (node == key or _unquoted(node) == unquoted)


def _unquoted(node: exp.Expression) -> exp.Expression:
    copy = node.copy()
    for identifier in copy.find_all(exp.Identifier):
        identifier.set("this", identifier.name.lower())
        identifier.set("quoted", False)
    return copy


def group_value(key: exp.Expression) -> exp.Min:
    """min(key): one of the values of a group of equal strings (not a MIN the query wrote)."""
    value = exp.Min(this=key.copy())
    value.meta["group_value"] = True
    return value


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
    for ordered in bottom_up(tree, exp.Ordered):
        if _orders_text(ordered, context):
            order_in_dictionary_order(ordered)
    for window in bottom_up(tree, exp.Window):
        keys = window.args.get("partition_by") or []
        folded = [folded_text(k) if is_text(k, context) and not is_string_literal(k) else k for k in keys]
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


def charindex_ignores_case(tree: exp.Expression, context: RewriteContext) -> exp.Expression:
    """CHARINDEX(find, s [, start]) is the 1-based position of find in s, without regard to
    case under the CI collation; 0 when absent; a start below 1 searches from 1.
    https://learn.microsoft.com/sql/t-sql/functions/charindex-transact-sql"""
    for node in bottom_up(tree, exp.StrPosition):
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
    if is_string_literal(node):
        lowered = node.copy()
        lowered.set("this", node.this.lower())
        return lowered
    return template("lower(x)", x=node)


_REGEX_SPECIAL = set("\\.^$*+?(){}|[]")


def like_patterns(tree: exp.Expression, context: RewriteContext) -> exp.Expression:
    """LIKE ignores case under the CI collation and the value's trailing spaces ('abc  ' LIKE
    'abc' is true), has bracket classes ([a-c], [^x], [%] for a literal %), and no escape
    character unless ESCAPE names one (PostgreSQL's default is backslash). Plain patterns
    become ILIKE; the others an anchored regular expression (`~*`).
    https://learn.microsoft.com/sql/t-sql/language-elements/like-transact-sql"""
    for node in bottom_up(tree, exp.Like):
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
    if not is_string_literal(pattern):
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


def replace_ignores_case(tree: exp.Expression, context: RewriteContext) -> exp.Expression:
    """REPLACE finds the pattern by the input's collation: without regard to case under the
    CI default (REPLACE('Tea', 'tea', 'x') is 'x'). PostgreSQL's replace is exact, so the
    pattern becomes a case-insensitive regular expression of its literal text, and the
    replacement's backslashes are escaped (regexp_replace reads `\\1` and `\\&`).
    https://learn.microsoft.com/sql/t-sql/functions/replace-transact-sql"""
    if context.case_sensitive:
        return tree
    for node in bottom_up(tree, exp.Replace):
        value, pattern, replacement = node.this, node.expression, node.args.get("replacement")
        if replacement is None:
            continue
        parts = {"s": value, "p": _regex_of_text(pattern), "r": _regex_replacement(replacement)}
        node.replace(template("regexp_replace(s, p, r, 'gi')", **parts))
    return tree


def _regex_of_text(node: exp.Expression) -> exp.Expression:
    if is_string_literal(node):
        return exp.Literal.string("".join(_regex_literal(c) for c in node.this))
    return template(r"regexp_replace(x, '([\\.^$*+?(){}|\[\]])', '\\\1', 'g')", x=node)


def _regex_replacement(node: exp.Expression) -> exp.Expression:
    if is_string_literal(node):
        return exp.Literal.string(node.this.replace("\\", "\\\\"))
    return template(r"replace(x, '\', '\\')", x=node)


def in_subquery_ignores_case(tree: exp.Expression, context: RewriteContext) -> exp.Expression:
    """`x IN (SELECT y ...)` of strings compares lower(rtrim(x)) with lower(rtrim(y)).
    https://learn.microsoft.com/sql/t-sql/language-elements/in-transact-sql"""
    for node in bottom_up(tree, exp.In):
        query = node.args.get("query")
        select = query.this if isinstance(query, exp.Subquery) else query
        if not isinstance(select, exp.Select) or len(select.expressions) != 1:
            continue
        projection = select.expressions[0]
        if not is_text(node.this, context) or not is_text(projection.unalias(), context):
            continue
        node.set("this", folded_text(node.this, context.case_sensitive))
        value = folded_text(projection.unalias(), context.case_sensitive)
        projection.replace(exp.alias_(value, projection.alias) if projection.alias else value)
    return tree


def nullif_ignores_case(tree: exp.Expression, context: RewriteContext) -> exp.Expression:
    """NULLIF('abc', 'ABC ') is NULL under the CI collation: a CASE over the folded values.
    https://learn.microsoft.com/sql/t-sql/language-elements/nullif-transact-sql"""
    for node in bottom_up(tree, exp.Nullif):
        first, second = node.this, node.expression
        if not (is_text(first, context) and is_text(second, context)):
            continue
        equal = exp.EQ(this=folded_text(first, context.case_sensitive), expression=folded_text(second, context.case_sensitive))
        node.replace(exp.Case(ifs=[exp.If(this=equal, true=exp.Null())], default=first.copy()))
    return tree


def string_extremes_in_dictionary_order(tree: exp.Expression, context: RewriteContext) -> exp.Expression:
    """MIN and MAX of strings follow the collation: MIN('b', 'A', 'É') is 'A', MAX is 'É' only
    after every E... and before F. The value is the first (or last) in dictionary order.
    https://learn.microsoft.com/sql/t-sql/functions/min-transact-sql"""
    if context.case_sensitive:
        return tree
    for node in bottom_up(tree, exp.Min, exp.Max):
        value = node.this
        if node.meta.get("group_value") or isinstance(node.parent, exp.Window) or not is_text(value, context):
            continue
        direction = " desc" if isinstance(node, exp.Max) else ""
        first, second = dictionary_keys(value)
        formula = f"(array_agg(x order by k1{direction}, k2{direction}, x{direction}) filter (where x is not null))[1]"
        node.replace(template(formula, x=value, k1=first, k2=second))
    return tree


def set_operations_ignore_case(tree: exp.Expression, context: RewriteContext) -> exp.Expression:
    """UNION (without ALL), EXCEPT and INTERSECT remove rows equal under the collation. The
    branches are combined as PostgreSQL would keep every row (UNION ALL, or EXISTS over folded
    keys), then grouped by the folded text columns.
    https://learn.microsoft.com/sql/t-sql/language-elements/set-operators-except-and-intersect-transact-sql"""
    for node in bottom_up(tree, exp.Union, exp.Except, exp.Intersect):
        if not node.args.get("distinct") and isinstance(node, exp.Union):
            continue
        names = _output_names(node.this)
        if names is None:
            continue
        text = [is_text(p.unalias(), context) for p in _first_select(node.this).expressions]
        if not any(text):
            continue
        replacement = _deduplicated(node, names, text, context.case_sensitive)
        if node is tree:
            tree = replacement
        else:
            node.replace(replacement)
    return tree


def _first_select(query: exp.Expression) -> exp.Select:
    while isinstance(query, (exp.SetOperation, exp.Subquery)):
        query = query.this
    return query


def _output_names(query: exp.Expression) -> list[str] | None:
    first = _first_select(query)
    if not isinstance(first, exp.Select):
        return None
    names = [p.alias_or_name for p in first.expressions]
    if any(isinstance(p, exp.Star) for p in first.expressions) or not all(names):
        return None
    return names


def _deduplicated(node: exp.SetOperation, names: list[str], text: list[bool], case_sensitive: bool) -> exp.Select:
    left, right = node.this.copy(), node.expression.copy()
    if isinstance(node, exp.Union):
        rows = exp.Subquery(this=exp.union(left, right, distinct=False), alias=exp.TableAlias(this=exp.to_identifier("combined")))
        alias = "combined"
    else:
        rows = exp.Subquery(this=left, alias=exp.TableAlias(this=exp.to_identifier("kept")))
        alias = "kept"
    select = exp.select(*_grouped_values(names, text, alias)).from_(rows)
    if not isinstance(node, exp.Union):
        other = exp.Subquery(this=right, alias=exp.TableAlias(this=exp.to_identifier("other"),
                                                              columns=[exp.to_identifier(n) for n in names]))
        matched = [_same(exp.column(n, table=alias), exp.column(n, table="other"), t, case_sensitive) for n, t in zip(names, text)]
        exists = exp.Exists(this=exp.select("1").from_(other).where(exp.and_(*matched)))
        select = select.where(exists if isinstance(node, exp.Intersect) else exp.Not(this=exists))
    keys = [folded_text(exp.column(n, table=alias), case_sensitive) if t else exp.column(n, table=alias) for n, t in zip(names, text)]
    select = select.group_by(*keys)
    for arg in ("order", "limit", "offset"):
        if node.args.get(arg) is not None:
            select.set(arg, node.args[arg].copy())
    text_names = {fold_identifier(n): n for n, t in zip(names, text) if t}
    for ordered in list(select.find_all(exp.Ordered)) if not case_sensitive else []:
        key = ordered.this
        if isinstance(key, exp.Column) and not key.table and fold_identifier(key.name) in text_names:
            ordered.set("this", exp.column(text_names[fold_identifier(key.name)], table=alias))
            order_in_dictionary_order(ordered)
    return select


def _grouped_values(names: list[str], text: list[bool], alias: str) -> list[exp.Expression]:
    values = []
    for name, is_string in zip(names, text):
        column = exp.column(name, table=alias)
        value = exp.Min(this=column) if is_string else column
        if is_string:
            value.meta["group_value"] = True
        values.append(exp.alias_(value, exp.to_identifier(fold_identifier(name))))
    return values


def _same(left: exp.Expression, right: exp.Expression, text: bool, case_sensitive: bool) -> exp.Expression:
    """EXCEPT and INTERSECT treat NULLs as equal."""
    if text:
        left, right = folded_text(left, case_sensitive), folded_text(right, case_sensitive)
    return exp.NullSafeEQ(this=left, expression=right)


def patindex(tree: exp.Expression, context: RewriteContext) -> exp.Expression:
    """PATINDEX('%pattern%', s) is the 1-based start of the pattern's first match in s, 0 when
    none, without regard to case under the CI collation: PostgreSQL's regexp_instr over the
    LIKE pattern as a regular expression (a pattern without a leading % is anchored at the start,
    one without a trailing % at the end). Only literal patterns are translated.
    https://learn.microsoft.com/sql/t-sql/functions/patindex-transact-sql"""
    for node in bottom_up(tree, exp.Anonymous):
        if node.name.lower() != "patindex" or len(node.expressions) != 2:
            continue
        pattern, value = node.expressions
        if not is_string_literal(pattern):
            continue
        text = pattern.this
        start = "" if text.startswith("%") else "^"
        end = "" if text.endswith("%") else " *$"
        middle = like_pattern_as_regex(text.strip("%") or "")[1:-3]  # without its ^ and  *$
        flags = "" if context.case_sensitive else "i"
        regex = exp.Literal.string(start + middle + end)
        formula = f"regexp_instr(s, r, 1, 1, 0, '{flags}')" if flags else "regexp_instr(s, r)"
        node.replace(typed(template(formula, s=value, r=regex), INT))
    return tree
