"""Rewrites for query shapes: table hints, PIVOT/UNPIVOT, recursive CTEs, CHOOSE and TOP.

sqlglot already gets these right when it parses T-SQL and generates PostgreSQL, so they need
no rewrite here (tests/tsql/test_queries_on_postgres.py checks their rows):
- `CROSS APPLY (subquery)` is `inner join lateral (...) on true`; `OUTER APPLY` is
  `left join lateral (...) on true`.
- Window functions (ROW_NUMBER, RANK, SUM OVER, LAG/LEAD with a default) keep their meaning;
  their ORDER BY gets the same explicit null ordering as a query's.
"""

from __future__ import annotations

from sqlglot import exp

from migrator_pipeline.tsql.identifiers import fold_identifier
from migrator_pipeline.tsql.rewrites import RewriteContext, error_at, template
from migrator_pipeline.tsql.syntax import bottom_up, cte_named, reference_key


def drop_table_hints(tree: exp.Expression, context: RewriteContext) -> exp.Expression:
    """Drop table hints such as `WITH (NOLOCK)`: PostgreSQL's MVCC never blocks readers,
    and the hints change locking, not results (NOLOCK's dirty reads are not reproduced).
    https://learn.microsoft.com/sql/t-sql/queries/hints-transact-sql-table"""
    for table in tree.find_all(exp.Table):
        table.set("hints", None)
    return tree


def drop_query_hints(tree: exp.Expression, context: RewriteContext) -> exp.Expression:
    """Drop `OPTION (...)` query hints (MAXRECURSION, RECOMPILE, MAXDOP, join hints...): they steer
    the plan, not the rows. (MAXRECURSION's error past its limit is not reproduced: PostgreSQL's
    recursion has no limit.)
    https://learn.microsoft.com/sql/t-sql/queries/hints-transact-sql-query"""
    for node in tree.find_all(exp.Select, exp.SetOperation):
        node.set("options", None)
    return tree


def grouping_sets(tree: exp.Expression, context: RewriteContext) -> exp.Expression:
    """`GROUP BY a, b WITH ROLLUP` (or `WITH CUBE`), the older T-SQL form, is
    `GROUP BY ROLLUP (a, b)` (`CUBE (a, b)`): the same groups, the same GROUPING().
    https://learn.microsoft.com/sql/t-sql/queries/select-group-by-transact-sql"""
    for group in tree.find_all(exp.Group):
        for kind, node in (("rollup", exp.Rollup), ("cube", exp.Cube)):
            marks = group.args.get(kind) or []
            if marks and not any(mark.expressions for mark in marks) and group.expressions:
                group.set("expressions", [node(expressions=list(group.expressions))])
                group.set(kind, None)
    return tree


def pivots(tree: exp.Expression, context: RewriteContext) -> exp.Expression:
    """`src PIVOT (AGG(v) FOR c IN ([a], [b])) AS p` is a grouped subquery: one
    `AGG(CASE WHEN c = 'a' THEN v END) AS a` per listed value, grouped by every other column
    of src. `src UNPIVOT (v FOR c IN (a, b)) AS u` is src joined to a VALUES row per listed
    column, without the rows whose value is NULL (UNPIVOT drops them).
    https://learn.microsoft.com/sql/t-sql/queries/from-using-pivot-and-unpivot"""
    for pivot in bottom_up(tree, exp.Pivot):
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
        cte = cte_named(source)
        if cte is not None:
            query = cte.this
        elif reference_key(source) in context.column_types:
            return list(context.column_types[reference_key(source)])
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
    for call in bottom_up(tree, exp.Anonymous):
        if call.name.lower() != "choose" or len(call.expressions) < 2:
            continue
        index, *values = call.expressions
        if context.family(index) in ("exact", "approximate"):  # the index converts to int: truncated
            index = exp.Anonymous(this="trunc", expressions=[index.copy()])
        branches = [exp.If(this=exp.Literal.number(i), true=v.copy()) for i, v in enumerate(values, 1)]
        call.replace(exp.Case(this=index.copy(), ifs=branches))
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
