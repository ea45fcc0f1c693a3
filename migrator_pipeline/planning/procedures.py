"""Procedures: what each statement of a procedure makes of its target tables.

The rules are in `planning.planner`'s docstring; the exact shapes of upserts and SCD type 2
pairs are in `planning.upserts`, of warehouse loads in `planning.warehouse_loads`, of result
sets in `planning.result_sets`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from sqlglot import exp

from migrator_pipeline.catalog.model import Catalog, SourceObject
from migrator_pipeline.planning.naming import distinct_outputs, output_columns
from migrator_pipeline.planning.procedural import CURSOR_REASON, WHILE_REASON, procedural_sketches
from migrator_pipeline.planning.parameters import THIS_PLACEHOLDER, VARIABLE_PREFIX, bind_parameters
from migrator_pipeline.planning.result_sets import ResultSet, ResultSetError, read_result_set
from migrator_pipeline.planning.sketches import ModelSketch
from migrator_pipeline.planning.upserts import PairError, read_pair
from migrator_pipeline.planning.warehouse_loads import (
    DeletedKeys, Variable, bookkeeping, close_off_select, declared_variables, read_deleted_keys, reloads_keys,
    substitute_variables, updated_select, window_condition)
from migrator_pipeline.tsql.identifiers import fold_columns, fold_identifier
from migrator_pipeline.tsql.modules import block_statements
from migrator_pipeline.tsql.references import statement_dependencies, write_targets
from migrator_pipeline.tsql.syntax import table_key
from migrator_pipeline.tsql.translate import TranslationError, translate_expression
from migrator_pipeline.tsql.types import UnknownTypeError, postgres_type

READ_ONLY_REASON = "analysis: review parameters"
DYNAMIC_SQL_REASON = "dynamic SQL (EXEC of a string / sp_executesql): the statement is only known at run time"
DELETE_REASON = "DELETE with WHERE: removes some rows in place, which no dbt model does"
# statements that carry no data flow for a model
_INERT = (exp.Transaction, exp.Commit, exp.Rollback, exp.Set, exp.Declare, exp.Drop, exp.Return)
_INERT_COMMANDS = frozenset({"PRINT", "RAISERROR", "THROW", "ELSE", "BREAK", "CONTINUE"})


@dataclass
class ProcedureAnalysis:
    """What one procedure makes: sketches of its models, or the reasons it needs review."""

    sketches: list[ModelSketch] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)


def analyse_procedure(procedure: SourceObject, catalog: Catalog) -> ProcedureAnalysis:
    header = procedure.header
    statements = block_statements(procedure.body[header.body_start :] if header and header.body_start is not None
                                  else procedure.body)
    if not procedure.parameters:  # only returns rows: a model of them (`planning.result_sets`)
        try:
            result_set = read_result_set(statements)
        except ResultSetError as error:
            return ProcedureAnalysis(reasons=[str(error)])
        if result_set is not None:
            return ProcedureAnalysis(sketches=[_result_set_sketch(procedure, result_set)])
    analysis = _ProcedureReader(procedure, catalog).read(statements)
    if DYNAMIC_SQL_REASON in analysis.reasons:  # not even a rewrite can make a model of it
        return analysis
    sketches = procedural_sketches(procedure, catalog, analysis.reasons)
    return ProcedureAnalysis(sketches=sketches) if sketches else analysis


def _result_set_sketch(procedure: SourceObject, result_set: ResultSet) -> ModelSketch:
    reads, _, _ = statement_dependencies([result_set.query])
    tsql, outputs = distinct_outputs(result_set.query.sql("tsql", pretty=True))
    limit = f" (SET ROWCOUNT {result_set.row_limit} as TOP)" if result_set.row_limit else ""
    return ModelSketch(fold_identifier(procedure.name), procedure.schema, procedure.source, "view", procedure.key, tsql,
                       depends_on=[k for k in reads if k != procedure.key], outputs=outputs,
                       description=f"The result set of the procedure {procedure.source}{limit}.")


def claim_targets(analyses: dict[str, ProcedureAnalysis]) -> set[str]:
    """Target tables of planned procedures; a second procedure producing a table needs review."""
    produced: dict[str, str] = {}
    for key, analysis in analyses.items():
        if analysis.reasons:
            continue
        taken = [d.target for d in analysis.sketches if d.target in produced]
        if taken:
            analysis.reasons.append(f"{taken[0]} is already produced by {produced[taken[0]]}")
            continue
        produced.update({d.target: key for d in analysis.sketches if d.target})
    return set(produced)


class _ProcedureReader:
    """Reads one procedure's statements in order, keeping what earlier statements leave for later
    ones (temp tables, truncations, pending UPDATEs and DELETEs, local variables)."""

    def __init__(self, procedure: SourceObject, catalog: Catalog) -> None:
        self.procedure = procedure
        self.catalog = catalog
        self.temps: dict[str, exp.Query] = {}  # temp name (lower, without #) -> its SELECT
        self.temp_columns: dict[str, list[str]] = {}
        self.truncated: set[str] = set()
        self.updates: dict[str, exp.Update] = {}  # target key -> UPDATE waiting for its INSERT
        self.results: list[exp.Query] = []  # SELECTs returned to the caller
        self.analysis = ProcedureAnalysis()
        self.variables: dict[str, Variable] = {}  # local variables (lower case, without @)
        self.orchestration: list[str] = []  # bookkeeping dropped from the models, for their docs
        self.lookups: list[str] = []
        self.deleted: dict[str, DeletedKeys] = {}  # target key -> keys deleted before its INSERT
        self.windows: dict[str, exp.Expression] = {}  # target key -> WHERE of a window deleted before it
        self.updated: dict[str, exp.Select] = {}  # table updated in place -> the table as left
        self.updated_read: set[str] = set()
        self.unread_updates: dict[str, str] = {}  # table updated in place -> why, if nothing reads it
        self.inserted: set[str] = set()  # keys the procedure INSERTs into or MERGEs

    def read(self, statements: list[exp.Expression]) -> ProcedureAnalysis:
        self.inserted = {k for s in statements if isinstance(s, (exp.Insert, exp.Merge))
                         for t in write_targets(s) if (k := table_key(t))}
        for index, statement in enumerate(statements):
            following = statements[index + 1] if index + 1 < len(statements) else None
            self._statement(statement, following)
        for key in self.updates:
            self._review(f"UPDATE of {key} without a following INSERT of new rows: not an upsert or SCD type 2 load")
        for key, reason in self.unread_updates.items():
            if key not in self.updated_read:
                self._review(reason)
        if self.deleted or self.windows:
            self._review(DELETE_REASON)
        if not self.analysis.reasons and not self.analysis.sketches:
            self._read_only()
        self._document()
        return self.analysis

    def _document(self) -> None:
        """Bookkeeping and lookups go into the docs of the procedure's models."""
        notes = []
        if self.orchestration:
            notes.append(f"Orchestration in {self.procedure.source} left to the scheduler (not in the SQL): "
                         + ", ".join(dict.fromkeys(self.orchestration)) + ".")
        notes += [f"{lookup}." for lookup in dict.fromkeys(self.lookups)]
        if not notes:
            return
        for sketch in self.analysis.sketches:
            sketch.description = " ".join([sketch.description or f"Loaded by {self.procedure.source}."] + notes)

    def _read_only(self) -> None:
        if not self.results and self.orchestration:
            self._review("orchestration only (" + ", ".join(dict.fromkeys(self.orchestration)) + "): nothing "
                         "for a model to build; the scheduler runs the loads and keeps the bookkeeping")
        elif not self.results or not self.procedure.parameters:
            self._review("no recognisable data-loading statement")
        elif len(self.results) > 1:
            self._review(f"read-only procedure returning {len(self.results)} result sets")
        else:
            query, variables, _ = bind_parameters(self._inline_temps(self.results[0]), self.procedure)
            reads, _, _ = statement_dependencies([query])
            procedure = self.procedure
            self.analysis.sketches.append(ModelSketch(
                fold_identifier(procedure.name), procedure.schema, procedure.source, "view", procedure.key,
                query.sql("tsql", pretty=True), depends_on=reads, resource="analysis", variables=variables,
                review=READ_ONLY_REASON,
                description=f"Analysis from the read-only procedure {procedure.source}: pass its "
                            "parameters as dbt vars, written as SQL literals.",
            ))

    def _review(self, reason: str) -> None:
        if reason not in self.analysis.reasons:
            self.analysis.reasons.append(reason)

    def _statement(self, statement: exp.Expression, following: exp.Expression | None) -> None:
        note = bookkeeping(statement)
        if note is not None:
            self.orchestration.append(note)
        elif isinstance(statement, (exp.Declare, exp.Set)):
            declared_variables(statement, self.variables)
        elif isinstance(statement, (exp.Transaction, exp.Commit)):
            self.orchestration.append("BEGIN TRAN/COMMIT (dbt builds each model in a transaction of its own)")
        elif isinstance(statement, exp.Return):
            self.orchestration.append("RETURN")
        elif isinstance(statement, exp.Command):
            self._command(statement, following)
        elif isinstance(statement, (exp.Execute, exp.ExecuteSql)):
            if isinstance(statement, exp.ExecuteSql) or not isinstance(statement.this, exp.Table):
                self._review(DYNAMIC_SQL_REASON)
        elif isinstance(statement, exp.TruncateTable):
            self.truncated.update(k for t in statement.expressions if (k := table_key(t)))
        elif isinstance(statement, exp.Delete):
            self._delete(statement)
        elif isinstance(statement, exp.Create):
            self._create(statement)
        elif isinstance(statement, exp.Insert):
            self._insert(statement)
        elif isinstance(statement, exp.Merge):
            self._merge(statement)
        elif isinstance(statement, exp.Update):
            self._update(statement)
        elif isinstance(statement, exp.Query):
            self._select(statement)
        elif not isinstance(statement, _INERT):
            self._review(f"unrecognised statement: {statement.sql('tsql')[:40]}")

    def _command(self, command: exp.Command, following: exp.Expression | None) -> None:
        verb = command.name.upper()
        text = str(command.args.get("expression") or "").upper()
        if verb in ("OPEN", "FETCH", "CLOSE", "DEALLOCATE") or (verb == "DECLARE" and " CURSOR" in f" {text}"):
            self._review(CURSOR_REASON)
        elif verb in ("EXEC", "EXECUTE"):
            if text.strip().startswith("(") or "SP_EXECUTESQL" in text:
                self._review(DYNAMIC_SQL_REASON)
        elif verb == "WHILE":
            self._review(WHILE_REASON)
        elif verb == "IF" and not isinstance(following, exp.Drop):
            self._review("IF/ELSE control flow: which statements run depends on data at run time")
        elif verb not in _INERT_COMMANDS and verb != "IF":
            self._review(f"unrecognised statement: {verb}")

    def _delete(self, delete: exp.Delete) -> None:
        targets = [k for t in write_targets(delete) if (k := table_key(t))]
        if delete.args.get("where") is None:
            self.truncated.update(targets)
            return
        deleted = read_deleted_keys(delete)
        window = window_condition(delete)
        if len(targets) == 1 and deleted is not None and deleted.source is not None:
            self.deleted[targets[0]] = deleted  # resolved by the INSERT that follows
        elif len(targets) == 1 and window is not None:
            self.windows[targets[0]] = window
        else:
            self._review(DELETE_REASON)

    def _update(self, update: exp.Update) -> None:
        targets = [k for t in write_targets(update) if (k := table_key(t))]
        if targets and targets[0] not in self.inserted:
            table = self.catalog.get(targets[0])
            select = updated_select(update, [c.name for c in table.columns]) if table else None
            if select is not None:
                self.updated[targets[0]] = self._inline_temps(select)
                self.unread_updates.setdefault(targets[0], self._update_reason(targets[0], update))
                return
        if not targets or update.args.get("from_") is None:
            self._review(self._update_reason(targets[0] if targets else "?", update))
            return
        self.updates[targets[0]] = update

    @staticmethod
    def _update_reason(key: str, update: exp.Update) -> str:
        if update.args.get("from_") is None:
            return "UPDATE in place (no FROM): not an upsert or SCD type 2 load"
        return f"UPDATE of {key} without a following INSERT of new rows: not an upsert or SCD type 2 load"

    def _create(self, create: exp.Create) -> None:
        table = create.this.this if isinstance(create.this, exp.Schema) else create.this
        if not isinstance(table, exp.Table) or table_key(table) is not None:
            self._review(f"CREATE {create.args.get('kind', '')} inside a procedure")
            return
        if isinstance(create.this, exp.Schema):
            self.temp_columns[table.name.lower()] = [c.name for c in create.this.expressions if isinstance(c, exp.ColumnDef)]

    def _select(self, select: exp.Query) -> None:
        into = select.args.get("into")
        if into is None:
            self.results.append(select)
            return
        query = select.copy()
        query.set("into", None)
        target = into.this
        key = table_key(target)
        if key is None:
            self.temps[target.name.lower()] = self._inline_temps(query)
            return
        self._add_model(key, query, "table")

    def _insert(self, insert: exp.Insert) -> None:
        target = write_targets(insert)[0]
        query = insert.expression
        if not isinstance(query, exp.Query):
            self._review("INSERT ... VALUES or INSERT ... EXEC: rows from outside a query")
            return
        columns = [c.name for c in insert.this.expressions] if isinstance(insert.this, exp.Schema) else None
        key = table_key(target)
        if key is not None and key in self.updates:
            self._pair(key, self.updates.pop(key), insert, columns)
            return
        query = self._with_ctes(insert, self._inline_temps(query.copy()))
        if key is None:
            name = target.name.lower()
            columns = columns or self.temp_columns.get(name)
            query = output_columns(query, columns) if columns else query
            previous = self.temps.get(name)
            self.temps[name] = exp.union(previous, query, distinct=False) if previous is not None else query
            return
        materialized = "table" if key in self.truncated else "incremental"
        columns = self._target_columns(key, columns, query)
        deleted = self.deleted.pop(key, None)
        if deleted is not None:
            why = reloads_keys(deleted, columns or [], insert.expression)
            if why is not None:
                self._review(f"DELETE of the rows of {key} whose {deleted.column} is in {deleted.source}, then an "
                             f"INSERT that does not reload exactly those keys: {why}")
                return
            unique_key = [fold_identifier(c) for c in self._column_names(key, [deleted.column])]
            self._add_model(key, query, "incremental", unique_key, columns=columns, strategy="delete+insert")
            return
        window = self.windows.pop(key, None)
        if window is not None and materialized == "incremental":
            self._add_model(key, query, materialized, self._primary_key(key, columns), columns=columns,
                            window=window)
            return
        unique_key = self._primary_key(key, columns) if materialized == "incremental" else []
        self._add_model(key, query, materialized, unique_key, columns=columns)

    def _primary_key(self, key: str, columns: list[str] | None) -> list[str]:
        """The target's primary key, folded, when the model produces all of it: an append
        re-run then replaces rows with the same key, where SQL Server would refuse them."""
        table = self.catalog.get(key)
        produced = {c.lower() for c in columns or []}
        if table is None or not table.primary_key or not {c.lower() for c in table.primary_key} <= produced:
            return []
        return [fold_identifier(c) for c in self._column_names(key, table.primary_key)]

    def _pair(self, key: str, update: exp.Update, insert: exp.Insert, columns: list[str] | None) -> None:
        """UPDATE ... FROM, then INSERT of the rows missing: an upsert or an SCD type 2 load."""
        columns = self._target_columns(key, columns, insert.expression)
        try:
            pair = read_pair(key, update, columns or [], insert.expression)
        except PairError as error:
            self._close_off(key, update, insert, columns, str(error))
            return
        query = self._with_ctes(insert, self._inline_temps(pair.select))
        unique_key = [fold_identifier(c) for c in self._column_names(key, pair.unique_key)]
        if pair.kind == "upsert":
            self._add_model(key, query, "incremental", unique_key, columns=pair.columns)
            return
        meta = {"dbt_valid_from": pair.valid_from, "dbt_valid_to": pair.valid_to}
        self._add_model(
            key, query, "snapshot", unique_key, columns=pair.columns, resource="snapshot",
            check_cols=[fold_identifier(c) for c in self._column_names(key, pair.check_cols)],
            meta_columns={k: fold_identifier(v) for k, v in meta.items() if v},
            description=_snapshot_description(key, self.procedure, pair.dropped, pair.valid_to),
        )

    def _close_off(self, key: str, update: exp.Update, insert: exp.Insert, columns: list[str] | None,
                   pair_error: str) -> None:
        """Type 2 close-off with the source's own validity dates: an incremental model that closes
        and opens versions (`planning.warehouse_loads`); else the pair's reason for review."""
        table = self.catalog.get(key)
        columns = columns or []
        given = {c.lower() for c in columns}
        generated = [c.name for c in (table.columns if table else []) if c.name.lower() not in given and not c.computed
                     and (c.identity or "next value for" in (c.default or "").lower())]
        target = exp.table_(table.name, db=table.schema, quoted=True) if table else None
        try:
            query, unique_key = close_off_select(key, update, columns, insert.expression, generated, target)
        except PairError:
            self._review(pair_error)
            return
        query = self._with_ctes(insert, self._inline_temps(query))
        self._add_model(key, query, "incremental", [fold_identifier(c) for c in self._column_names(key, unique_key)],
                        columns=generated + columns, strategy="delete+insert",
                        description=(f"Type 2 history of {key}, loaded by {self.procedure.source}: each run deletes "
                                     "every version of the staged keys and inserts them again, the current ones "
                                     "closed off as the procedure's UPDATE does, with the new versions."))

    def _merge(self, merge: exp.Merge) -> None:
        key = table_key(merge.this)
        insert = next((w.args["then"] for w in merge.args["whens"].expressions if isinstance(w.args.get("then"), exp.Insert)), None)
        if key is None or insert is None or not isinstance(insert.expression, exp.Tuple):
            self._review("MERGE without WHEN NOT MATCHED THEN INSERT")
            return
        using = merge.args["using"].copy()
        if isinstance(using, exp.Subquery):
            using.set("this", self._inline_temps(using.this))
        query = exp.select(*[v.copy() for v in insert.expression.expressions]).from_(using)
        if merge.args.get("with_") is not None:  # `WITH cte AS (...) MERGE ... USING cte`
            query.set("with_", merge.args["with_"].copy())
        query = self._inline_temps(query)
        columns = [c.name for c in insert.this.expressions] if isinstance(insert.this, exp.Tuple) else None
        target_alias = (merge.this.alias or merge.this.name).lower()
        unique_key = [
            fold_identifier(column.name)  # the model's columns are folded by the translator
            for column in merge.args["on"].find_all(exp.Column)
            if column.table.lower() == target_alias
        ]
        self._add_model(key, query, "incremental", unique_key, columns=self._target_columns(key, columns, query))

    def _target_columns(self, key: str, columns: list[str] | None, query: exp.Expression) -> list[str] | None:
        if columns:
            return columns
        table = self.catalog.get(key)
        if table is None:
            return None
        names = [c.name for c in table.columns if not c.computed]
        if isinstance(query, exp.Query) and len(query.selects) < len(names):
            names = [c.name for c in table.columns if not c.computed and not c.identity]
        return names

    def _column_names(self, key: str, columns: list[str]) -> list[str]:
        """Target column names as the model outputs them: as written, unless folding makes two
        of the table's columns collide; then `fold_columns`' settled name."""
        table = self.catalog.get(key)
        settled = fold_columns([c.name for c in table.columns]) if table else {}
        by_lower = {name.lower(): folded for name, folded in settled.items()}
        named = []
        for column in columns:
            folded = by_lower.get(column.lower(), fold_identifier(column))
            named.append(column if folded == fold_identifier(column) else folded)
        return named

    def _inline_temps(self, query: exp.Query) -> exp.Query:
        """Replace `#tmp` references by CTEs over the temp tables' SELECTs, and tables the
        procedure updated in place by CTEs over the table as the UPDATE left it."""
        ctes = []
        updated = [k for k in self.updated if any(table_key(t) == k for t in query.find_all(exp.Table))]
        for key in updated:
            name = f"{fold_identifier(key.split('.', 1)[1])}_updated"
            for table in list(query.find_all(exp.Table)):
                if table_key(table) == key:
                    if table.args.get("alias") is None:
                        table.set("alias", exp.TableAlias(this=exp.to_identifier(table.name)))
                    table.set("this", exp.to_identifier(name))
                    table.set("db", None)
            ctes.append((name, self.updated[key]))
            self.updated_read.add(key)
        used = [t.name.lower() for t in query.find_all(exp.Table) if table_key(t) is None and t.name.lower() in self.temps]
        ctes = [(fold_identifier(name), self.temps[name]) for name in self.temps if name in used] + ctes
        if not ctes:
            return query
        for table in list(query.find_all(exp.Table)):
            if table_key(table) is None and table.name.lower() in self.temps:
                table.set("this", exp.to_identifier(fold_identifier(table.name)))
        return _prepend_ctes(query, ctes)

    def _with_ctes(self, insert: exp.Insert, query: exp.Query) -> exp.Query:
        """`WITH x AS (...) INSERT ... SELECT`: the CTEs move onto the SELECT."""
        with_clause = insert.args.get("with_")
        if with_clause is None:
            return query
        return _prepend_ctes(query, [(cte.alias, cte.this) for cte in with_clause.expressions])

    def _add_model(self, key: str, query: exp.Query, materialized: str, unique_key: list[str] | None = None, *,
                   columns: list[str] | None = None, resource: str = "model", check_cols: list[str] | None = None,
                   meta_columns: dict[str, str] | None = None, description: str | None = None,
                   strategy: str | None = None, window: exp.Expression | None = None) -> None:
        table = self.catalog.get(key)
        name = table.name if table else key.split(".", 1)[1]
        schema = table.schema if table else key.split(".", 1)[0]
        if columns:
            query = output_columns(query, self._column_names(key, columns))
        query, variables, missing = bind_parameters(query, self.procedure)
        if missing:
            self._review(f"parameter {missing[0]} has no default: a model cannot take arguments")
            return
        query, lookups = substitute_variables(query, self.variables)
        self.lookups += lookups
        reads, _, _ = statement_dependencies([query])
        if key in reads and resource == "model":
            query = self._reading_itself(query, key, columns)
            variables[THIS_PLACEHOLDER] = self._this_relation(key, columns)
        sketch = ModelSketch(
            fold_identifier(name), schema, f"{schema}.{name}", materialized, self.procedure.key,
            query.sql("tsql", pretty=True), key, unique_key or [], [k for k in reads if k != key],
            description=description, resource=resource, variables=variables, check_cols=check_cols or [],
            meta_columns=meta_columns or {}, columns=columns, incremental_strategy=strategy,
        )
        if window is not None:
            hook = self._window_hook(window)
            if hook is None:
                return
            sketch.pre_hook = hook
            sketch.description = (f"Each incremental run first deletes the rows of {key} where "
                                  f"{window.sql('tsql')}, as {self.procedure.source} does, then appends.")
        self.analysis.sketches = [d for d in self.analysis.sketches if d.target != key] + [sketch]


    def _window_hook(self, window: exp.Expression) -> str | None:
        """`delete from {{ this }} where <window>` in incremental runs, the window in PostgreSQL
        (parameters as dbt vars, local variables as their values)."""
        condition = window.copy()
        for column in condition.find_all(exp.Column):
            column.set("table", None)
        holder = exp.select(condition)
        holder, variables, missing = bind_parameters(holder, self.procedure)
        holder, lookups = substitute_variables(holder, self.variables)
        if missing or holder.find(exp.Parameter) is not None:
            self._review("DELETE of a window whose bounds are variables without a value: a model cannot take arguments")
            return None
        try:
            sql = translate_expression(holder.expressions[0].sql("tsql"), [])
        except TranslationError as error:
            self._review(f"DELETE of a window that cannot be translated: {error}")
            return None
        sql = re.sub(rf"\b{VARIABLE_PREFIX}\w+\b", lambda m: variables.get(m[0], m[0]), sql)
        self.lookups += lookups
        return "{% if is_incremental() %}delete from {{ this }} where " + sql + "{% endif %}"

    def _reading_itself(self, query: exp.Query, key: str, columns: list[str] | None) -> exp.Query:
        """A model never refs itself (dbt would find a cycle): its own table becomes the
        placeholder of `{{ this }}`."""
        for table in list(query.find_all(exp.Table)):
            if table_key(table) == key:
                if table.args.get("alias") is None:
                    table.set("alias", exp.TableAlias(this=exp.to_identifier(table.name)))
                table.set("this", exp.to_identifier(THIS_PLACEHOLDER))
                table.set("db", None)
                table.set("catalog", None)
        return query

    def _this_relation(self, key: str, columns: list[str] | None) -> str:
        """`{{ this }}` in an incremental run; otherwise the table as it stands before the first
        load: empty, with the model's columns and their PostgreSQL types."""
        table = self.catalog.get(key)
        types = {c.name.lower(): c.data_type for c in table.columns} if table else {}
        names = self._column_names(key, columns or [])
        empty = ", ".join(f"cast(null as {_raw_type(types.get(c.lower()))}) as {fold_identifier(n)}"
                          for c, n in zip(columns or [], names))
        return ("{% if is_incremental() %}{{ this }}{% else %}(select " + empty + " where false){% endif %}")


def _raw_type(sqlserver_type: str | None) -> str:
    """The PostgreSQL type of a column as the raw copy holds it (unknown types are loaded as text)."""
    try:
        return postgres_type(sqlserver_type) if sqlserver_type else "text"
    except UnknownTypeError:
        return "text"


def _snapshot_description(key: str, procedure: SourceObject, dropped: list[str], valid_to: str | None) -> str:
    text = f"Snapshot of {key}, replacing the slowly changing dimension (type 2) load of {procedure.source}."
    if dropped:
        current = f"`{fold_identifier(valid_to)} is null`" if valid_to else "`dbt_valid_to is null`"
        text += f" Not kept: {', '.join(dropped)}; the current version is where {current}."
    return text


def _prepend_ctes(query: exp.Query, ctes: list[tuple[str, exp.Expression]]) -> exp.Query:
    existing = query.args.get("with_")
    query = query.copy()
    query.set("with_", None)
    for name, select in ctes:
        query = query.with_(name, as_=select.copy())
    if existing is not None:
        for cte in existing.expressions:
            query = query.with_(cte.alias, as_=cte.this)
    return query
