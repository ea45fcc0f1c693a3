"""What T-SQL statements read, write and call, as object keys (`schema.name`, lower case).

The catalog readers record these on each module; the planner asks them of single statements.
#temp tables, @table variables and CTEs are not objects of the estate and are left out.
"""

from __future__ import annotations

from sqlglot import exp

from migrator_pipeline.tsql.syntax import table_key


def write_targets(statement: exp.Expression) -> list[exp.Table]:
    """The table nodes a statement writes: INSERT/UPDATE/DELETE/MERGE/TRUNCATE targets and SELECT INTO."""
    if isinstance(statement, exp.Insert):
        target = statement.this
        target = target.this if isinstance(target, exp.Schema) else target
        return [target] if isinstance(target, exp.Table) else []
    if isinstance(statement, (exp.Update, exp.Merge)):
        return [_resolve_alias(statement, statement.this)] if isinstance(statement.this, exp.Table) else []
    if isinstance(statement, exp.Delete):
        named = statement.args.get("tables") or [statement.this]
        return [_resolve_alias(statement, t) for t in named if isinstance(t, exp.Table)]
    if isinstance(statement, exp.TruncateTable):
        return [t for t in statement.expressions if isinstance(t, exp.Table)]
    into = statement.args.get("into") if isinstance(statement, exp.Select) else None
    return [into.this] if into is not None and isinstance(into.this, exp.Table) else []


def _resolve_alias(statement: exp.Expression, target: exp.Table) -> exp.Table:
    """`UPDATE t ... FROM dbo.Table t`: the table node the alias `t` stands for."""
    if target.db:
        return target
    for table in statement.find_all(exp.Table):
        if table is not target and table.alias and table.alias.lower() == target.name.lower():
            return table
    return target


def statement_dependencies(statements: list[exp.Expression]) -> tuple[list[str], list[str], list[str]]:
    """(reads, writes, calls) object keys of statements, each in first-seen order."""
    reads: dict[str, None] = {}
    writes: dict[str, None] = {}
    calls: dict[str, None] = {}
    for statement in statements:
        targets = write_targets(statement)
        # the alias a target was named by (`UPDATE c ... FROM dbo.Customers c`) is not a read either
        named = [statement.this] if isinstance(statement, (exp.Update, exp.Merge, exp.Delete)) else []
        named += statement.args.get("tables") or [] if isinstance(statement, exp.Delete) else []
        target_ids = {id(t) for t in targets + named}
        for table in targets:
            if (key := table_key(table)) is not None:
                writes[key] = None
        ctes = {cte.alias.lower() for cte in statement.find_all(exp.CTE)}
        for table in statement.find_all(exp.Table):
            if id(table) in target_ids or isinstance(table.parent, exp.Execute):
                continue
            if isinstance(table.this, exp.Func):
                calls[f"{table.db or 'dbo'}.{table.this.name}".lower()] = None
            elif (key := table_key(table)) is not None and (table.db or table.name.lower() not in ctes):
                reads[key] = None
        for node in statement.find_all(exp.Execute, exp.Dot):
            if (key := _called(node)) is not None:
                calls[key] = None
    return list(reads), list(writes), list(calls)


def _called(node: exp.Expression) -> str | None:
    if isinstance(node, exp.Execute):
        return table_key(node.this) if isinstance(node.this, exp.Table) else None
    if isinstance(node.this, exp.Identifier) and isinstance(node.expression, exp.Anonymous):
        return f"{node.this.name}.{node.expression.name}".lower()
    return None
