"""Collation beyond comparisons: the places where SQL Server's `..._CI_AS` collation decides which
strings are equal or which comes first, besides `=`, LIKE, GROUP BY and ORDER BY (string_rewrites.py).

- `IN (subquery)`: both sides compared as lower(rtrim()).
- NULLIF(a, b) of strings: NULL when a and b are equal under the collation.
- MIN/MAX of strings: the first or last in dictionary order (string_rewrites.dictionary_keys).
- UNION, EXCEPT and INTERSECT remove duplicates under the collation: 'ABC' UNION 'abc ' is one
  row (SQL Server does not say which of the equal values it keeps; we keep the smallest in
  PostgreSQL's order, as GROUP BY does).
https://learn.microsoft.com/sql/relational-databases/collations/collation-and-unicode-support
https://learn.microsoft.com/sql/t-sql/language-elements/set-operators-union-transact-sql
"""

from __future__ import annotations

from sqlglot import exp

from migrator_pipeline.tsql.identifiers import fold_identifier
from migrator_pipeline.tsql.rewrites import RewriteContext, template
from migrator_pipeline.tsql.string_rewrites import dictionary_keys, folded_text, is_text, order_in_dictionary_order
from migrator_pipeline.tsql.syntax import bottom_up


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
