"""The planner: what each catalog object becomes in the dbt project.

This module orchestrates (`plan_migration`) and plans sources, views, layers, order and
entries; each other rule lives in the module named after it: procedures in
`planning.procedures`, parameters as dbt vars in `planning.parameters`, functions and
triggers in `planning.functions`, names in `planning.naming`. Until its name and layer are
settled, a model is a `planning.sketches.ModelSketch`. Modules' headers and parameter
defaults are read once, by the catalog (`SourceObject.header`).

Rules, in the order they apply:
- Procedures are analysed first (`planning.procedures`), statement by statement:
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
  - procedure parameters in a model's SELECT become dbt vars (`planning.parameters`): `@p` -> `CAST({{ var('p',
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
  staging view `stg_<schema>__<table>` selecting all its columns. Sources keep the raw copy's
  `lower` names; the staging view renames them under the `snake_case` policy.
- Views -> `view` models.
- Functions (`planning.functions`): scalar functions whose body is a single `RETURN <expr>`, or folds into one
  (`planning.scalar_functions`) -> macros; other scalar functions need review. Inline table-valued functions (`RETURNS TABLE AS RETURN (SELECT ...)`)
  without parameters -> `view` models; with parameters -> analyses ("analysis: review
  parameters (...)": a model cannot take arguments); multi-statement table-valued functions
  need review. Triggers need review, naming their table.
- Layers: staging models sit over sources; a view, function or procedure model is
  `intermediate` when another view, procedure or function of the estate (other than the one
  producing it) reads it, `marts` otherwise. Materializations: staging, views and functions
  `view`; procedure targets as above.
- Names (`planning.naming`): every identifier goes through `fold_identifier` (lower case, non-word runs -> `_`;
  under the `snake_case` policy, also `_` where a word starts: `OrderLineID` -> `order_line_id`, settled once
  for the catalog by `snake_case_spellings`, recorded in `plan.spellings`).
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

from migrator_pipeline.catalog.dependencies import dependency_sequence
from migrator_pipeline.catalog.model import RECORDED_KINDS, Catalog, SourceObject
from migrator_pipeline.planning.check_tests import plan_checks
from migrator_pipeline.planning.functions import plan_function, trigger_reason
from migrator_pipeline.planning.model import MigrationPlan, PlanEntry, PlannedModel, PlannedSource
from migrator_pipeline.planning.naming import (
    distinct_outputs, identifier_spellings, name_map, settle_names)
from migrator_pipeline.planning.parameters import THIS_PLACEHOLDER
from migrator_pipeline.planning.procedures import analyse_procedure, claim_targets
from migrator_pipeline.planning.sketches import ModelSketch, planned_model
from migrator_pipeline.tsql.identifiers import (
    DEFAULT_POLICY, fit_identifier, fold_columns, fold_identifier, lower_identifier, raw_columns, raw_identifier, spelling_names,
    sql_name)
from migrator_pipeline.tsql.collation_rewrites import is_case_sensitive
from migrator_pipeline.tsql.translate import TranslationError, translate_expression

_PLURAL = {"index": "indexes", "schema": "schemas"}


def plan_migration(catalog: Catalog, project: str, identifier_policy: str = DEFAULT_POLICY) -> MigrationPlan:
    """The migration plan of a catalog (rules in the module docstring), its names under
    `identifier_policy` (`tsql.identifiers`)."""
    spellings, notes = identifier_spellings(catalog, identifier_policy)
    with spelling_names(spellings):
        plan = _plan(catalog, project)
    plan.identifier_policy, plan.spellings = identifier_policy, spellings
    plan.notes = notes + _check_tests(plan, catalog)
    return plan


def _plan(catalog: Catalog, project: str) -> MigrationPlan:
    plan = MigrationPlan(project=project, raw_schema=f"{project}_raw")
    failures: dict[str, str] = {}
    analyses = {p.key: analysis for p in sorted(catalog.of_kind("procedure"), key=lambda o: o.source)
                if (analysis := _isolated(p, failures, analyse_procedure, p, catalog))}
    produced = claim_targets(analyses)
    reasons: dict[str, str] = {key: "; ".join(a.reasons) for key, a in analyses.items() if a.reasons}
    reasons.update(failures)
    sketches = [d for a in analyses.values() if not a.reasons for d in a.sketches]
    sketches += [d for v in catalog.of_kind("view") if (d := _isolated(v, reasons, _view_sketch, v))]
    sketches += _plan_functions(plan, catalog, reasons)
    _settle_layers(sketches, catalog)
    settle_names(sketches)
    staging, dropped_columns = _plan_sources(plan, catalog, produced)
    for sketch in sketches:
        if sketch.resource != "analysis":
            plan.relations[sketch.target or sketch.origin] = "{{ ref('%s') }}" % sketch.name
        if THIS_PLACEHOLDER in sketch.variables:  # the writer puts the relation in its place
            plan.relations[f"dbo.{THIS_PLACEHOLDER}"] = THIS_PLACEHOLDER
    models = staging + [planned_model(d) for d in sketches]
    plan.models, cycle_reasons = _in_dependency_order(models, plan)
    reasons.update(cycle_reasons)
    reviews = {d.origin: d.review for d in sketches if d.review and d.origin not in reasons}
    models_of, sourced = _models_by_object(plan.models), {s.object for s in plan.sources}
    plan.entries = [_entry(obj, plan, reasons, reviews, models_of.get(obj.key, []), obj.key in sourced)
                    for obj in catalog.objects]
    plan.names = name_map(catalog, plan, sketches, dropped_columns)
    return plan


# ---------------------------------------------------------------- sources and views


def _plan_sources(plan: MigrationPlan, catalog: Catalog, produced: set[str]
                  ) -> tuple[list[PlannedModel], dict[str, list[str]]]:
    staging, dropped_columns = [], {}
    for table in catalog.of_kind("table"):
        if table.key in produced:
            continue
        # the source names the raw copy as loaded (`lower`); its staging model takes the policy's names
        schema, name = lower_identifier(table.schema), lower_identifier(table.name)
        plan.sources.append(PlannedSource(table.key, schema, name, raw_identifier(table.schema, table.name)))
        model_name = fit_identifier(f"stg_{fold_identifier(table.schema)}__{fold_identifier(table.name)}")
        columns, dropped = _staging_columns(table)
        sql = "select\n" + ",\n".join(f"    {c}" for c in columns) + f"\nfrom {{{{ source('{schema}', '{name}') }}}}"
        description = None
        if dropped:
            description = (f"Staging model over {table.source}. Computed columns not migrated: "
                           + "; ".join(f"{column} ({why})" for column, why in dropped) + ".")
        dropped_columns[table.key] = [column for column, _ in dropped]
        staging.append(PlannedModel(model_name, "staging", "view", table.key, "", sql=sql,
                                    description=description, folder=schema))
        plan.relations[table.key] = "{{ ref('%s') }}" % model_name
    return staging, dropped_columns


def _check_tests(plan: MigrationPlan, catalog: Catalog) -> list[str]:
    """Each source's CHECK constraints as tests (`planning.check_tests`); notes on those left out."""
    notes: list[str] = []
    case_sensitive = is_case_sensitive(catalog.collation)
    for source in plan.sources:
        source.checks, skipped = plan_checks(catalog.get(source.object), case_sensitive)
        notes += skipped
    return notes


def _staging_columns(table: SourceObject) -> tuple[list[str], list[tuple[str, str]]]:
    """The staging model's select list: the raw copy's columns (`lower` names), renamed to the
    policy's where they differ. The raw copy holds no computed columns (SQL Server
    derives them on read), so staging derives them the same way, from the translated expression;
    one that cannot be translated is left out and named, never silently dropped."""
    columns, dropped = [], []
    names = fold_columns([c.name for c in table.columns])
    raw_names = raw_columns([c.name for c in table.columns])
    for column in table.columns:
        name = names[column.name]
        if column.computed is None:
            raw = raw_names[column.name]
            columns.append(sql_name(name) if raw == name else f"{sql_name(raw)} as {sql_name(name)}")
            continue
        try:
            with spelling_names(None):  # the expression reads the raw copy's columns
                expression = translate_expression(column.computed, [])
            columns.append(f"{expression} as {sql_name(name)}")
        except TranslationError as error:
            dropped.append((column.name, str(error)))
    return columns, dropped


def _view_sketch(view: SourceObject) -> ModelSketch:
    header = view.header
    select = view.body[header.body_start :].strip() if header and header.body_start else ""
    tsql, outputs = distinct_outputs(select.rstrip(";").strip())
    sketch = ModelSketch(fold_identifier(view.name), view.schema, view.source, "view", view.key, tsql, outputs=outputs)
    sketch.depends_on = [key for key in view.reads if key != view.key]
    return sketch


def _settle_layers(sketches: list[ModelSketch], catalog: Catalog) -> None:
    """A model that another view, procedure or function reads is intermediate, else a mart.
    The readers are indexed once: a scan of the catalog per model is quadratic in the estate."""
    readers: dict[str, set[str]] = {}
    for obj in catalog.objects:
        if obj.kind in ("view", "procedure", "function"):
            for key in (*obj.reads, *obj.calls):
                readers.setdefault(key, set()).add(obj.key)
    for sketch in sketches:
        others = readers.get(sketch.target or sketch.origin, set()) - {sketch.origin}
        sketch.layer = "intermediate" if others else "marts"


def _isolated(obj: SourceObject, reasons: dict[str, str], plan_one, *args):
    """`plan_one(*args)` for one object; an exception there (a RecursionError on deeply nested
    SQL, or a bug of ours) costs that object only: it needs review, with the error as reason."""
    try:
        return plan_one(*args)
    except Exception as error:
        reasons[obj.key] = f"could not be planned: {type(error).__name__}: {str(error)[:200]}"
        return None


def _plan_functions(plan: MigrationPlan, catalog: Catalog, reasons: dict[str, str]) -> list[ModelSketch]:
    """Macros into the plan, reasons for what needs review; sketches of table-valued functions."""
    sketches = []
    for function in catalog.of_kind("function"):
        sketches += _isolated(function, reasons, plan_function, plan, function, reasons) or []
    for trigger in catalog.of_kind("trigger"):
        reasons[trigger.key] = trigger_reason(trigger)
    return sketches


def _in_dependency_order(models: list[PlannedModel], plan: MigrationPlan) -> tuple[list[PlannedModel], dict[str, str]]:
    """Models each after what it reads, ties broken by name; models left over are on or behind a cycle."""
    producer = {m.target or m.origin: m.name for m in models if m.resource != "analysis"}
    by_name = {m.name: m for m in models}
    needs = {m.name: {producer[k] for k in m.depends_on if k in producer and producer[k] != m.name} for m in models}
    sequence, left = dependency_sequence(needs)
    ordered = [by_name[name] for name in sequence]
    reasons = {}
    names = sorted(left)
    cycle = " -> ".join(names[:6]) + (f" (and {len(names) - 6} more)" if len(names) > 6 else "")
    for name in left:
        model = by_name[name]
        reasons[model.origin] = f"dependency cycle between models: {cycle}"
        plan.relations.pop(model.target or model.origin, None)
    return ordered, reasons


def _models_by_object(models: list[PlannedModel]) -> dict[str, list[PlannedModel]]:
    """Object key -> the models that come from it or produce it, in the plan's order."""
    by_object: dict[str, list[PlannedModel]] = {}
    for model in models:
        for key in dict.fromkeys((model.origin, model.target)):
            if key:
                by_object.setdefault(key, []).append(model)
    return by_object


def _entry(obj: SourceObject, plan: MigrationPlan, reasons: dict[str, str], reviews: dict[str, str],
           produced: list[PlannedModel], sourced: bool) -> PlanEntry:
    """`produced`: the models that come from the object or produce it; `sourced`: the object is a
    dbt source."""
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
    entry.models = [m.name for m in produced]
    if obj.kind == "function" and not produced:
        entry.artifact = "macro"
        entry.models = [m.name for m in plan.macros if m.origin == obj.key]
        return entry
    if sourced:
        entry.artifact = "source"
    elif produced and all(m.resource == "snapshot" for m in produced):
        entry.artifact = "snapshot"
    elif produced:
        entry.artifact = "model"
    else:
        entry.reason = "no model planned"
    return entry
