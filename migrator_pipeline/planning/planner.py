"""The planner: what each catalog object becomes in the dbt project.

Rules, in the order they apply (every identifier goes through `fold_identifier`):
- Procedures are analysed first (`procedure_statements`), statement by statement:
  - `TRUNCATE TABLE t` (or `DELETE FROM t` without WHERE) then `INSERT INTO t ... SELECT`
    -> a `table` model for t; `SELECT ... INTO t` -> a `table` model for t;
  - `INSERT INTO t ... SELECT` alone -> an `incremental` model (appends, no unique key);
  - `MERGE INTO t USING src AS s ON t.k = s.k ... WHEN NOT MATCHED THEN INSERT (cols)
    VALUES (...)` -> an `incremental` model, `unique_key` = the target's ON columns, whose
    SELECT is the INSERT values over the source;
  - `SELECT ... INTO #tmp` and `CREATE TABLE #tmp` + `INSERT INTO #tmp SELECT` are inlined
    as CTEs (named after the temp table, without `#`) into the statements that read them;
  - each model's SELECT outputs the target table's column names: the INSERT column list,
    or else the catalog's column order (identity columns skipped when the SELECT is shorter);
  - cursors, WHILE loops, dynamic SQL, IF/ELSE around anything but DROP, UPDATE, DELETE
    with WHERE, INSERT ... VALUES/EXEC, or nothing recognisable -> `needs_review` naming the
    construct; a procedure with parameters that only SELECTs -> `needs_review`, "read-only
    procedure with parameters: candidate dbt analysis". `EXEC` of other procedures is
    left to those procedures' own plans.
  - two procedures producing the same table: the later (by source name) needs review.
- A table produced by a planned model is not a source. Every other table (including tables
  written only by procedures that need review) is a dbt source in `<project>_raw`, with a
  staging view `stg_<schema>__<table>` selecting all its columns.
- Views -> `view` models, layer `intermediate` when another view or a procedure reads
  them, `marts` otherwise.
- Model names are the folded object (or target table) names; names that collide are all
  prefixed with `<schema>__`, and the model's description says so.
- Scalar functions whose body is a single `RETURN <expr>` -> macros. Other functions
  and all triggers -> `needs_review`.
- Schemas, types, sequences, synonyms and indexes (`RECORDED_KINDS`) are `skipped`:
  recorded so that nothing goes unreported, not migrated. Any other kind without a model
  needs review ("no model planned").
- Models are ordered topologically over `depends_on`; models on a dependency cycle are
  dropped and their objects need review, with the cycle named.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlglot import exp

from migrator_pipeline.catalog.model import RECORDED_KINDS, Catalog, SourceObject
from migrator_pipeline.catalog.scripts import statement_dependencies, write_targets
from migrator_pipeline.catalog.batches import tokenize
from migrator_pipeline.planning.model import MigrationPlan, PlanEntry, PlannedMacro, PlannedModel, PlannedSource
from migrator_pipeline.tsql.identifiers import fold_identifier
from migrator_pipeline.tsql.translate import TranslationError, translate_expression
from migrator_pipeline.tsql.procedures import block_statements, parse_module_header, procedure_statements, table_key

READ_ONLY_REASON = "read-only procedure with parameters: candidate dbt analysis"
# statements that carry no data flow for a model
_INERT = (exp.Transaction, exp.Commit, exp.Rollback, exp.Set, exp.Declare, exp.Drop, exp.Return)
_PLURAL = {"index": "indexes", "schema": "schemas"}
_INERT_COMMANDS = frozenset({"PRINT", "RAISERROR", "THROW", "ELSE", "BREAK", "CONTINUE"})


@dataclass
class _Draft:
    """A model before its name is settled."""

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


@dataclass
class _ProcedureAnalysis:
    drafts: list[_Draft] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)


def plan_migration(catalog: Catalog, project: str) -> MigrationPlan:
    """The migration plan of a catalog (rules in the module docstring)."""
    plan = MigrationPlan(project=project, raw_schema=f"{project}_raw")
    analyses = {p.key: _analyse_procedure(p, catalog) for p in sorted(catalog.of_kind("procedure"), key=lambda o: o.source)}
    produced = _claim_targets(analyses)
    drafts = [d for a in analyses.values() if not a.reasons for d in a.drafts]
    drafts += [_view_draft(v, catalog) for v in catalog.of_kind("view")]
    _settle_names(drafts)
    reasons: dict[str, str] = {key: "; ".join(a.reasons) for key, a in analyses.items() if a.reasons}
    staging = _plan_sources(plan, catalog, produced)
    for draft in drafts:
        plan.relations[draft.target or draft.origin] = "{{ ref('%s') }}" % draft.name
    models = staging + [_model(d) for d in drafts]
    plan.models, cycle_reasons = _in_dependency_order(models, plan)
    reasons.update(cycle_reasons)
    _plan_functions(plan, catalog, reasons)
    plan.entries = [_entry(obj, plan, reasons) for obj in catalog.objects]
    return plan


# ---------------------------------------------------------------- sources and views


def _plan_sources(plan: MigrationPlan, catalog: Catalog, produced: set[str]) -> list[PlannedModel]:
    staging = []
    for table in catalog.of_kind("table"):
        if table.key in produced:
            continue
        schema, name = fold_identifier(table.schema), fold_identifier(table.name)
        plan.sources.append(PlannedSource(table.key, schema, name, f"{schema}__{name}"))
        model_name = f"stg_{schema}__{name}"
        columns, dropped = _staging_columns(table)
        sql = "select\n" + ",\n".join(f"    {c}" for c in columns) + f"\nfrom {{{{ source('{schema}', '{name}') }}}}"
        description = None
        if dropped:
            description = (f"Staging model over {table.source}. Computed columns not migrated: "
                           + "; ".join(dropped) + ".")
        staging.append(PlannedModel(model_name, "staging", "view", table.key, "", sql=sql,
                                    description=description))
        plan.relations[table.key] = "{{ ref('%s') }}" % model_name
    return staging


def _staging_columns(table: SourceObject) -> tuple[list[str], list[str]]:
    """The staging model's select list. The raw copy holds no computed columns (SQL Server
    derives them on read), so staging derives them the same way, from the translated expression;
    one that cannot be translated is left out and named, never silently dropped."""
    columns, dropped = [], []
    for column in table.columns:
        name = fold_identifier(column.name)
        if column.computed is None:
            columns.append(name)
            continue
        try:
            columns.append(f"{translate_expression(column.computed, [])} as {name}")
        except TranslationError as error:
            dropped.append(f"{column.name} ({error})")
    return columns, dropped


def _view_draft(view: SourceObject, catalog: Catalog) -> _Draft:
    header = parse_module_header(tokenize(view.body))
    select = view.body[header.body_start :].strip() if header and header.body_start else ""
    readers = [o for o in catalog.objects if o.kind in ("view", "procedure") and view.key in o.reads]
    draft = _Draft(fold_identifier(view.name), view.schema, view.source, "view", view.key, select.rstrip(";").strip())
    draft.depends_on = [key for key in view.reads if key != view.key]
    draft.layer = "intermediate" if readers else "marts"
    return draft


def _model(draft: _Draft) -> PlannedModel:
    return PlannedModel(
        draft.name, draft.layer, draft.materialized, draft.origin, draft.tsql, draft.target,
        draft.unique_key, draft.depends_on, draft.description,
    )


def _settle_names(drafts: list[_Draft]) -> None:
    by_name: dict[str, list[_Draft]] = {}
    for draft in drafts:
        by_name.setdefault(draft.desired, []).append(draft)
    for desired, group in by_name.items():
        for draft in sorted(group, key=lambda d: d.source.lower()):
            draft.name = desired if len(group) == 1 else f"{fold_identifier(draft.schema)}__{desired}"
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
        produced.update({d.target: key for d in analysis.drafts})
    return set(produced)


# ---------------------------------------------------------------- procedures


class _ProcedureReader:
    def __init__(self, procedure: SourceObject, catalog: Catalog) -> None:
        self.procedure = procedure
        self.catalog = catalog
        self.temps: dict[str, exp.Query] = {}  # temp name (lower, without #) -> its SELECT
        self.temp_columns: dict[str, list[str]] = {}
        self.truncated: set[str] = set()
        self.analysis = _ProcedureAnalysis()
        self.selects = 0

    def read(self, statements: list[exp.Expression]) -> _ProcedureAnalysis:
        for index, statement in enumerate(statements):
            following = statements[index + 1] if index + 1 < len(statements) else None
            self._statement(statement, following)
        if not self.analysis.reasons and not self.analysis.drafts:
            if self.selects and self.procedure.parameters:
                self.analysis.reasons.append(READ_ONLY_REASON)
            else:
                self.analysis.reasons.append("no recognisable data-loading statement")
        return self.analysis

    def _review(self, reason: str) -> None:
        if reason not in self.analysis.reasons:
            self.analysis.reasons.append(reason)

    def _statement(self, statement: exp.Expression, following: exp.Expression | None) -> None:
        if isinstance(statement, exp.Command):
            self._command(statement, following)
        elif isinstance(statement, (exp.Execute, exp.ExecuteSql)):
            if isinstance(statement, exp.ExecuteSql) or not isinstance(statement.this, exp.Table):
                self._review("dynamic SQL (EXEC of a string / sp_executesql)")
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
            self._review("UPDATE statement")
        elif isinstance(statement, exp.Query):
            self._select(statement)
        elif not isinstance(statement, _INERT):
            self._review(f"unrecognised statement: {statement.sql('tsql')[:40]}")

    def _command(self, command: exp.Command, following: exp.Expression | None) -> None:
        verb = command.name.upper()
        text = str(command.args.get("expression") or "").upper()
        if verb in ("OPEN", "FETCH", "CLOSE", "DEALLOCATE") or (verb == "DECLARE" and " CURSOR" in f" {text}"):
            self._review("cursor")
        elif verb in ("EXEC", "EXECUTE"):
            if text.strip().startswith("(") or "SP_EXECUTESQL" in text:
                self._review("dynamic SQL (EXEC of a string / sp_executesql)")
        elif verb == "WHILE":
            self._review("WHILE loop")
        elif verb == "IF" and not isinstance(following, exp.Drop):
            self._review("IF/ELSE control flow")
        elif verb not in _INERT_COMMANDS and verb != "IF":
            self._review(f"unrecognised statement: {verb}")

    def _delete(self, delete: exp.Delete) -> None:
        targets = [k for t in write_targets(delete) if (k := table_key(t))]
        if delete.args.get("where") is not None:
            self._review("DELETE with WHERE")
        else:
            self.truncated.update(targets)

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
            self.selects += 1
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
            self._review("INSERT ... VALUES or INSERT ... EXEC")
            return
        columns = [c.name for c in insert.this.expressions] if isinstance(insert.this, exp.Schema) else None
        query = self._inline_temps(query.copy())
        with_clause = insert.args.get("with_")
        if with_clause is not None:
            query = _prepend_ctes(query, [(cte.alias, cte.this) for cte in with_clause.expressions])
        key = table_key(target)
        if key is None:
            name = target.name.lower()
            columns = columns or self.temp_columns.get(name)
            query = _output_columns(query, columns) if columns else query
            previous = self.temps.get(name)
            self.temps[name] = exp.union(previous, query, distinct=False) if previous is not None else query
            return
        materialized = "table" if key in self.truncated else "incremental"
        self._add_model(key, _output_columns(query, self._target_columns(key, columns, query)), materialized)

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
        columns = [c.name for c in insert.this.expressions] if isinstance(insert.this, exp.Tuple) else None
        query = _output_columns(query, self._target_columns(key, columns, query))
        target_alias = (merge.this.alias or merge.this.name).lower()
        unique_key = [
            fold_identifier(column.name)  # the model's columns are folded by the translator
            for column in merge.args["on"].find_all(exp.Column)
            if column.table.lower() == target_alias
        ]
        self._add_model(key, query, "incremental", unique_key)

    def _target_columns(self, key: str, columns: list[str] | None, query: exp.Query) -> list[str] | None:
        if columns:
            return columns
        table = self.catalog.get(key)
        if table is None:
            return None
        names = [c.name for c in table.columns if not c.computed]
        if len(query.selects) < len(names):
            names = [c.name for c in table.columns if not c.computed and not c.identity]
        return names

    def _inline_temps(self, query: exp.Query) -> exp.Query:
        """Replace `#tmp` references by CTEs over the temp tables' SELECTs."""
        used = [t.name.lower() for t in query.find_all(exp.Table) if table_key(t) is None and t.name.lower() in self.temps]
        if not used:
            return query
        ctes = [(name, self.temps[name]) for name in self.temps if name in used]
        for table in list(query.find_all(exp.Table)):
            if table_key(table) is None and table.name.lower() in self.temps:
                table.set("this", exp.to_identifier(fold_identifier(table.name)))
        return _prepend_ctes(query, [(fold_identifier(name), select) for name, select in ctes])

    def _add_model(self, key: str, query: exp.Query, materialized: str, unique_key: list[str] | None = None) -> None:
        table = self.catalog.get(key)
        name = table.name if table else key.split(".", 1)[1]
        schema = table.schema if table else key.split(".", 1)[0]
        reads, _, _ = statement_dependencies([query])
        draft = _Draft(
            fold_identifier(name), schema, f"{schema}.{name}", materialized, self.procedure.key,
            query.sql("tsql", pretty=True), key, unique_key or [], [k for k in reads if k != key],
        )
        self.analysis.drafts = [d for d in self.analysis.drafts if d.target != key] + [draft]


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
    return _ProcedureReader(procedure, catalog).read(procedure_statements(procedure.body))


# ---------------------------------------------------------------- functions, order, entries


def _plan_functions(plan: MigrationPlan, catalog: Catalog, reasons: dict[str, str]) -> None:
    for function in catalog.of_kind("function"):
        header = parse_module_header(tokenize(function.body))
        if function.function_kind != "scalar" or header is None or header.body_start is None:
            reasons[function.key] = f"{function.function_kind or 'unknown'}-valued function: no single-expression macro"
            continue
        statements = [s for s in block_statements(function.body[header.body_start :]) if not isinstance(s, exp.Declare)]
        if len(statements) != 1 or not isinstance(statements[0], exp.Return) or statements[0].this is None:
            reasons[function.key] = "scalar function with more than a single RETURN expression"
            continue
        parameters = [fold_identifier(name.lstrip("@")) for name, _ in function.parameters]
        plan.macros.append(PlannedMacro(fold_identifier(function.name), function.key, parameters, statements[0].this.sql("tsql")))
    for trigger in catalog.of_kind("trigger"):
        reasons[trigger.key] = "trigger: no dbt equivalent"


def _in_dependency_order(models: list[PlannedModel], plan: MigrationPlan) -> tuple[list[PlannedModel], dict[str, str]]:
    """Kahn's algorithm, ties broken by name; models left over are on or behind a cycle."""
    producer = {m.target or m.origin: m.name for m in models}
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


def _entry(obj: SourceObject, plan: MigrationPlan, reasons: dict[str, str]) -> PlanEntry:
    entry = PlanEntry(obj.key, obj.source, obj.kind, "needs_review")
    if obj.kind in RECORDED_KINDS:
        entry.artifact, entry.reason = "skipped", f"{_PLURAL.get(obj.kind, obj.kind + 's')} are recorded, not migrated"
        return entry
    if obj.key in reasons:
        entry.reason = reasons[obj.key]
        return entry
    if obj.kind == "function":
        entry.artifact = "macro"
        entry.models = [m.name for m in plan.macros if m.origin == obj.key]
        return entry
    produced = [m.name for m in plan.models if obj.key in (m.origin, m.target)]
    is_source = any(s.object == obj.key for s in plan.sources)
    entry.artifact = "source" if is_source else "model"
    entry.models = produced
    if not produced:
        entry.artifact, entry.reason = "needs_review", "no model planned"
    return entry
