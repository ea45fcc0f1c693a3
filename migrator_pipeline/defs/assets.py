"""The six agent steps and their inputs, as assets partitioned by migration project.

Each asset gathers its inputs from earlier steps' outputs, calls the domain core, writes its own
output and returns metadata. Nothing here decides anything about SQL.

What each asset reads is declared once, in `reads=` of `migration_asset`: the outputs named in
project_files.py. Its Dagster dependencies follow from that list, so the graph shows every input.
We keep files under the project's directory rather than an IO manager: the CLI, the capture kit
and a re-run of one step read the same files, and the dbt project is a directory dbt works in.
"""


import functools
import re
import time
from collections import Counter
from collections.abc import Callable, Sequence
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import dagster as dg

from migrator_pipeline.agents.checkpoints import postgres_checkpointer
from migrator_pipeline.agents.executor import draft_models as run_executor
from migrator_pipeline.agents.rebuilder import RepairContext, repair_models
from migrator_pipeline.agents.llm import LlmClient
from migrator_pipeline.assessment import Assessment, assess
from migrator_pipeline.assessment.report import render_markdown as render_assessment
from migrator_pipeline.catalog.live_source import PASSWORD_VARIABLE, is_live_source
from migrator_pipeline.catalog.model import Catalog, SourceError
from migrator_pipeline.catalog.sources import SourceSpec, check_source, live_rows, read_source
from migrator_pipeline.dbt_project.build_failures import compiled_sql, disable_unpassed_models, failed_drafts
from migrator_pipeline.dbt_project.isolation import (
    disable_dependents_of_undrafted, isolate_parse_failures, with_disabled)
from migrator_pipeline.dbt_project.jinja_sql import output_columns
from migrator_pipeline.dbt_project.results import BuildReport
from migrator_pipeline.dbt_project.writer import write_dbt_project, write_model
from migrator_pipeline.defs.checks import dbt_build_events, raw_table_events
from migrator_pipeline.defs.dbt_models import OWNERS, data_validation_events
from migrator_pipeline.defs.partitions import migration_projects
from migrator_pipeline.defs.pools import LLM_POOL  # the steps that call Claude share one rate limit
from migrator_pipeline.defs.resources import DbtResource, LlmResource, WarehouseResource
from migrator_pipeline.drafts import LlmUsage, RepairOutcome
from migrator_pipeline.evaluation.built_types import record_built_types
from migrator_pipeline.evaluation.data_match import DataValidation, data_validation, revalidate
from migrator_pipeline.evaluation.report import passed_summary, render_evaluation
from migrator_pipeline.evaluation.row_differences import differing_models, row_check
from migrator_pipeline.evaluation.scorecard import BUILT_AND_TESTED, NO_EVIDENCE, ROWS_MATCHED, evaluate
from migrator_pipeline.planning.planner import plan_migration
from migrator_pipeline.project_files import (
    BUILD_REPORT, CATALOG, DATA_VALIDATION, DRAFTS, FINAL_REPORT, PLAN, RAW_TABLES, REPAIRS, ProjectFiles,
    StepOutput)
from migrator_pipeline.tsql.identifiers import DEFAULT_POLICY, raw_schema_name, spelling_names
from migrator_pipeline.usage import usage_metadata
from migrator_pipeline.warehouse.loading import LoadReport, load_source_tables
from migrator_pipeline.warehouse.schemas import reset_schema


def migration_asset(*, reads: Sequence[StepOutput] = (), deps: Sequence[str] = (),
                    **asset_args) -> Callable:
    """One step of a migration project: partitioned by project, in the `migration` group, and
    depending on the steps whose outputs it `reads` (plus `deps` that only order the run)."""
    after = list(dict.fromkeys([*(output.step for output in reads), *deps]))
    asset = dg.asset(partitions_def=migration_projects, group_name="migration", owners=OWNERS,
                     deps=after or None, **asset_args)
    return (lambda step: asset(_named_as_planned(step))) if PLAN in reads else asset


def _named_as_planned(step: Callable) -> Callable:
    """A step after the plan names everything as the plan did: under its identifier policy's
    spellings (`tsql.identifiers.spelling_names`)."""
    @functools.wraps(step)
    def under_plan_spellings(context: dg.AssetExecutionContext, *args, **kwargs):
        with spelling_names(ProjectFiles(context.partition_key).plan().spellings):
            return step(context, *args, **kwargs)
    return under_plan_spellings


@dataclass(frozen=True)
class StepRun:
    """What every step starts with: its project's files, and the clock for its usage metadata."""

    files: ProjectFiles
    started: float

    def usage(self, **counts) -> dict:
        return usage_metadata(**counts, seconds=time.monotonic() - self.started)


def start_step(context: dg.AssetExecutionContext) -> StepRun:
    return StepRun(ProjectFiles(context.partition_key), time.monotonic())


def _log_events(context: dg.AssetExecutionContext, events) -> None:
    """Report what a step proved about other assets (raw tables, dbt models): defs/checks.py."""
    for event in events:
        context.log_event(event)


def _progress(context: dg.AssetExecutionContext, what: str):
    """Progress lines for long steps, about ten per step, in the run's log."""
    def report(done: int, total: int, name: str) -> None:
        if done == total or done % max(1, total // 10) == 0:
            context.log.info(f"{what}: {done}/{total} ({name})")
    return report


class SourceConfig(dg.Config):
    """What to migrate, given in the launchpad's run config (or GraphQL's): a script folder, a `.sql`
    file, a `.dacpac`, or a SQL Server URL whose password comes only from MIGRATOR_MSSQL_PASSWORD.
    Left empty, the run reads the source registered for the project (as `migrator migrate` does)."""

    source: str | None = None
    variables: dict[str, str] | None = None  # SQLCMD variables, as `--var NAME=VALUE`
    identifiers: str = DEFAULT_POLICY  # dbt names: "lower" or "snake_case", as `--identifiers`


@migration_asset(kinds={"python", "sqlserver"},
                 description="The SQL Server source read into one catalog: objects, columns, keys, "
                             "bodies, dependencies, data and findings. Its run config `source` names "
                             "what to migrate; without it, the project's registered source.")
def source_catalog(context: dg.AssetExecutionContext, config: SourceConfig) -> dg.MaterializeResult:
    step = start_step(context)
    files = step.files
    try:
        source = _given_or_registered_source(files, config)
        catalog = read_source(source)
    except SourceError as error:  # an unusable source is the user's to fix: say so, no traceback
        raise dg.Failure(description=str(error), allow_retries=False) from None
    if not catalog.objects:
        raise dg.Failure(description=f"no SQL Server objects found in {catalog.source}", allow_retries=False)
    files.save(CATALOG, catalog.save)
    kinds = {kind: len(catalog.of_kind(kind)) for kind in ("table", "view", "procedure", "function", "trigger")}
    return dg.MaterializeResult(metadata={
        "source": source.location,
        **{f"{kind}s": count for kind, count in kinds.items()},
        "rows_of_data": sum(len(d.rows) for d in catalog.data),
        "findings": len(catalog.findings),
        **step.usage(objects=len(catalog.objects)),
    })


def _given_or_registered_source(files: ProjectFiles, config: SourceConfig) -> SourceSpec:
    """The source given in run config, checked and registered for the project; else the one
    registered before. A project with neither is refused: it never migrates an example."""
    if not config.source:
        registered = files.registered_source()
        if registered is None:
            raise SourceError(
                f"project '{files.project}' has no source: give one in the run config, "
                "ops: {source_catalog: {config: {source: <folder | .sql | .dacpac | mssql://user@host/db>}}}, "
                f"or run `migrator migrate SOURCE --project {files.project}`")
        return registered
    location = config.source.strip()
    if is_live_source(location) and _ODBC_PASSWORD.search(location):
        raise SourceError(f"put the password in the environment variable {PASSWORD_VARIABLE}, "
                          "not in the run config")
    if not is_live_source(location):  # stored absolute: later runs need not share this one's directory
        location = str(Path(location).expanduser().resolve())
    source = SourceSpec(location, dict(config.variables or {}), identifiers=config.identifiers)
    check_source(source)
    files.register(source)
    return source


_ODBC_PASSWORD = re.compile(r"(^|;)\s*(pwd|password)\s*=", re.IGNORECASE)


@migration_asset(reads=[CATALOG], kinds={"sqlserver", "postgres"},
                 description="Every source table created in the warehouse's raw schema with mapped "
                             "PostgreSQL types, its rows loaded with COPY.")
def source_tables(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    step = start_step(context)
    files = step.files
    catalog = files.catalog()
    with live_rows(files.source()) as rows_for:
        report = load_source_tables(warehouse.resolved_url(), catalog, raw_schema_name(files.project),
                                    on_progress=_progress(context, "loaded"), rows_for=rows_for)
    files.save(RAW_TABLES, report.save)
    _log_events(context, raw_table_events(files.project, catalog, report))
    table_rows = "\n".join(f"| {t.source} | `{t.relation}` | {t.rows} | {t.error or t.incomplete or ''} |" for t in report.tables)
    return dg.MaterializeResult(metadata={
        "tables": len(report.tables),
        "rows": report.total_rows,
        "failed_tables": sum(1 for t in report.tables if t.error),
        "incomplete_tables": sum(1 for t in report.tables if t.incomplete),
        "row_counts": dg.MetadataValue.md("| table | relation | rows | error |\n|---|---|---:|---|\n" + table_rows),
        **step.usage(objects=len(report.tables)),
    })


@migration_asset(reads=[CATALOG], kinds={"python"},
                 description="Assessment: inventory, T-SQL features, complexity and predicted path "
                             "(rules / LLM / manual) per object, with blockers.")
def assessment(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
    step = start_step(context)
    files = step.files
    catalog = files.catalog()
    result = assess(catalog)
    report = render_assessment(result, files.project)
    files.save("assessment.json", result.save)
    files.write_text("assessment.md", report)
    return dg.MaterializeResult(metadata={
        "report": dg.MetadataValue.md(report),
        "predicted_paths": dg.MetadataValue.json(result.summary.get("by_path", {})),
        **step.usage(objects=len(result.objects)),
    })


# the plan follows the assessment in a run, though it reads only the catalog
@migration_asset(reads=[CATALOG], deps=["assessment"], kinds={"python", "dbt"},
                 description="The planner: what each object becomes (source, model, macro, or needs "
                             "review), with layer, materialization and dependency order.")
def migration_plan(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
    step = start_step(context)
    files = step.files
    catalog = files.catalog()
    plan = plan_migration(catalog, files.project, files.identifier_policy())
    files.save(PLAN, plan.save)
    by_artifact: dict[str, int] = {}
    for entry in plan.entries:
        by_artifact[entry.artifact] = by_artifact.get(entry.artifact, 0) + 1
    rows = "\n".join(f"| {e.source} | {e.kind} | {e.artifact} | {', '.join(e.models)} | {e.reason or ''} |"
                     for e in plan.entries)
    return dg.MaterializeResult(metadata={
        "by_artifact": dg.MetadataValue.json(by_artifact),
        "models": len(plan.models),
        "plan": dg.MetadataValue.md("| source | kind | becomes | models | reason |\n|---|---|---|---|---|\n" + rows),
        **step.usage(objects=len(plan.entries), models=len(plan.models)),
    })


@migration_asset(reads=[CATALOG, PLAN], kinds={"python", "dbt", "langgraph", "claude"}, pool=LLM_POOL,
                 description="The executor: a LangGraph graph per planned model translates T-SQL to "
                             "PostgreSQL by rules (the LLM only when configured), validating each draft "
                             "as a single SELECT.")
def draft_models(context: dg.AssetExecutionContext, warehouse: WarehouseResource,
                 llm: LlmResource) -> dg.MaterializeResult:
    step = start_step(context)
    files = step.files
    catalog = files.catalog()
    plan = files.plan()
    client = llm.client(warehouse.resolved_url())
    if client is not None:
        refuse_over_budget(client, files, catalog)
    with ExitStack() as stack:  # graph state in the warehouse when the LLM is on: a killed run resumes
        saver = stack.enter_context(postgres_checkpointer(warehouse.resolved_url())) if client else None
        drafts = run_executor(plan, catalog, client, on_progress=_progress(context, "drafted"),
                              checkpointer=saver)
    files.save(DRAFTS, drafts.save)
    usage = drafts.usage
    failed = [m for m in drafts.models if not m.ok]
    return dg.MaterializeResult(metadata={
        "drafted": len(drafts.models) - len(failed),
        "not_drafted": len(failed),
        "macros": len(drafts.macros),
        "by_method": dg.MetadataValue.json(dict(Counter(m.method for m in drafts.models))),
        "needs_review_budget": sum(1 for m in drafts.models if m.needs_review),
        **step.usage(objects=len(plan.models), models=len(drafts.models) - len(failed),
                     llm=usage),
    })


def refuse_over_budget(client: LlmClient, files: ProjectFiles, catalog: Catalog) -> None:
    """Before anything is spent: over the budget by the assessment's estimate (and not told to
    proceed), the step fails with one line and asks nothing; the CLI exits 2 with that line."""
    path = files.path("assessment.json")  # the assessment step's output, as it writes it
    assessed = Assessment.load(path) if path.exists() else assess(catalog)
    refusal = client.refusal(assessed.summary.get("llm_estimate", {}))
    if refusal:
        raise dg.Failure(description=refusal, allow_retries=False)


@migration_asset(reads=[CATALOG, PLAN, DRAFTS, RAW_TABLES], kinds={"dbt", "postgres"},
                 description="The tester: writes the dbt project from dbt_template/ and runs `dbt build` "
                             "in place through dagster-dbt; per-model and per-test results; compares "
                             "models' rows with SQL Server's where expected results are available.")
def test_report(context: dg.AssetExecutionContext, warehouse: WarehouseResource,
                dbt: DbtResource) -> dg.MaterializeResult:
    step = start_step(context)
    files = step.files
    catalog = files.catalog()
    plan = files.plan()
    drafts = files.drafts()
    written = write_dbt_project(files.dbt_dir, plan, drafts, catalog)
    reset_schema(warehouse.resolved_url(), files.project, files.project)  # no model of an earlier run survives
    sql_by_model = {d.name: d.sql for d in drafts.models if d.sql is not None}
    disabled = disable_dependents_of_undrafted(files.dbt_dir, plan, sql_by_model)
    context.log.info(f"wrote {len(written)} models to {files.dbt_dir}; running dbt build")
    report = dbt.build(files.dbt_dir, warehouse.resolved_url(), files.project)
    if report.error:  # dbt refused the whole project: disable the models it names, build the rest
        disabled, parse_error = isolate_parse_failures(
            files.dbt_dir, plan, sql_by_model, lambda: dbt.parse(files.dbt_dir, warehouse.resolved_url()), disabled)
        context.log.warning(f"disabled models dbt could not take: {sorted(disabled)}")
        report = dbt.build(files.dbt_dir, warehouse.resolved_url(), files.project)
        report.error = report.error and (parse_error or report.error)  # dbt's own words
    report = with_disabled(report, plan, disabled)
    files.save(BUILD_REPORT, report.save)
    _log_events(context, dbt_build_events(files.project, files.dbt_dir, report))
    validation = data_validation(files.source(), catalog, plan, warehouse.resolved_url())
    files.save(DATA_VALIDATION, validation.save)
    counts = report.counts()
    return dg.MaterializeResult(metadata={
        "dbt_project": dg.MetadataValue.path(str(files.dbt_dir)),
        "models": dg.MetadataValue.json(counts.get("model", {})),
        "tests": dg.MetadataValue.json(counts.get("test", {})),
        "failed_models": dg.MetadataValue.json(report.failed_models()),
        "dbt_error": report.error or "",
        "data_compared": len(validation.matches),
        "data_matched": sum(1 for m in validation.matches if m.matched),
        **step.usage(objects=len(written), models=len(written)),
    })


@migration_asset(reads=[CATALOG, PLAN, DRAFTS, BUILD_REPORT, DATA_VALIDATION],
                 kinds={"python", "dbt", "langgraph", "claude"},
                 pool=LLM_POOL,
                 description="The rebuilder: a LangGraph graph per failed model applies deterministic "
                             "fix-ups (the LLM when configured) and rebuilds only that model.")
def repaired_models(context: dg.AssetExecutionContext, warehouse: WarehouseResource,
                    dbt: DbtResource, llm: LlmResource) -> dg.MaterializeResult:
    step = start_step(context)
    files = step.files
    plan = files.plan()
    drafts = files.drafts()
    report = BuildReport.load(files.path(BUILD_REPORT))
    sql_by_model = {d.name: d.sql for d in drafts.models if d.sql is not None}
    failed = failed_drafts(report, sql_by_model)
    client, check_rows = llm.client(warehouse.resolved_url(), drafts.usage), None
    if client is not None and files.path(DATA_VALIDATION).exists():
        # models that build but return other rows: only an LLM repair can change their rows
        validation = DataValidation.load(files.path(DATA_VALIDATION))
        check_rows = row_check(validation, files.catalog(), plan, warehouse.resolved_url())
        failed.update({name: (sql_by_model[name], "") for name in differing_models(validation)
                       if name in sql_by_model and name not in failed})

    def rebuild(name: str, sql: str) -> BuildReport:
        write_model(files.dbt_dir, plan.model(name), sql)
        context.log.info(f"rebuilding {name}")
        return dbt.build(files.dbt_dir, warehouse.resolved_url(), files.project, select=f"{name}+")

    repair_context = RepairContext(
        relations=plan.relations, macros=[m.name for m in plan.macros],
        columns={name: output_columns(sql) for name, (sql, _) in failed.items()},
        compiled_sql=compiled_sql(files.dbt_dir, failed))
    with ExitStack() as stack:  # graph state in the warehouse when the LLM is on: a killed run resumes
        saver = stack.enter_context(postgres_checkpointer(warehouse.resolved_url())) if client else None
        outcomes, evidence = repair_models(failed, rebuild, client, repair_context, check_rows,
                                           checkpointer=saver, project=files.project)
    _log_events(context, dbt_build_events(files.project, files.dbt_dir, evidence))
    final = report.merge(evidence)
    files.save(FINAL_REPORT, final.save)
    sql_by_model.update({o.name: o.sql for o in outcomes if o.passed and o.sql})
    disabled = disable_unpassed_models(files.dbt_dir, plan, sql_by_model, final)
    if disabled or outcomes:
        dbt.parse(files.dbt_dir, warehouse.resolved_url())
    files.save(REPAIRS, lambda path: RepairOutcome.save_all(outcomes, path))
    return dg.MaterializeResult(metadata={
        "failed_before": len(failed),
        "repaired": sum(1 for o in outcomes if o.passed),
        "still_failing": dg.MetadataValue.json([o.name for o in outcomes if not o.passed]),
        "disabled_models": dg.MetadataValue.json(disabled),
        **step.usage(objects=len(failed), models=sum(1 for o in outcomes if o.passed),
                     llm=_sum_usage(o.usage for o in outcomes)),
    })


@migration_asset(reads=[CATALOG, PLAN, DRAFTS, RAW_TABLES, DATA_VALIDATION, FINAL_REPORT, REPAIRS],
                 kinds={"python", "postgres"},
                 description="The evaluator: a per-object scorecard from evidence, with totals and "
                             "usage; evaluation.json and evaluation.md.")
def evaluation(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    step = start_step(context)
    files = step.files
    catalog = files.catalog()
    plan = files.plan()
    drafts = files.drafts()
    report = BuildReport.load(files.path(FINAL_REPORT))
    outcomes = RepairOutcome.load_all(files.path(REPAIRS))
    validation = None
    if files.path(DATA_VALIDATION).exists():
        validation = DataValidation.load(files.path(DATA_VALIDATION))
        if outcomes:  # the rebuilder rebuilt models (and what reads them): compare their rows again
            validation = revalidate(validation, catalog, plan, warehouse.resolved_url())
            files.save(DATA_VALIDATION, validation.save)
    if validation is not None:
        _log_events(context, data_validation_events(files.project, validation))
    result = evaluate(catalog, plan, drafts, report, outcomes, LoadReport.load(files.path(RAW_TABLES)),
                      validation)
    files.save("evaluation.json", result.save)
    # the YAML's column types, as built: written back after the build, so they can neither lie nor fail it
    typed_columns = record_built_types(warehouse.resolved_url(), files.dbt_dir, plan, files.path("column_types.json"))
    markdown = render_evaluation(result, validation)
    files.write_text("evaluation.md", markdown)
    summary = result.summary
    return dg.MaterializeResult(metadata={
        "report": dg.MetadataValue.md(markdown),
        "passed": summary["by_status"]["passed"],
        **evidence_metadata(summary),
        "failed": summary["by_status"]["failed"],
        "needs_review": summary["by_status"]["needs_review"],
        "success_rate": summary["success_rate"],
        "data_compared": summary["data_compared"],
        "data_matched": summary["data_matched"],
        "typed_columns": typed_columns,
        # the project's LLM totals; this step's own usage (none) is what the llm_* keys carry,
        # so that summing steps per project counts each request once
        "project_llm_tokens": summary["llm"]["tokens"],
        "project_llm_cost_usd": summary["llm"]["cost_usd"],
        **step.usage(objects=summary["objects"], models=summary["models_built"]),
    })


def evidence_metadata(summary: dict) -> dict:
    """What the passed objects rest on, for the evaluator's materialization: rows or a build."""
    levels = summary.get("passed_by_evidence") or {}
    return {
        "passed_summary": passed_summary(summary),
        "passed_verified_by_rows": levels.get(ROWS_MATCHED, 0),
        "passed_built_and_tested_only": levels.get(BUILT_AND_TESTED, 0),
        "passed_without_evidence": levels.get(NO_EVIDENCE, 0),
    }


MIGRATION_ASSETS = [source_catalog, source_tables, assessment, migration_plan, draft_models,
                    test_report, repaired_models, evaluation]


def _sum_usage(usages) -> LlmUsage:
    total = LlmUsage()
    for usage in usages:
        total.add(usage)
    return total

