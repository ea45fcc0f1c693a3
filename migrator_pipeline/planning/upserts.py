"""An `UPDATE ... FROM` followed by an `INSERT ... SELECT` into the same table, read into
what dbt does for the pair.

- Upsert (type 1): `UPDATE t SET c = s.c ... FROM t JOIN src s ON t.k = s.k` then
  `INSERT INTO t SELECT ... FROM src s WHERE NOT EXISTS (SELECT 1 FROM t WHERE t.k = s.k)`
  (or `LEFT JOIN t ON t.k = s.k WHERE t.k IS NULL`) -> an incremental model with
  `unique_key` k. Only when the UPDATE sets every non-key column to what the INSERT gives it
  (compared without table qualifiers) and reads the same tables: then replacing the row by the
  SELECT's row is what the pair did. An UPDATE WHERE that only tests for changes
  (`t.c <> s.c OR ...`) changes nothing and is allowed.
- Slowly changing dimension, type 2: an UPDATE that sets only constants and date functions
  (`EndDate = GETDATE(), IsCurrent = 0`) on the changed rows, then an INSERT of the source rows
  that have no current version -> a dbt snapshot, strategy 'check': `unique_key` k,
  `check_cols` the target columns the UPDATE compares (all columns when it compares none),
  the end-date column as `dbt_valid_to` and the start-date column as `dbt_valid_from`.
  Flag columns (`IsCurrent`) have no snapshot counterpart: they are named in `dropped`.

Anything else raises `PairError` with the reason a person must look at the pair.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlglot import exp

from migrator_pipeline.tsql.syntax import table_key


class PairError(Exception):
    """The UPDATE/INSERT pair is not one of the shapes above; the message says why."""


@dataclass
class PairPlan:
    kind: str  # "upsert" | "snapshot"
    select: exp.Select  # the INSERT's SELECT without the anti-join (and, for snapshots, validity columns)
    columns: list[str]  # the target columns `select` produces, in order
    unique_key: list[str]  # target columns
    check_cols: list[str] = field(default_factory=list)  # snapshots; empty means all columns
    valid_from: str | None = None
    valid_to: str | None = None
    dropped: list[str] = field(default_factory=list)  # target columns a snapshot does not keep


def read_pair(key: str, update: exp.Update, columns: list[str], select: exp.Expression) -> PairPlan:
    """The dbt shape of `update` then `INSERT INTO key (columns) select` (see module docstring)."""
    if not isinstance(select, exp.Select):
        raise PairError(f"the INSERT into {key} after its UPDATE is not a single SELECT")
    stripped, anti_key, anti_extra = _without_anti_join(select, key)
    if len(stripped.expressions) != len(columns):
        raise PairError(f"the INSERT into {key} gives {len(stripped.expressions)} values for {len(columns)} columns")
    values = {c.lower(): _unaliased(p) for c, p in zip(columns, stripped.expressions)}
    alias = _target_alias(update)
    assignments = {a.this.name.lower(): a.expression for a in update.expressions if isinstance(a, exp.EQ)}
    update_key, update_rest = _equated(_update_conditions(update), alias, unqualified_is_target=False)
    if not anti_key:
        raise PairError(f"the INSERT into {key} checks no key column against the source")
    if set(update_key) != set(anti_key):
        raise PairError(f"the UPDATE of {key} matches on {_names(update_key)} but the INSERT checks "
                        f"{_names(anti_key)}")
    if stripped.find(exp.Table) and any(table_key(t) == key for t in stripped.find_all(exp.Table)):
        raise PairError(f"the INSERT into {key} reads {key} besides its NOT EXISTS")
    if all(not value.find(exp.Column) for value in assignments.values()):
        return _snapshot(key, stripped, columns, values, assignments, alias, anti_key, anti_extra, update_rest)
    return _upsert(key, update, stripped, columns, values, assignments, alias, anti_key, anti_extra, update_rest)


def _upsert(key, update, select, columns, values, assignments, alias, anti_key, anti_extra, update_rest) -> PairPlan:
    if anti_extra:
        raise PairError(f"the INSERT into {key} tests more than the key in its NOT EXISTS")
    if any(not _is_change_test(c, alias) for c in update_rest):
        raise PairError(f"the UPDATE of {key} filters rows by more than a change test")
    for column in columns:
        if column.lower() in anti_key:
            continue
        assigned = assignments.get(column.lower())
        if assigned is None or _unqualified(assigned) != _unqualified(values[column.lower()]):
            raise PairError(f"the UPDATE of {key} does not set {column} as the INSERT does")
    extra = [name for name in assignments if name not in values]
    if extra:
        raise PairError(f"the UPDATE of {key} sets {extra[0]}, which the INSERT does not")
    source = update.args.get("from_")
    update_reads = (_reads(source) if source is not None else set()) - {key}
    insert_reads = _reads(select)
    if update_reads != insert_reads:
        raise PairError(f"the UPDATE of {key} reads {_names(sorted(update_reads))} but the INSERT reads "
                        f"{_names(sorted(insert_reads))}")
    return PairPlan("upsert", select, columns, _original(columns, anti_key))


def _snapshot(key, select, columns, values, assignments, alias, anti_key, anti_extra, update_rest) -> PairPlan:
    dated = [name for name, value in assignments.items() if not isinstance(value, (exp.Literal, exp.Boolean, exp.Null))]
    flags = [name for name in assignments if name not in dated]
    if len(dated) > 1:
        raise PairError(f"SCD type 2 load of {key}: the UPDATE sets several end dates ({_names(dated)})")
    valid_to = dated[0] if dated else None
    if valid_to is not None and valid_to in values and not isinstance(values[valid_to], exp.Null):
        raise PairError(f"SCD type 2 load of {key}: new versions get {valid_to} = "
                        f"{values[valid_to].sql('tsql')}, not NULL (a dbt snapshot's dbt_valid_to_current)")
    validity = set(assignments) | {name for name, value in values.items() if not value.find(exp.Column)}
    check, other = [], []
    for condition in update_rest + anti_extra:
        if _is_change_test(condition, alias):
            check += [c.name.lower() for c in condition.find_all(exp.Column) if c.table.lower() == alias]
        elif not _is_validity_test(condition, validity):
            other.append(condition)
    if other:
        raise PairError(f"SCD type 2 load of {key}: cannot read the condition {other[0].sql('tsql')}")
    business = [c for c in columns if c.lower() not in validity]
    if not set(anti_key) <= {c.lower() for c in business}:
        raise PairError(f"SCD type 2 load of {key}: the key {_names(anti_key)} is not among the copied columns")
    starts = [c for c in columns if c.lower() in validity and c.lower() not in assignments
              and not isinstance(values[c.lower()], (exp.Literal, exp.Boolean, exp.Null))]
    kept = select.copy()
    kept.set("expressions", [p for c, p in zip(columns, select.expressions) if c.lower() not in validity])
    return PairPlan(
        "snapshot", kept, business, _original(columns, anti_key),
        check_cols=[c for c in business if c.lower() in check and c.lower() not in anti_key],
        valid_from=starts[0] if len(starts) == 1 else None,
        valid_to=_original(columns, [valid_to])[0] if valid_to in values else valid_to,
        dropped=_original(columns, flags) if all(f in values for f in flags) else flags,
    )


# ---------------------------------------------------------------- reading the statements


def _without_anti_join(select: exp.Select, key: str) -> tuple[exp.Select, list[str], list[exp.Expression]]:
    """The SELECT without its `NOT EXISTS (... key ...)` or `LEFT JOIN key ... IS NULL`; the
    target columns that anti-join equates to the source, and its other conditions."""
    select = select.copy()
    where = select.args.get("where")
    conjuncts = _conjuncts(where.this) if where is not None else []
    for condition in conjuncts:
        exists = _unparen(condition.this) if isinstance(condition, exp.Not) else None
        subquery = exists.this if isinstance(exists, exp.Exists) else None
        table = _single_table(subquery)
        if table is not None and table_key(table) == key:
            inner = subquery.args.get("where")
            keys, extra = _equated(_conjuncts(inner.this) if inner else [], _alias(table), unqualified_is_target=True)
            _set_where(select, [c for c in conjuncts if c is not condition])
            return select, keys, extra
    for join in select.args.get("joins") or []:
        table = join.this
        if join.side.upper() != "LEFT" or not isinstance(table, exp.Table) or table_key(table) != key:
            continue
        alias = _alias(table)
        missing = next((c for c in conjuncts if isinstance(c, exp.Is) and isinstance(c.expression, exp.Null)
                        and isinstance(c.this, exp.Column) and c.this.table.lower() == alias), None)
        if missing is None:
            continue
        keys, extra = _equated(_conjuncts(join.args.get("on")), alias, unqualified_is_target=False)
        select.set("joins", [j for j in select.args["joins"] if j is not join])
        _set_where(select, [c for c in conjuncts if c is not missing])
        return select, keys, extra
    raise PairError(f"the INSERT into {key} after its UPDATE has no NOT EXISTS (or LEFT JOIN ... IS NULL) "
                    f"against {key}")


def _single_table(query: exp.Expression | None) -> exp.Table | None:
    if not isinstance(query, exp.Select) or query.args.get("joins") or query.args.get("from_") is None:
        return None
    table = query.args["from_"].this
    return table if isinstance(table, exp.Table) else None


def _update_conditions(update: exp.Update) -> list[exp.Expression]:
    conditions = [c for join in update.find_all(exp.Join) for c in _conjuncts(join.args.get("on"))]
    where = update.args.get("where")
    return conditions + (_conjuncts(where.this) if where is not None else [])


def _target_alias(update: exp.Update) -> str:
    """`UPDATE t ... FROM dbo.T t` is aliased t; `UPDATE dbo.T ... FROM dbo.T` is named T."""
    return update.this.name.lower() if not update.this.db else _alias(update.this)


def _equated(conditions: list[exp.Expression], alias: str, *, unqualified_is_target: bool
             ) -> tuple[list[str], list[exp.Expression]]:
    """(target columns equated to a column of another table, the other conditions)."""
    keys, rest = [], []
    for condition in conditions:
        sides = [condition.this, condition.expression] if isinstance(condition, exp.EQ) else []
        targets = [s for s in sides if isinstance(s, exp.Column) and _is_target(s, alias, unqualified_is_target)]
        sources = [s for s in sides if isinstance(s, exp.Column) and not _is_target(s, alias, unqualified_is_target)]
        if len(targets) == 1 and len(sources) == 1:
            keys.append(targets[0].name.lower())
        else:
            rest.append(condition)
    return keys, rest


def _is_target(column: exp.Column, alias: str, unqualified_is_target: bool) -> bool:
    return column.table.lower() == alias if column.table else unqualified_is_target


def _is_change_test(condition: exp.Expression, alias: str) -> bool:
    """`t.a <> s.a`, or ORs of such: true only for rows that changed."""
    condition = _unparen(condition)
    if isinstance(condition, exp.Or):
        return _is_change_test(condition.this, alias) and _is_change_test(condition.expression, alias)
    if not isinstance(condition, (exp.NEQ, exp.NullSafeNEQ)):
        return False
    tables = [{c.table.lower() for c in side.find_all(exp.Column)} for side in (condition.this, condition.expression)]
    return (alias in tables[0]) != (alias in tables[1]) and all(tables)


def _is_validity_test(condition: exp.Expression, validity: set[str]) -> bool:
    """`t.IsCurrent = 1` or `t.EndDate IS NULL`: picks the current version."""
    condition = _unparen(condition)
    if not isinstance(condition, (exp.EQ, exp.Is)):
        return False
    column, value = condition.this, condition.expression
    return (isinstance(column, exp.Column) and column.name.lower() in validity
            and isinstance(value, (exp.Literal, exp.Boolean, exp.Null)))


def _reads(node: exp.Expression) -> set[str]:
    """Keys of the tables read; temp tables as `#name`."""
    reads = set()
    for table in node.find_all(exp.Table):
        key = table_key(table)
        reads.add(key if key is not None else f"#{table.name.lower().lstrip('#')}")
    return reads


def _conjuncts(condition: exp.Expression | None) -> list[exp.Expression]:
    condition = _unparen(condition) if condition is not None else None
    if condition is None:
        return []
    if isinstance(condition, exp.And):
        return _conjuncts(condition.this) + _conjuncts(condition.expression)
    return [condition]


def _set_where(select: exp.Select, conjuncts: list[exp.Expression]) -> None:
    select.set("where", exp.Where(this=exp.and_(*conjuncts)) if conjuncts else None)


def _unparen(node: exp.Expression) -> exp.Expression:
    while isinstance(node, exp.Paren):
        node = node.this
    return node


def _unaliased(projection: exp.Expression) -> exp.Expression:
    return projection.this if isinstance(projection, exp.Alias) else projection


def _unqualified(node: exp.Expression) -> str:
    node = node.copy()
    for column in node.find_all(exp.Column):
        column.set("table", None)
    return node.sql("tsql").lower()


def _alias(table: exp.Table) -> str:
    return (table.alias or table.name).lower()


def _original(columns: list[str], lowered: list[str]) -> list[str]:
    """Lower-cased names back in the target's spelling."""
    spelling = {c.lower(): c for c in columns}
    return [spelling.get(name, name) for name in lowered]


def _names(columns: list[str]) -> str:
    return ", ".join(columns) or "nothing"
