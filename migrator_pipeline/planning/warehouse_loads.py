"""Warehouse load statements read into what a dbt engineer writes for them.

- Bookkeeping: an `UPDATE` of one row of a control table (lineage, cutoff, watermark, log, audit,
  batch, ETL, run, job; no join, its WHERE only equalities with constants or variables) and an
  `INSERT ... VALUES` (or a SELECT without FROM) into one are orchestration: the scheduler's
  business. `bookkeeping` names them; the planner records them in the model's docs and drops them.
- Variables: `DECLARE @v type = expr` / `SET @v = expr`, assigned once, stand for their value in a
  model: a constant as itself, a lookup (`(SELECT TOP 1 ... FROM control ...)`) as that scalar
  subquery, read when the model is built (`substitute_variables`).
- A staging table enriched in place (`UPDATE s SET s.k = ... FROM staging AS s`, no join) before
  the procedure reads it: a CTE that selects the table as the UPDATE leaves it (`updated_select`).
- `DELETE t FROM target t WHERE t.k IN (SELECT k FROM staging)` (or `EXISTS (SELECT ... FROM staging
  s WHERE s.k = t.k)`) then `INSERT INTO target SELECT ... FROM staging` that reloads exactly those
  keys: an incremental model, strategy `delete+insert`, `unique_key` k (`read_deleted_keys`,
  `reloads_keys`).
- `DELETE FROM target WHERE <window on its own columns>` then `INSERT INTO target SELECT ...`: an
  incremental model that appends, with a pre-hook deleting the window from `{{ this }}` in
  incremental runs (`window_condition`): dbt's `delete+insert` deletes only keys present in the
  new rows, where the procedure empties the whole window.
- Slowly changing dimension, type 2, closing versions with values from the source
  (`UPDATE d SET [Valid To] = r.[Valid From] FROM dim d JOIN r ON d.id = r.id WHERE d.[Valid To] =
  @EndOfTime`, then an INSERT of the new versions without NOT EXISTS, as WideWorldImportersDW does):
  an incremental model, strategy `delete+insert`, `unique_key` the join key, whose SELECT is every
  existing version of the staged keys (closed off as the UPDATE does, read from `{{ this }}`) plus
  the new versions (`close_off_select`). A dbt snapshot cannot do this: it stamps its own validity
  dates and keeps one version per key and run, where the source brings its own dates and may bring
  several versions of a key in one load.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlglot import exp

from migrator_pipeline.planning.upserts import PairError
from migrator_pipeline.tsql.identifiers import bracketed
from migrator_pipeline.tsql.syntax import table_key

# words of a control table's name (`ETL Cutoff`, `LoadLog`, `etl_batch_runs`)
_CONTROL_WORDS = frozenset({"lineage", "cutoff", "watermark", "watermarks", "log", "logs", "audit", "batch",
                            "batches", "etl", "run", "runs", "job", "jobs", "control"})


def is_control_table(key: str) -> bool:
    """Whether a table's name has a word of bookkeeping in it (`Integration.[ETL Cutoff]`)."""
    name = key.split(".", 1)[1]
    words = re.findall(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+", re.sub(r"[^A-Za-z]+", " ", name))
    return any(word.lower() in _CONTROL_WORDS for word in words)


def bookkeeping(statement: exp.Expression) -> str | None:
    """A short description of a bookkeeping statement (see module docstring), or None."""
    if isinstance(statement, exp.Update):
        target = statement.this
        key = _update_target_key(statement)
        if key is None or not is_control_table(_name_as_written(statement.this, statement)):
            return None
        source = statement.args.get("from_")
        if source is not None and (_joins(source) or table_key(source.this) != key):
            return None
        where = statement.args.get("where")
        if where is not None and not _is_row_filter(where.this):
            return None
        return f"UPDATE {_shown(_name_as_written(target, statement))}"
    if isinstance(statement, exp.Insert):
        target = statement.this.this if isinstance(statement.this, exp.Schema) else statement.this
        key = table_key(target) if isinstance(target, exp.Table) else None
        query = statement.expression
        if key is None or not is_control_table(f"{target.db}.{target.name}"):
            return None
        if isinstance(query, exp.Values) or (isinstance(query, exp.Select) and query.args.get("from_") is None):
            return "INSERT into " + _shown(f"{target.db or 'dbo'}.{target.name}")
    return None


def _name_as_written(target: exp.Table, update: exp.Update) -> str:
    """`schema.name` of an UPDATE's table with its case (keys are lower case)."""
    source = update.args.get("from_")
    if source is not None and not target.db:
        for table in [source.this, *[j.this for j in _joins(source)]]:
            if isinstance(table, exp.Table) and target.name.lower() in (table.alias.lower(), table.name.lower()):
                return f"{table.db or 'dbo'}.{table.name}"
    return f"{target.db or 'dbo'}.{target.name}"


def _shown(name: str) -> str:
    """`schema.name` as T-SQL writes it: parts that are not plain words in brackets."""
    return ".".join(part if re.fullmatch(r"\w+", part) else bracketed(part) for part in name.split(".", 1))


def _update_target_key(update: exp.Update) -> str | None:
    """The table an UPDATE writes: `UPDATE alias ... FROM table AS alias` resolved."""
    target = update.this
    if not isinstance(target, exp.Table):
        return None
    source = update.args.get("from_")
    if source is not None and not target.db:
        for table in [source.this, *[j.this for j in _joins(source)]]:
            if isinstance(table, exp.Table) and target.name.lower() in (table.alias.lower(), table.name.lower()):
                return table_key(table)
    return table_key(target)


def _joins(source: exp.From) -> list[exp.Join]:
    """The joins of an UPDATE's or DELETE's FROM: sqlglot hangs them on its first table."""
    return list(source.args.get("joins") or []) + list(source.this.args.get("joins") or [])


def _is_row_filter(condition: exp.Expression) -> bool:
    """Equalities of a column with constants or variables, joined by AND."""
    if isinstance(condition, exp.And):
        return _is_row_filter(condition.this) and _is_row_filter(condition.expression)
    if not isinstance(condition, exp.EQ):
        return False
    sides = (condition.this, condition.expression)
    constant = (exp.Literal, exp.Parameter, exp.National, exp.Null)
    return any(isinstance(s, exp.Column) for s in sides) and any(isinstance(s, constant) for s in sides)


# ---------------------------------------------------------------- variables


@dataclass
class Variable:
    data_type: exp.DataType | None
    value: exp.Expression | None  # None: assigned more than once, or not at all


def declared_variables(statement: exp.Expression, variables: dict[str, Variable]) -> None:
    """Record the variables `DECLARE` or `SET` assigns (name lower case, without @)."""
    if isinstance(statement, exp.Declare):
        for item in statement.expressions:
            names = item.this if isinstance(item.this, list) else [item.this]
            for name in names:
                if isinstance(name, exp.Parameter):
                    kind = item.args.get("kind")
                    variables[name.name.lower()] = Variable(kind if isinstance(kind, exp.DataType) else None,
                                                            item.args.get("default"))
    elif isinstance(statement, exp.Set):
        for item in statement.expressions:
            assignment = item.this if isinstance(item, exp.SetItem) else None
            if isinstance(assignment, exp.EQ) and isinstance(assignment.this, exp.Parameter):
                name = assignment.this.name.lower()
                known = variables.get(name)
                if known is not None and known.value is not None:
                    variables[name] = Variable(known.data_type, None)  # assigned twice: no single value
                else:
                    variables[name] = Variable(known.data_type if known else None, assignment.expression)


def substitute_variables(query: exp.Expression, variables: dict[str, Variable]) -> tuple[exp.Expression, list[str]]:
    """`@v` -> its value (typed as declared); also the lookups made, described for the docs."""
    query = query.copy()
    lookups: list[str] = []
    for _ in range(3):  # a value may use another variable
        found = [p for p in query.find_all(exp.Parameter) if variables.get(p.name.lower()) and variables[p.name.lower()].value]
        if not found:
            break
        for node in found:
            variable = variables[node.name.lower()]
            value = variable.value.copy()
            if isinstance(value, exp.Query):
                value = exp.Subquery(this=value)
            if value.find(exp.Table) and f"@{node.name}" not in [l.split(" ", 1)[0] for l in lookups]:
                lookups.append(f"@{node.name} is looked up when the model is built: ({value.unnest().sql('tsql')})")
            node.replace(exp.Cast(this=value, to=variable.data_type.copy()) if variable.data_type else value)
    return query, lookups


# ---------------------------------------------------------------- staging updated in place


def updated_select(update: exp.Update, columns: list[str]) -> exp.Select | None:
    """The table an `UPDATE alias SET ... FROM table AS alias` (no join) leaves, as a SELECT of
    all its `columns`; None when the UPDATE has another shape."""
    source = update.args.get("from_")
    target = update.this
    if source is not None:
        if _joins(source) or not isinstance(source.this, exp.Table) or target.db:
            return None
        table = source.this
        if target.name.lower() not in (table.alias.lower(), table.name.lower()):
            return None
    else:
        table = target
    if not isinstance(table, exp.Table) or table_key(table) is None:
        return None
    alias = (table.alias or table.name)
    assignments = {}
    for assignment in update.expressions:
        if not isinstance(assignment, exp.EQ) or not isinstance(assignment.this, exp.Column):
            return None
        assignments[assignment.this.name.lower()] = assignment.expression
    where = update.args.get("where")
    projections = []
    for column in columns:
        current = exp.column(column, table=alias, quoted=True)
        value = assignments.get(column.lower())
        if value is None:
            projections.append(current)
            continue
        if where is not None:
            value = exp.Case(ifs=[exp.If(this=where.this.copy(), true=value.copy())], default=current)
        projections.append(exp.alias_(value.copy(), column, quoted=True))
    if set(assignments) - {c.lower() for c in columns}:
        return None
    select = exp.select(*projections).from_(table.copy())
    if update.args.get("with_") is not None:
        select.set("with_", update.args["with_"].copy())
    return select


# ---------------------------------------------------------------- delete of staged keys


@dataclass
class DeletedKeys:
    """`DELETE FROM target WHERE column IN (SELECT source_column FROM source)`."""

    column: str  # target column
    source: str  # object key of the table whose keys are deleted
    source_column: str


def read_deleted_keys(delete: exp.Delete) -> DeletedKeys | None:
    """The keys a DELETE removes, when they are the keys of a staging table (module docstring)."""
    where = delete.args.get("where")
    if where is None:
        return None
    condition = where.this
    if isinstance(condition, exp.In):
        query = condition.args.get("query")
        query = query.this if isinstance(query, exp.Subquery) else query
        if (not isinstance(condition.this, exp.Column) or not _plain_select(query) or len(query.expressions) != 1
                or query.args.get("where") is not None):  # a filtered key list: not every staged key
            return None
        selected = query.expressions[0]
        if not isinstance(selected, exp.Column):
            return None
        return DeletedKeys(condition.this.name, table_key(query.args["from_"].this), selected.name)
    if isinstance(condition, exp.Exists):
        query = condition.this
        if not _plain_select(query) or query.args.get("where") is None:
            return None
        inner = query.args["from_"].this
        inner_alias = (inner.alias or inner.name).lower()
        equality = query.args["where"].this
        if not isinstance(equality, exp.EQ) or not all(isinstance(s, exp.Column) for s in (equality.this, equality.expression)):
            return None
        mine = [s for s in (equality.this, equality.expression) if s.table.lower() == inner_alias]
        other = [s for s in (equality.this, equality.expression) if s.table.lower() != inner_alias]
        if len(mine) != 1 or len(other) != 1:
            return None
        return DeletedKeys(other[0].name, table_key(inner), mine[0].name)
    return None


def _plain_select(query: exp.Expression | None) -> bool:
    """One table, no join, no grouping."""
    if not isinstance(query, exp.Select) or query.args.get("from_") is None:
        return False
    source = query.args["from_"].this
    return (isinstance(source, exp.Table) and table_key(source) is not None and not query.args.get("joins")
            and not query.args.get("group") and not query.args.get("with_"))


def reloads_keys(deleted: DeletedKeys, columns: list[str], select: exp.Expression) -> str | None:
    """Why the INSERT does not reload exactly the deleted keys, or None when it does: it reads
    the staging table alone, unfiltered, and gives the key column the staging table's key."""
    if not isinstance(select, exp.Select) or not _plain_select(select) or select.args.get("where") is not None:
        return f"it does not read {deleted.source} alone and unfiltered"
    if table_key(select.args["from_"].this) != deleted.source:
        return f"it reads {table_key(select.args['from_'].this)}, not {deleted.source}"
    by_column = {c.lower(): p for c, p in zip(columns, select.expressions)}
    value = by_column.get(deleted.column.lower())
    value = value.this if isinstance(value, exp.Alias) else value
    if not isinstance(value, exp.Column) or value.name.lower() != deleted.source_column.lower():
        return f"it does not give {deleted.column} the value of {deleted.source}.{deleted.source_column}"
    return None


def window_condition(delete: exp.Delete) -> exp.Expression | None:
    """The WHERE of a DELETE of a window (`WHERE OrderDate >= @Start`): conditions on the
    target's own columns, constants and variables only (no subquery, no join); else None."""
    where = delete.args.get("where")
    if where is None or delete.args.get("using") or where.find(exp.Subquery, exp.Select, exp.Exists):
        return None
    target = delete.this if isinstance(delete.this, exp.Table) else None
    names = {"", *(n.lower() for n in ((target.alias, target.name) if target is not None else ()) if n)}
    names |= {t.name.lower() for t in delete.args.get("tables") or []}
    if any(column.table.lower() not in names for column in where.find_all(exp.Column)):
        return None
    return where.this


# ---------------------------------------------------------------- type 2 close-off


def close_off_select(key: str, update: exp.Update, columns: list[str], select: exp.Expression,
                     generated: list[str] | None = None, target: exp.Table | None = None
                     ) -> tuple[exp.Query, list[str]]:
    """The incremental SELECT of a type 2 close-off UPDATE then INSERT of new versions, and its
    `unique_key` (target columns); PairError when the pair has another shape. The SELECT gives
    the `generated` key columns (identity, or a sequence default) first: kept on closed versions,
    numbered after the largest in `target` on new ones, as an identity would, in the order of the
    new rows' values (SQL Server leaves the order of an INSERT ... SELECT unspecified)."""
    if not isinstance(select, exp.Query) or any(table_key(t) == key for t in select.find_all(exp.Table)):
        raise PairError(f"the INSERT into {key} after its UPDATE is not a SELECT of new versions")
    source = update.args.get("from_")
    joins = _joins(source) if source is not None else []
    if source is None or len(joins) != 1 or table_key(source.this) != key or joins[0].args.get("kind", "").upper() not in ("", "INNER"):
        raise PairError(f"the UPDATE of {key} is not one inner join of {key} with its new versions")
    alias = (source.this.alias or source.this.name).lower()
    join = joins[0]
    other = join.this
    other_alias = (other.alias or other.name).lower()
    pairs = _join_pairs(join.args.get("on"), alias, other_alias)
    if not pairs:
        raise PairError(f"the UPDATE of {key} does not join on equal key columns")
    if not _unique_on(other, [o for _, o in pairs], update):
        raise PairError(f"the UPDATE of {key}: cannot show that each row matches one row of {other.sql('tsql')}")
    assignments = {}
    for assignment in update.expressions:
        if not isinstance(assignment, exp.EQ) or not isinstance(assignment.this, exp.Column):
            raise PairError(f"the UPDATE of {key} assigns something other than columns")
        assignments[assignment.this.name.lower()] = assignment.expression
    lowered = [c.lower() for c in columns]
    unknown = [name for name in assignments if name not in lowered]
    if unknown:
        raise PairError(f"the UPDATE of {key} sets {unknown[0]}, which the INSERT does not give")
    where = update.args.get("where")
    projections = []
    for column in columns:
        current = exp.column(column, table=alias, quoted=True)
        value = assignments.get(column.lower())
        if value is not None and where is not None:
            value = exp.Case(ifs=[exp.If(this=where.this.copy(), true=value.copy())], default=current)
        projections.append(exp.alias_(value.copy(), column, quoted=True) if value is not None else current)
    generated = generated or []
    projections = [exp.column(c, table=alias, quoted=True) for c in generated] + projections
    table = source.this.copy()
    table.set("joins", None)
    closed = exp.select(*projections).from_(table).join(join.copy())
    new_versions = select.copy()
    if generated and isinstance(new_versions, exp.Select) and target is not None:
        values = [p.this if isinstance(p, exp.Alias) else p for p in new_versions.expressions]
        order = exp.Order(expressions=[exp.Ordered(this=v.copy()) for v in values if isinstance(v, exp.Column)])
        numbered = [exp.alias_(exp.Add(
            this=exp.Coalesce(this=exp.Subquery(this=exp.select(exp.Max(this=exp.column(c, quoted=True))).from_(target.copy())),
                              expressions=[exp.Literal.number(0)]),
            expression=exp.Window(this=exp.RowNumber(), order=order)), c, quoted=True) for c in generated]
        new_versions.set("expressions", numbered + new_versions.expressions)
    elif generated:
        raise PairError(f"the INSERT into {key} is not one SELECT that key columns can be numbered in")
    ctes = [(cte.alias, cte.this) for cte in (update.args.get("with_").expressions if update.args.get("with_") else [])]
    inner_with = new_versions.args.get("with_")
    if inner_with is not None:
        ctes += [(cte.alias, cte.this) for cte in inner_with.expressions]
        new_versions.set("with_", None)
    query: exp.Query = exp.union(closed, new_versions, distinct=False)
    for name, body in ctes:
        query = query.with_(name, as_=body.copy())
    return query, [t for t, _ in pairs]


def _join_pairs(on: exp.Expression | None, alias: str, other_alias: str) -> list[tuple[str, str]]:
    """(target column, other column) of an ON made only of equalities between the two."""
    if on is None:
        return []
    conditions = list(on.flatten()) if isinstance(on, exp.And) else [on]
    pairs = []
    for condition in conditions:
        if not isinstance(condition, exp.EQ) or not all(isinstance(s, exp.Column) for s in (condition.this, condition.expression)):
            return []
        sides = {condition.this.table.lower(): condition.this.name, condition.expression.table.lower(): condition.expression.name}
        if set(sides) != {alias, other_alias}:
            return []
        pairs.append((sides[alias], sides[other_alias]))
    return pairs


def _unique_on(relation: exp.Expression, columns: list[str], update: exp.Update) -> bool:
    """Whether `relation` has one row per value of `columns`: a CTE of the UPDATE grouped by
    exactly those columns."""
    if not isinstance(relation, exp.Table) or relation.db:
        return False
    with_clause = update.args.get("with_")
    cte = next((c for c in (with_clause.expressions if with_clause else []) if c.alias.lower() == relation.name.lower()), None)
    query = cte.this if cte is not None else None
    if not isinstance(query, exp.Select) or not query.args.get("group"):
        return False
    grouped = {g.name.lower() for g in query.args["group"].expressions if isinstance(g, exp.Column)}
    if len(grouped) != len(query.args["group"].expressions):
        return False
    outputs = {}
    for projection in query.expressions:
        inner = projection.this if isinstance(projection, exp.Alias) else projection
        if isinstance(inner, exp.Column):
            outputs[projection.alias_or_name.lower()] = inner.name.lower()
    return {outputs.get(c.lower()) for c in columns} == grouped
