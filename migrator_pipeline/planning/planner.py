"""The planner: what each catalog object becomes in the dbt project.

Rules, in the order they apply:
- Procedures are analysed first (`procedure_statements`), statement by statement:
  - `TRUNCATE TABLE t` (or `DELETE FROM t` without WHERE) then `INSERT INTO t ... SELECT`
    -> a `table` model for t; `SELECT ... INTO t` -> a `table` model for t;
  - `INSERT INTO t ... SELECT` alone -> an `incremental` model that appends; its `unique_key` is
    t's primary key when the SELECT produces all of it (an identity key it does not), so that
    a re-run replaces the rows SQL Server would have refused as duplicates;
  - `MERGE INTO t USING src AS s ON t.k = s.k ... WHEN NOT MATCHED THEN INSERT (cols)
    VALUES (...)` -> an `incremental` model, `unique_key` = the target's ON columns, whose
    SELECT is the INSERT values over the source;
  - `UPDATE t SET ... FROM t JOIN src` then `INSERT INTO t SELECT ... WHERE NOT EXISTS (...t...)`
    (or `LEFT JOIN t ... WHERE t.k IS NULL`) -> an `incremental` model, `unique_key` = the
    key the NOT EXISTS checks, when the UPDATE sets every column as the INSERT does; an UPDATE
    that sets only end dates and flags (`EndDate = GETDATE(), IsCurrent = 0`) followed by the
    INSERT of new versions (slowly changing dimension, type 2) -> a dbt snapshot
    (`snapshots/<t>.sql`, strategy 'check', `unique_key`, `check_cols` = the columns the
    UPDATE compares, the end/start dates as `dbt_valid_to`/`dbt_valid_from`). The exact
    shapes, and what makes a pair need review instead, are in `planning.upserts`;
  - warehouse loads (exact shapes in `planning.warehouse_loads`): `DELETE` of the staged keys
    then `INSERT` of them -> `incremental`, strategy `delete+insert`, `unique_key` the key; a
    type 2 close-off with the source's own dates (no NOT EXISTS) -> `incremental`
    `delete+insert` on the business key, closing and opening versions; a staging table updated
    in place then read -> a CTE of the table as the UPDATE leaves it; bookkeeping (control-table
    UPDATE/INSERT VALUES, BEGIN TRAN/COMMIT, RETURN) -> listed in the description, dropped;
    local variables assigned once -> their value (constants, or lookups read at build time);
  - a model that reads its own target reads the placeholder `migrator_var__this`, which the
    writer renders `{{ this }}` in incremental runs and an empty relation of the model's columns
    otherwise (the table before its first load): never a self-`ref`;
  - `SELECT ... INTO #tmp` and `CREATE TABLE #tmp` + `INSERT INTO #tmp SELECT` are inlined
    as CTEs (named after the temp table, without `#`) into the statements that read them;
  - each model's SELECT outputs the target table's column names: the INSERT column list,
    or else the catalog's column order (identity columns skipped when the SELECT is shorter);
  - a procedure with one target per INSERT/MERGE gives one model per target table;
  - procedure parameters in a model's SELECT become dbt vars: `@p` -> `CAST({{ var('p',
    <default>) }} AS <type>)`, the default being the parameter's T-SQL default (its SQL text;
    `null` when it has none). In a model, a parameter without a default needs review ("a model
    cannot take arguments");
  - a procedure without parameters whose only statements are one SELECT and SET NOCOUNT /
    SET ROWCOUNT n -> a `view` model of that result set, named after the procedure, the row
    count as its TOP n (`planning.result_sets`);
  - a read-only procedure with parameters and one SELECT -> a dbt analysis
    (`analyses/<procedure>.sql`, parameters as vars), needs review with the reason
    "analysis: review parameters"; with several SELECTs it needs review (result sets);
  - cursors, WHILE loops, dynamic SQL, IF/ELSE around anything but DROP, UPDATE outside an
    upsert/SCD pair, DELETE with WHERE (other than of staged keys), INSERT ... VALUES/EXEC (other
    than bookkeeping), or nothing recognisable ->
    `needs_review` naming the construct and why dbt cannot express it. `EXEC` of other
    procedures is left to those procedures' own plans;
  - two procedures producing the same table: the later (by source name) needs review.
- A table produced by a planned model or snapshot is not a source. Every other table (including
  tables written only by procedures that need review) is a dbt source in `<project>_raw`, with a
  staging view `stg_<schema>__<table>` selecting all its columns.
- Views -> `view` models.
- Functions: scalar functions whose body is a single `RETURN <expr>`, or folds into one
  (`planning.scalar_functions`) -> macros; other scalar functions need review. Inline table-valued functions (`RETURNS TABLE AS RETURN (SELECT ...)`)
  without parameters -> `view` models; with parameters -> analyses ("analysis: review
  parameters (...)": a model cannot take arguments); multi-statement table-valued functions
  need review. Triggers need review, naming their table.
- Layers: staging models sit over sources; a view, function or procedure model is
  `intermediate` when another view, procedure or function of the estate (other than the one
  producing it) reads it, `marts` otherwise. Materializations: staging, views and functions
  `view`; procedure targets as above.
- Names: every identifier goes through `fold_identifier` (lower case, non-word runs -> `_`).
  Models are named after the folded view/function/procedure (analyses) or target table
  (procedure models, snapshots); names that collide are all prefixed with `<schema>__`, and
  the description says so. Columns of one table or SELECT that collide once folded
  (`Order Date`, `order_date`) are settled by `fold_columns`: a name already in folded form
  keeps it, the others in column order get `_2`, `_3`, ... Every object's names are recorded
  in `plan.names`: `{schema.name: {"model": dbt name or None, "columns": {column: dbt column}}}`
  (a dbt column of None: the column is not produced; for macros, parameters are the columns).
- Schemas, types, sequences, synonyms and indexes (`RECORDED_KINDS`) are `skipped`:
  recorded so that nothing goes unreported, not migrated. Any other kind without a model
  needs review ("no model planned").
- Models are ordered topologically over `depends_on`; models on a dependency cycle are
  dropped and their objects need review, with the cycle named.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import sqlglot
from sqlglot import exp
from sqlglot.errors import SqlglotError

from migrator_pipeline.catalog.model import RECORDED_KINDS, Catalog, SourceObject
from migrator_pipeline.planning.model import MigrationPlan, PlanEntry, PlannedMacro, PlannedModel, PlannedSource
from migrator_pipeline.planning.result_sets import ResultSet, ResultSetError, read_result_set
from migrator_pipeline.planning.scalar_functions import FoldError, fold_scalar_function
from migrator_pipeline.planning.upserts import PairError, read_pair
from migrator_pipeline.planning.warehouse_loads import (
    DeletedKeys, Variable, bookkeeping, close_off_select, declared_variables, read_deleted_keys, reloads_keys,
    substitute_variables, updated_select, window_condition)
from migrator_pipeline.tsql.identifiers import fit_identifier, fold_columns, fold_identifier, raw_identifier, sql_name
from migrator_pipeline.tsql.lexer import tokenize
from migrator_pipeline.tsql.modules import block_statements, parse_module_header, procedure_statements
from migrator_pipeline.tsql.references import statement_dependencies, write_targets
from migrator_pipeline.tsql.syntax import table_key
from migrator_pipeline.tsql.tokens import matching_paren, multipart_name, schema_and_name, split_commas
from migrator_pipeline.tsql.translate import TranslationError, translate_expression
from migrator_pipeline.tsql.types import UnknownTypeError, postgres_type

READ_ONLY_REASON = "analysis: review parameters"
TABLE_FUNCTION_REASON = "analysis: review parameters (a table-valued function with parameters cannot be a dbt model)"
CURSOR_REASON = "cursor: row-by-row logic, needs a set-based rewrite"
WHILE_REASON = "WHILE loop: row-by-row logic, needs a set-based rewrite"
DYNAMIC_SQL_REASON = "dynamic SQL (EXEC of a string / sp_executesql): the statement is only known at run time"
VARIABLE_PREFIX = "migrator_var__"  # placeholder column of a dbt var, replaced by the writer
# placeholder relation of a model reading its own table: `{{ this }}` in incremental runs, else an
# empty relation of the same columns (the table as SQL Server had it before the first load)
THIS_PLACEHOLDER = f"{VARIABLE_PREFIX}this"
DELETE_REASON = "DELETE with WHERE: removes some rows in place, which no dbt model does"
# statements that carry no data flow for a model
_INERT = (exp.Transaction, exp.Commit, exp.Rollback, exp.Set, exp.Declare, exp.Drop, exp.Return)
_PLURAL = {"index": "indexes", "schema": "schemas"}
_INERT_COMMANDS = frozenset({"PRINT", "RAISERROR", "THROW", "ELSE", "BREAK", "CONTINUE"})
_PARAMETER_SUFFIXES = frozenset({"OUTPUT", "OUT", "READONLY"})


@dataclass
class _Draft:
    """A model (or snapshot, or analysis) before its name is settled."""

    desired: str
    schema: str
    source: str  # `schema.name` of the object named, for collision ordering
    materialized: str
    origin: str
    tsql: str
    target: str | None = None
    unique_key: list[str] = field(default_factory=list)
    depends_on: list[str] = field(default_factory=list)
    name: str = ""
    description: str | None = None
    layer: str = "marts"
    resource: str = "model"
    variables: dict[str, str] = field(default_factory=dict)
    check_cols: list[str] = field(default_factory=list)
    meta_columns: dict[str, str] = field(default_factory=dict)
    columns: list[str] | None = None  # target columns produced, as in SQL Server; None: unknown
    outputs: dict[str, str] = field(default_factory=dict)  # views, functions: output -> dbt column
    review: str | None = None  # written, but a person must review it (analyses)
    incremental_strategy: str | None = None
    pre_hook: str | None = None


@dataclass
class _ProcedureAnalysis:
    drafts: list[_Draft] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)


def plan_migration(catalog: Catalog, project: str) -> MigrationPlan:
    """The migration plan of a catalog (rules in the module docstring)."""
    plan = MigrationPlan(project=project, raw_schema=f"{project}_raw")
    failures: dict[str, str] = {}
    analyses = {p.key: analysis for p in sorted(catalog.of_kind("procedure"), key=lambda o: o.source)
                if (analysis := _isolated(p, failures, _analyse_procedure, p, catalog))}
    produced = _claim_targets(analyses)
    reasons: dict[str, str] = {key: "; ".join(a.reasons) for key, a in analyses.items() if a.reasons}
    reasons.update(failures)
    drafts = [d for a in analyses.values() if not a.reasons for d in a.drafts]
    drafts += [d for v in catalog.of_kind("view") if (d := _isolated(v, reasons, _view_draft, v))]
    drafts += _plan_functions(plan, catalog, reasons)
    _settle_layers(drafts, catalog)
    _settle_names(drafts)
    staging, dropped_columns = _plan_sources(plan, catalog, produced)
    for draft in drafts:
        if draft.resource != "analysis":
            plan.relations[draft.target or draft.origin] = "{{ ref('%s') }}" % draft.name
        if THIS_PLACEHOLDER in draft.variables:  # the writer puts the relation in its place
            plan.relations[f"dbo.{THIS_PLACEHOLDER}"] = THIS_PLACEHOLDER
    models = staging + [_model(d) for d in drafts]
    plan.models, cycle_reasons = _in_dependency_order(models, plan)
    reasons.update(cycle_reasons)
    reviews = {d.origin: d.review for d in drafts if d.review and d.origin not in reasons}
    plan.entries = [_entry(obj, plan, reasons, reviews) for obj in catalog.objects]
    plan.names = _name_map(catalog, plan, drafts, dropped_columns)
    return plan


# ---------------------------------------------------------------- sources and views


def _plan_sources(plan: MigrationPlan, catalog: Catalog, produced: set[str]
                  ) -> tuple[list[PlannedModel], dict[str, list[str]]]:
    staging, dropped_columns = [], {}
    for table in catalog.of_kind("table"):
        if table.key in produced:
            continue
        schema, name = fold_identifier(table.schema), fold_identifier(table.name)
        plan.sources.append(PlannedSource(table.key, schema, name, raw_identifier(table.schema, table.name)))
        model_name = fit_identifier(f"stg_{schema}__{name}")
        columns, dropped = _staging_columns(table)
        sql = "select\n" + ",\n".join(f"    {c}" for c in columns) + f"\nfrom {{{{ source('{schema}', '{name}') }}}}"
        description = None
        if dropped:
            description = (f"Staging model over {table.source}. Computed columns not migrated: "
                           + "; ".join(f"{column} ({why})" for column, why in dropped) + ".")
        dropped_columns[table.key] = [column for column, _ in dropped]
        staging.append(PlannedModel(model_name, "staging", "view", table.key, "", sql=sql,
                                    description=description))
        plan.relations[table.key] = "{{ ref('%s') }}" % model_name
    return staging, dropped_columns


def _staging_columns(table: SourceObject) -> tuple[list[str], list[tuple[str, str]]]:
    """The staging model's select list. The raw copy holds no computed columns (SQL Server
    derives them on read), so staging derives them the same way, from the translated expression;
    one that cannot be translated is left out and named, never silently dropped."""
    columns, dropped = [], []
    names = fold_columns([c.name for c in table.columns])
    for column in table.columns:
        name = names[column.name]
        if column.computed is None:
            columns.append(sql_name(name))
            continue
        try:
            columns.append(f"{translate_expression(column.computed, [])} as {sql_name(name)}")
        except TranslationError as error:
            dropped.append((column.name, str(error)))
    return columns, dropped


def _view_draft(view: SourceObject) -> _Draft:
    header = parse_module_header(tokenize(view.body))
    select = view.body[header.body_start :].strip() if header and header.body_start else ""
    tsql, outputs = _distinct_outputs(select.rstrip(";").strip())
    draft = _Draft(fold_identifier(view.name), view.schema, view.source, "view", view.key, tsql, outputs=outputs)
    draft.depends_on = [key for key in view.reads if key != view.key]
    return draft


def _distinct_outputs(tsql: str) -> tuple[str, dict[str, str]]:
    """The query with outputs that collide once folded (`[Order Date]`, `order_date`) aliased
    apart by `fold_columns`, and its output -> dbt column names. Unchanged when none collide;
    no names when the text does not parse or selects `*`."""
    query = _parse_query(tsql)
    if query is None or any(isinstance(s, exp.Star) for s in query.selects):
        return tsql, {}
    named = list(query.named_selects)
    settled = fold_columns([n for n in named if n])
    if len(set(named)) != len(named) or all(folded == fold_identifier(n) for n, folded in settled.items()):
        return tsql, settled
    aliases = [n if settled[n] == fold_identifier(n) else settled[n] for n in named]
    return _output_columns(query, aliases).sql("tsql", pretty=True), settled


def _parse_query(tsql: str) -> exp.Query | None:
    try:
        query = sqlglot.parse_one(tsql, read="tsql")
    except SqlglotError:
        return None
    return query if isinstance(query, exp.Query) else None


def _settle_layers(drafts: list[_Draft], catalog: Catalog) -> None:
    for draft in drafts:
        produced = draft.target or draft.origin
        readers = [o for o in catalog.objects if o.kind in ("view", "procedure", "function")
                   and o.key != draft.origin and (produced in o.reads or produced in o.calls)]
        draft.layer = "intermediate" if readers else "marts"


def _model(draft: _Draft) -> PlannedModel:
    return PlannedModel(
        draft.name, draft.layer, draft.materialized, draft.origin, draft.tsql, draft.target,
        draft.unique_key, draft.depends_on, draft.description, resource=draft.resource,
        variables=draft.variables, check_cols=draft.check_cols, meta_columns=draft.meta_columns,
        incremental_strategy=draft.incremental_strategy, pre_hook=draft.pre_hook,
    )


def _settle_names(drafts: list[_Draft]) -> None:
    by_name: dict[str, list[_Draft]] = {}
    for draft in drafts:
        by_name.setdefault(draft.desired, []).append(draft)
    for desired, group in by_name.items():
        for draft in sorted(group, key=lambda d: d.source.lower()):
            draft.name = desired if len(group) == 1 else fit_identifier(f"{fold_identifier(draft.schema)}__{desired}")
            if len(group) > 1:
                others = ", ".join(d.source for d in group if d is not draft)
                draft.description = f"named {draft.name}: {desired} is also the name of {others}"
    drafts.sort(key=lambda d: d.name)


def _claim_targets(analyses: dict[str, _ProcedureAnalysis]) -> set[str]:
    """Target tables of planned procedures; a second procedure producing a table needs review."""
    produced: dict[str, str] = {}
    for key, analysis in analyses.items():
        if analysis.reasons:
            continue
        taken = [d.target for d in analysis.drafts if d.target in produced]
        if taken:
            analysis.reasons.append(f"{taken[0]} is already produced by {produced[taken[0]]}")
            continue
        produced.update({d.target: key for d in analysis.drafts if d.target})
    return set(produced)


# ---------------------------------------------------------------- procedures


class _ProcedureReader:
    def __init__(self, procedure: SourceObject, catalog: Catalog) -> None:
        self.procedure = procedure
        self.catalog = catalog
        self.temps: dict[str, exp.Query] = {}  # temp name (lower, without #) -> its SELECT
        self.temp_columns: dict[str, list[str]] = {}
        self.truncated: set[str] = set()
        self.updates: dict[str, exp.Update] = {}  # target key -> UPDATE waiting for its INSERT
        self.results: list[exp.Query] = []  # SELECTs returned to the caller
        self.defaults = _parameter_defaults(procedure)
        self.analysis = _ProcedureAnalysis()
        self.variables: dict[str, Variable] = {}  # local variables (lower case, without @)
        self.orchestration: list[str] = []  # bookkeeping dropped from the models, for their docs
        self.lookups: list[str] = []
        self.deleted: dict[str, DeletedKeys] = {}  # target key -> keys deleted before its INSERT
        self.windows: dict[str, exp.Expression] = {}  # target key -> WHERE of a window deleted before it
        self.updated: dict[str, exp.Select] = {}  # table updated in place -> the table as left
        self.updated_read: set[str] = set()
        self.unread_updates: dict[str, str] = {}  # table updated in place -> why, if nothing reads it
        self.inserted: set[str] = set()  # keys the procedure INSERTs into or MERGEs

    def read(self, statements: list[exp.Expression]) -> _ProcedureAnalysis:
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
        if not self.analysis.reasons and not self.analysis.drafts:
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
        for draft in self.analysis.drafts:
            draft.description = " ".join([draft.description or f"Loaded by {self.procedure.source}."] + notes)

    def _read_only(self) -> None:
        if not self.results and self.orchestration:
            self._review("orchestration only (" + ", ".join(dict.fromkeys(self.orchestration)) + "): nothing "
                         "for a model to build; the scheduler runs the loads and keeps the bookkeeping")
        elif not self.results or not self.procedure.parameters:
            self._review("no recognisable data-loading statement")
        elif len(self.results) > 1:
            self._review(f"read-only procedure returning {len(self.results)} result sets")
        else:
            query, variables, _ = _bind_parameters(self._inline_temps(self.results[0]), self.procedure, self.defaults)
            reads, _, _ = statement_dependencies([query])
            procedure = self.procedure
            self.analysis.drafts.append(_Draft(
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
            query = _output_columns(query, columns) if columns else query
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
            query = _output_columns(query, self._column_names(key, columns))
        query, variables, missing = _bind_parameters(query, self.procedure, self.defaults)
        if missing:
            self._review(f"parameter {missing[0]} has no default: a model cannot take arguments")
            return
        query, lookups = substitute_variables(query, self.variables)
        self.lookups += lookups
        reads, _, _ = statement_dependencies([query])
        if key in reads and resource == "model":
            query = self._reading_itself(query, key, columns)
            variables[THIS_PLACEHOLDER] = self._this_relation(key, columns)
        draft = _Draft(
            fold_identifier(name), schema, f"{schema}.{name}", materialized, self.procedure.key,
            query.sql("tsql", pretty=True), key, unique_key or [], [k for k in reads if k != key],
            description=description, resource=resource, variables=variables, check_cols=check_cols or [],
            meta_columns=meta_columns or {}, columns=columns, incremental_strategy=strategy,
        )
        if window is not None:
            hook = self._window_hook(window)
            if hook is None:
                return
            draft.pre_hook = hook
            draft.description = (f"Each incremental run first deletes the rows of {key} where "
                                 f"{window.sql('tsql')}, as {self.procedure.source} does, then appends.")
        self.analysis.drafts = [d for d in self.analysis.drafts if d.target != key] + [draft]


    def _window_hook(self, window: exp.Expression) -> str | None:
        """`delete from {{ this }} where <window>` in incremental runs, the window in PostgreSQL
        (parameters as dbt vars, local variables as their values)."""
        condition = window.copy()
        for column in condition.find_all(exp.Column):
            column.set("table", None)
        holder = exp.select(condition)
        holder, variables, missing = _bind_parameters(holder, self.procedure, self.defaults)
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


def _output_columns(query: exp.Query, columns: list[str] | None) -> exp.Query:
    """Alias the SELECT's outputs (the first branch of a UNION) to the target's column names."""
    if not columns:
        return query
    select = query
    while isinstance(select, exp.SetOperation):
        select = select.this
    if not isinstance(select, exp.Select) or any(isinstance(e, exp.Star) for e in select.expressions):
        return query
    outputs = []
    for projection, column in zip(select.expressions, columns):
        # only an alias or a bare column names an output: sqlglot's alias_or_name also answers
        # for CAST(x AS date), whose output name is then up to the database
        if isinstance(projection, exp.Alias):
            named = projection.alias
        else:
            named = projection.name if isinstance(projection, exp.Column) else ""
        if named.lower() == column.lower():
            outputs.append(projection)
        else:
            inner = projection.this if isinstance(projection, exp.Alias) else projection
            outputs.append(exp.alias_(inner, column))
    select.set("expressions", outputs + select.expressions[len(columns) :])
    return query


def _analyse_procedure(procedure: SourceObject, catalog: Catalog) -> _ProcedureAnalysis:
    statements = procedure_statements(procedure.body)
    if not procedure.parameters:  # only returns rows: a model of them (`planning.result_sets`)
        try:
            result_set = read_result_set(statements)
        except ResultSetError as error:
            return _ProcedureAnalysis(reasons=[str(error)])
        if result_set is not None:
            return _ProcedureAnalysis(drafts=[_result_set_draft(procedure, result_set)])
    return _ProcedureReader(procedure, catalog).read(statements)


def _result_set_draft(procedure: SourceObject, result_set: ResultSet) -> _Draft:
    reads, _, _ = statement_dependencies([result_set.query])
    tsql, outputs = _distinct_outputs(result_set.query.sql("tsql", pretty=True))
    limit = f" (SET ROWCOUNT {result_set.row_limit} as TOP)" if result_set.row_limit else ""
    return _Draft(fold_identifier(procedure.name), procedure.schema, procedure.source, "view", procedure.key, tsql,
                  depends_on=[k for k in reads if k != procedure.key], outputs=outputs,
                  description=f"The result set of the procedure {procedure.source}{limit}.")


# ---------------------------------------------------------------- parameters as dbt vars


def _parameter_defaults(module: SourceObject) -> dict[str, str | None]:
    """Parameter name (lower case, without @) -> the T-SQL text of its default, or None."""
    tokens = tokenize(module.body)
    header = parse_module_header(tokens)
    if header is None or header.body_start is None:
        return {}
    listed = [t for t in tokens[header.name_end :] if t.end <= header.body_start]
    if listed and listed[-1].upper == "AS":
        listed = listed[:-1]
    depth, end = 0, len(listed)
    for index, token in enumerate(listed):
        depth += (token.text == "(") - (token.text == ")")
        if depth == 0 and token.upper in ("WITH", "FOR", "RETURNS"):
            end = index
            break
    listed = listed[:end]
    if listed and listed[0].text == "(" and matching_paren(listed, 0) == len(listed) - 1:
        listed = listed[1:-1]
    defaults: dict[str, str | None] = {}
    for piece in split_commas(listed):
        if not piece[0].text.startswith("@"):
            continue
        while len(piece) > 1 and piece[-1].upper in _PARAMETER_SUFFIXES:
            piece = piece[:-1]
        equals = next((i for i, t in enumerate(piece) if t.text == "="), None)
        value = module.body[piece[equals + 1].start : piece[-1].end] if equals is not None and equals + 1 < len(piece) else None
        defaults[piece[0].text.lstrip("@").lower()] = value
    return defaults


def _bind_parameters(query: exp.Query, module: SourceObject, defaults: dict[str, str | None]
                     ) -> tuple[exp.Query, dict[str, str], list[str]]:
    """`@p` -> `CAST(migrator_var__p AS <type>)`, the placeholder standing for
    `{{ var('p', <default>) }}`; also the parameters used that have no default."""
    declared = {name.lstrip("@").lower(): (name, data_type) for name, data_type in module.parameters}
    query = query.copy()
    variables: dict[str, str] = {}
    missing: list[str] = []
    for node in list(query.find_all(exp.Parameter)):
        name = node.name.lower()
        if name not in declared:
            continue  # a local variable: the translator names it
        default = defaults.get(name)
        if default is None and declared[name][0] not in missing:
            missing.append(declared[name][0])
        folded = fold_identifier(name)
        placeholder = f"{VARIABLE_PREFIX}{folded}"
        variables[placeholder] = "{{ var('%s', %s) }}" % (folded, _jinja_string(default or "null"))
        node.replace(_typed(exp.column(placeholder), declared[name][1]))
    return query, variables, missing


def _typed(column: exp.Column, data_type: str) -> exp.Expression:
    try:
        return exp.Cast(this=column, to=exp.DataType.build(data_type, dialect="tsql"))
    except (SqlglotError, ValueError):
        return column


def _jinja_string(text: str) -> str:
    """A Jinja string literal holding SQL text, quoted so that it reads plainly."""
    if "'" not in text:
        return f"'{text}'"
    if '"' not in text:
        return f'"{text}"'
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


# ---------------------------------------------------------------- functions, order, entries


def _isolated(obj: SourceObject, reasons: dict[str, str], plan_one, *args):
    """`plan_one(*args)` for one object; an exception there (a RecursionError on deeply nested
    SQL, or a bug of ours) costs that object only: it needs review, with the error as reason."""
    try:
        return plan_one(*args)
    except Exception as error:
        reasons[obj.key] = f"could not be planned: {type(error).__name__}: {str(error)[:200]}"
        return None


def _plan_functions(plan: MigrationPlan, catalog: Catalog, reasons: dict[str, str]) -> list[_Draft]:
    """Macros into the plan, reasons for what needs review; drafts of table-valued functions."""
    drafts = []
    for function in catalog.of_kind("function"):
        drafts += _isolated(function, reasons, _plan_function, plan, function, reasons) or []
    for trigger in catalog.of_kind("trigger"):
        reasons[trigger.key] = _trigger_reason(trigger)
    return drafts


def _plan_function(plan: MigrationPlan, function: SourceObject, reasons: dict[str, str]) -> list[_Draft]:
    """A scalar function's macro into the plan, or a table-valued function's draft."""
    header = parse_module_header(tokenize(function.body))
    if header is None or header.body_start is None:
        reasons[function.key] = "function without a readable header"
        return []
    body = block_statements(function.body[header.body_start :])
    statements = [s for s in body if not isinstance(s, exp.Declare)]
    if function.function_kind == "table":
        draft = _table_function_draft(function, statements, reasons)
        return [draft] if draft else []
    if function.function_kind != "scalar":
        reasons[function.key] = f"{function.function_kind or 'unknown'}-valued function: no dbt equivalent"
        return []
    if len(statements) == 1 and isinstance(statements[0], exp.Return) and statements[0].this is not None:
        expression = statements[0].this
    else:
        nested = sum(t.upper == "BEGIN" for t in tokenize(function.body[header.body_start :])) > 1
        try:
            expression = fold_scalar_function(body, nested)
        except FoldError as error:
            reasons[function.key] = str(error)
            return []
    parameters = [fold_identifier(name.lstrip("@")) for name, _ in function.parameters]
    plan.macros.append(PlannedMacro(fold_identifier(function.name), function.key, parameters, expression.sql("tsql")))
    return []


def _table_function_draft(function: SourceObject, statements: list[exp.Expression],
                          reasons: dict[str, str]) -> _Draft | None:
    query = statements[0].this if len(statements) == 1 and isinstance(statements[0], exp.Return) else None
    if len(statements) == 2 and isinstance(statements[0], exp.Return) and statements[0].this is None:
        query = statements[1]  # `RETURN SELECT ...`: the statement splitter reads two statements
    while isinstance(query, exp.Subquery):
        query = query.this
    if not isinstance(query, exp.Query):
        reasons[function.key] = ("multi-statement table-valued function: its result table is filled "
                                 "statement by statement; rewrite it as one SELECT")
        return None
    query, variables, _ = _bind_parameters(query, function, _parameter_defaults(function))
    reads, _, _ = statement_dependencies([query])
    tsql, outputs = _distinct_outputs(query.sql("tsql", pretty=True))
    draft = _Draft(fold_identifier(function.name), function.schema, function.source, "view", function.key,
                   tsql, depends_on=[k for k in reads if k != function.key], variables=variables, outputs=outputs)
    if function.parameters:
        draft.resource, draft.review = "analysis", TABLE_FUNCTION_REASON
        draft.description = (f"Analysis from the table-valued function {function.source}: pass its "
                             "parameters as dbt vars, written as SQL literals.")
    return draft


def _trigger_reason(trigger: SourceObject) -> str:
    tokens = tokenize(trigger.body)
    header = parse_module_header(tokens)
    on = next((i for i in range(header.name_end, len(tokens)) if tokens[i].upper == "ON"), None) if header else None
    parts, _ = multipart_name(tokens, on + 1) if on is not None else ([], 0)
    table = ".".join(schema_and_name(parts)) if parts else "its table"
    return (f"trigger on {table}: no dbt equivalent (it runs inside every write); "
            "fold its logic into the models that load the table")


def _in_dependency_order(models: list[PlannedModel], plan: MigrationPlan) -> tuple[list[PlannedModel], dict[str, str]]:
    """Kahn's algorithm, ties broken by name; models left over are on or behind a cycle."""
    producer = {m.target or m.origin: m.name for m in models if m.resource != "analysis"}
    by_name = {m.name: m for m in models}
    needs = {m.name: {producer[k] for k in m.depends_on if k in producer and producer[k] != m.name} for m in models}
    ordered: list[PlannedModel] = []
    ready = sorted(name for name, deps in needs.items() if not deps)
    done: set[str] = set()
    while ready:
        name = ready.pop(0)
        done.add(name)
        ordered.append(by_name[name])
        for other, deps in needs.items():
            if other not in done and other not in ready and deps <= done:
                ready.append(other)
        ready.sort()
    left = [name for name in needs if name not in done]
    reasons = {}
    names = sorted(left)
    cycle = " -> ".join(names[:6]) + (f" (and {len(names) - 6} more)" if len(names) > 6 else "")
    for name in left:
        model = by_name[name]
        reasons[model.origin] = f"dependency cycle between models: {cycle}"
        plan.relations.pop(model.target or model.origin, None)
    return ordered, reasons


def _entry(obj: SourceObject, plan: MigrationPlan, reasons: dict[str, str], reviews: dict[str, str]) -> PlanEntry:
    entry = PlanEntry(obj.key, obj.source, obj.kind, "needs_review")
    if obj.kind in RECORDED_KINDS:
        entry.artifact, entry.reason = "skipped", f"{_PLURAL.get(obj.kind, obj.kind + 's')} are recorded, not migrated"
        return entry
    if obj.key in reasons:
        entry.reason = reasons[obj.key]
        return entry
    if obj.key in reviews:  # written (an analysis), but a person must review it; nothing is built
        entry.reason = reviews[obj.key]
        return entry
    produced = [m for m in plan.models if obj.key in (m.origin, m.target)]
    entry.models = [m.name for m in produced]
    if obj.kind == "function" and not produced:
        entry.artifact = "macro"
        entry.models = [m.name for m in plan.macros if m.origin == obj.key]
        return entry
    if any(s.object == obj.key for s in plan.sources):
        entry.artifact = "source"
    elif produced and all(m.resource == "snapshot" for m in produced):
        entry.artifact = "snapshot"
    elif produced:
        entry.artifact = "model"
    else:
        entry.reason = "no model planned"
    return entry


# ---------------------------------------------------------------- names


def _name_map(catalog: Catalog, plan: MigrationPlan, drafts: list[_Draft],
              dropped_columns: dict[str, list[str]]) -> dict[str, dict]:
    planned = {m.name for m in plan.models}
    by_target = {d.target: d for d in drafts if d.target and d.name in planned}
    by_origin = {d.origin: d for d in drafts if not d.target and d.name in planned}
    entries = {e.object: e for e in plan.entries}
    names: dict[str, dict] = {}
    for obj in catalog.objects:
        entry = entries[obj.key]
        analyses = [m.name for m in plan.models if m.origin == obj.key and m.resource == "analysis"]
        model = next(iter(analyses), entry.models[0] if len(entry.models) == 1 else None)
        columns: dict[str, str | None] = {}
        if obj.kind == "table" and model is not None:
            columns = _table_names(obj, by_target.get(obj.key), dropped_columns.get(obj.key, []))
        elif obj.kind in ("view", "function", "procedure") and obj.key in by_origin:
            columns = by_origin[obj.key].outputs
        elif entry.artifact == "macro":
            columns = {name: fold_identifier(name.lstrip("@")) for name, _ in obj.parameters}
        names[obj.source] = {"model": model, "columns": columns}
    return names


def _table_names(table: SourceObject, draft: _Draft | None, dropped: list[str]) -> dict[str, str | None]:
    settled = fold_columns([c.name for c in table.columns])
    kept = None
    if draft is not None and draft.columns is not None:
        kept = {c.lower() for c in draft.columns} | {v.lower() for v in draft.meta_columns.values()}
    return {name: None if (kept is not None and name.lower() not in kept) or name in dropped else folded
            for name, folded in settled.items()}

