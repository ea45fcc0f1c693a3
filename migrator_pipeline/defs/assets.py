"""The six agent steps and their inputs, as assets partitioned by migration project.

Each asset gathers its inputs from earlier steps' outputs, calls the domain core, writes its own
output and returns metadata. Nothing here decides anything about SQL.

What each asset reads is declared once, in `reads=` of `migration_asset`: the outputs named in
project_files.py. Its Dagster dependencies follow from that list, so the graph shows every input.
We keep files under the project's directory rather than an IO manager: the CLI, the capture kit
and a re-run of one step read the same files, and the dbt project is a directory dbt works in.
"""


import functools
import json
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
from migrator_pipeline.dbt_project.incremental import (
    STATE_DIR, EarlierBuild, carried_report, changed_selection, dbt_project_unchanged, earlier_build,
    missing_models, nothing_selected, read_manifest, record_dbt_project, save_state, stale_relations, state_digest,
    table_fingerprints)
from migrator_pipeline.dbt_project.build_failures import compiled_sql, disable_unpassed_models, failed_drafts
from migrator_pipeline.dbt_project.isolation import (
    disable_dependents_of_undrafted, isolate_parse_failures, with_disabled)
from migrator_pipeline.dbt_project.jinja_sql import output_columns
from migrator_pipeline.dbt_project.results import BuildReport
from migrator_pipeline.dbt_project.writer import write_dbt_project, write_model
from migrator_pipeline.defs.checks import dbt_build_events, raw_table_events
from migrator_pipeline.defs.dbt_models import OWNERS, data_validation_events
from migrator_pipeline.defs.partitions import migration_projects
from migrator_pipeline.defs.pools import LLM_POOL, SOURCE_POOL, WAREHOUSE_POOL  # which step in which: pools.py
from migrator_pipeline.defs.resources import DbtResource, LlmResource, WarehouseResource
from migrator_pipeline.drafts import LlmUsage, RepairOutcome
from migrator_pipeline.evaluation.built_types import record_built_types
from migrator_pipeline.evaluation.data_match import DataValidation, data_validation, revalidate
from migrator_pipeline.evaluation.report import passed_summary, render_evaluation
from migrator_pipeline.evaluation.row_differences import differing_models, row_check
from migrator_pipeline.evaluation.scorecard import BUILT_AND_TESTED, NO_EVIDENCE, ROWS_MATCHED, evaluate
from migrator_pipeline.fingerprints import (
    StepRecord, StepState, digest, model_fingerprints, object_fingerprints, reusable_drafts,
    row_lines_digest, settings_fingerprint, source_fingerprint, step_inputs, tool_fingerprint, warehouse_identity)
from migrator_pipeline.planning.planner import plan_migration
from migrator_pipeline.project_files import (
    BUILD_REPORT, CATALOG, DATA_VALIDATION, DRAFTS, FINAL_REPORT, PLAN, RAW_TABLES, REPAIRS, ProjectFiles,
    StepOutput)
from migrator_pipeline.tsql.identifiers import DEFAULT_POLICY, raw_schema_name, spelling_names
from migrator_pipeline.usage import usage_metadata
from migrator_pipeline.warehouse.loading import (
    VIEWS_AND_TABLES, LoadReport, drop_relations, existing_relations, load_source_tables, tables_present)
from migrator_pipeline.warehouse.schemas import reset_schema


def migration_asset(*, reads: Sequence[StepOutput] = (), deps: Sequence[str] = (),
                    **asset_args) -> Callable:
    """One step of a migration project: partitioned by project, in the `migration` group, and
    depending on the steps whose outputs it `reads` (plus `deps` that only order the run)."""
    after = list(dict.fromkeys([*(output.step for output in reads), *deps]))
    # the code version is the tool's fingerprint: a new version of the tool shows every step stale
    asset = dg.asset(partitions_def=migration_projects, group_name="migration", owners=OWNERS,
                     deps=after or None, code_version=tool_fingerprint()[:16], **asset_args)
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

    revalidating: bool = False

    @property
    def state(self) -> StepState:
        return StepState(self.files.root)

    def reusable(self, step: str, inputs: str | None) -> StepRecord | None:
        return None if self.revalidating else self.state.reusable(step, inputs)

    def reused(self, context: dg.AssetExecutionContext, record: StepRecord) -> dg.MaterializeResult:
        """The step's inputs hash as in the last run: its outputs are reused, and it says so."""
        context.log.info(f"inputs unchanged since the last run ({record.inputs[:12]}): outputs reused")
        return dg.MaterializeResult(data_version=dg.DataVersion(record.data_version), metadata={
            "reused": True, "inputs_hash": record.inputs[:16], **self.usage()})

    def recorded(self, record: StepRecord, metadata: dict) -> dg.MaterializeResult:
        """A step that ran: its data version is the hash of what it wrote."""
        return dg.MaterializeResult(data_version=dg.DataVersion(record.data_version),
                                    metadata={"reused": False, "inputs_hash": record.inputs[:16], **metadata})


# the nightly revalidation (defs/schedules.py) is for drift: it rebuilds and compares, never reuses
REVALIDATION_JOB = "revalidate_project"


def start_step(context: dg.AssetExecutionContext) -> StepRun:
    return StepRun(ProjectFiles(context.partition_key), time.monotonic(), context.job_name == REVALIDATION_JOB)


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


@migration_asset(kinds={"python", "sqlserver"}, pool=SOURCE_POOL,
                 description="The SQL Server source read into one catalog: objects, columns, keys, "
                             "bodies, dependencies, data and findings. Its run config `source` names "
                             "what to migrate; without it, the project's registered source.")
def source_catalog(context: dg.AssetExecutionContext, config: SourceConfig) -> dg.MaterializeResult:
    step = start_step(context)
    files = step.files
    try:
        source = _given_or_registered_source(files, config)
        inputs = _source_inputs(files, source)
        if (record := step.reusable("source_catalog", inputs)) is not None:
            return step.reused(context, record)
        catalog = read_source(source)
    except SourceError as error:  # an unusable source is the user's to fix: say so, no traceback
        raise dg.Failure(description=str(error), allow_retries=False) from None
    if not catalog.objects:
        raise dg.Failure(description=f"no SQL Server objects found in {catalog.source}", allow_retries=False)
    files.save(CATALOG, catalog.save)
    record = step.state.record("source_catalog", inputs, [CATALOG.name])
    kinds = {kind: len(catalog.of_kind(kind)) for kind in ("table", "view", "procedure", "function", "trigger")}
    return step.recorded(record, {
        "source": source.location,
        **{f"{kind}s": count for kind, count in kinds.items()},
        "rows_of_data": sum(len(d.rows) for d in catalog.data),
        "findings": len(catalog.findings),
        **step.usage(objects=len(catalog.objects)),
    })


def _source_inputs(files: ProjectFiles, source: SourceSpec) -> str | None:
    """Every byte of the source and its variables (None for a live server: read it each time)."""
    return step_inputs(files.root, [], source_fingerprint(source))


def _llm_settings(llm: LlmResource) -> str:
    """What decides the LLM's answers and budget, without the key (whether there is one counts)."""
    fields = {name: getattr(llm, name) for name in (
        "enabled", "model", "max_tokens", "temperature", "budget_tokens", "budget_usd", "proceed_over_estimate")}
    return json.dumps({**fields, "has_key": bool(llm.api_key)}, sort_keys=True)


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


@migration_asset(reads=[CATALOG], kinds={"sqlserver", "postgres"}, pool=WAREHOUSE_POOL,
                 description="Every source table created in the warehouse's raw schema with mapped "
                             "PostgreSQL types, its rows loaded with COPY.")
def source_tables(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    step = start_step(context)
    files, url = step.files, warehouse.resolved_url()
    live = files.source().kind == "live"  # a live server's rows are read again every run
    inputs = step_inputs(files.root, [CATALOG.name], warehouse_identity(url), None if live else "rows in the catalog")
    if (record := step.reusable("source_tables", inputs)) is not None and tables_present(
            url, LoadReport.load(files.path(RAW_TABLES))):
        return step.reused(context, record)
    catalog = files.catalog()
    # a table is reloaded when its definition, its rows, the tool or the warehouse changed
    base = step_inputs(files.root, [], warehouse_identity(url))
    previous = LoadReport.load(files.path(RAW_TABLES)) if files.path(RAW_TABLES).exists() else None
    # a table that refused rows last time is hashed with its rows' lines too: its findings cite them
    cited = {t.source.lower() for t in previous.tables if t.error or t.incomplete} if previous else set()
    fingerprints = {key: digest(base, value, row_lines_digest(catalog, key) if key in cited else "")
                    for key, value in object_fingerprints(catalog).items()}
    with live_rows(files.source()) as rows_for:
        report = load_source_tables(warehouse.resolved_url(), catalog, raw_schema_name(files.project),
                                    on_progress=_progress(context, "loaded"), rows_for=rows_for,
                                    fingerprints=fingerprints, previous=previous)
    files.save(RAW_TABLES, report.save)
    record = step.state.record("source_tables", inputs, [RAW_TABLES.name])
    reloaded = [t for t in report.tables if previous is None or t not in previous.tables]
    context.log.info(f"reloaded {len(reloaded)} of {len(report.tables)} tables; the others are unchanged")
    # a table not reloaded keeps the materialization of the run that loaded it
    _log_events(context, raw_table_events(files.project, catalog, LoadReport(reloaded, report.findings)))
    table_rows = "\n".join(f"| {t.source} | `{t.relation}` | {t.rows} | {t.error or t.incomplete or ''} |" for t in report.tables)
    return step.recorded(record, {
        "tables": len(report.tables),
        "reloaded_tables": len(reloaded),
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
    inputs = step_inputs(files.root, [CATALOG.name])
    if (record := step.reusable("assessment", inputs)) is not None:
        return step.reused(context, record)
    catalog = files.catalog()
    result = assess(catalog)
    report = render_assessment(result, files.project)
    files.save("assessment.json", result.save)
    files.write_text("assessment.md", report)
    record = step.state.record("assessment", inputs, ["assessment.json", "assessment.md"])
    return step.recorded(record, {
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
    inputs = step_inputs(files.root, [CATALOG.name], files.project, files.identifier_policy())
    if (record := step.reusable("migration_plan", inputs)) is not None:
        return step.reused(context, record)
    catalog = files.catalog()
    plan = plan_migration(catalog, files.project, files.identifier_policy())
    files.save(PLAN, plan.save)
    record = step.state.record("migration_plan", inputs, [PLAN.name])
    by_artifact: dict[str, int] = {}
    for entry in plan.entries:
        by_artifact[entry.artifact] = by_artifact.get(entry.artifact, 0) + 1
    rows = "\n".join(f"| {e.source} | {e.kind} | {e.artifact} | {', '.join(e.models)} | {e.reason or ''} |"
                     for e in plan.entries)
    return step.recorded(record, {
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
    inputs = step_inputs(files.root, [CATALOG.name, PLAN.name], _llm_settings(llm))
    if (record := step.reusable("draft_models", inputs)) is not None:
        return step.reused(context, record)  # no LLM request: the drafts are those of the same inputs
    catalog = files.catalog()
    plan = files.plan()
    client = llm.client(warehouse.resolved_url())
    if client is not None:
        refuse_over_budget(client, files, catalog)
    # a model whose planned form and every object it reads are unchanged keeps its draft
    keys = model_fingerprints(plan, catalog, tool_fingerprint(), settings_fingerprint(), _llm_settings(llm))
    reuse = reusable_drafts(step.state, "draft_models", DRAFTS.name, keys)
    context.log.info(f"drafting {len(plan.models) - len(reuse)} models; {len(reuse)} unchanged since the last run")
    with ExitStack() as stack:  # graph state in the warehouse when the LLM is on: a killed run resumes
        saver = stack.enter_context(postgres_checkpointer(warehouse.resolved_url())) if client else None
        drafts = run_executor(plan, catalog, client, on_progress=_progress(context, "drafted"),
                              checkpointer=saver, reuse=reuse)
    files.save(DRAFTS, drafts.save)
    record = step.state.record("draft_models", inputs, [DRAFTS.name], {"models": json.dumps(keys, sort_keys=True)})
    usage = drafts.usage
    failed = [m for m in drafts.models if not m.ok]
    return step.recorded(record, {
        "drafted": len(drafts.models) - len(failed),
        "redrafted": len(plan.models) - len(reuse),
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


@migration_asset(reads=[CATALOG, PLAN, DRAFTS, RAW_TABLES], kinds={"dbt", "postgres"}, pool=WAREHOUSE_POOL,
                 description="The tester: writes the dbt project from dbt_template/ and runs `dbt build` "
                             "in place through dagster-dbt; per-model and per-test results; compares "
                             "models' rows with SQL Server's where expected results are available.")
def test_report(context: dg.AssetExecutionContext, warehouse: WarehouseResource,
                dbt: DbtResource) -> dg.MaterializeResult:
    step = start_step(context)
    files, url = step.files, warehouse.resolved_url()
    inputs = step_inputs(files.root, [CATALOG.name, PLAN.name, DRAFTS.name, RAW_TABLES.name],
                         source_fingerprint(files.source()), warehouse_identity(url))
    record = step.reusable("test_report", inputs)
    unchanged = record is not None and dbt_project_unchanged(step.state)
    if unchanged and not missing_models(url, files.project, files.path(FINAL_REPORT)):
        # what no model builds goes, as from an empty schema (a table made by hand, say)
        existing = existing_relations(url, files.project, VIEWS_AND_TABLES) or set()
        state = read_manifest(files.root / STATE_DIR / "manifest.json")
        drop_relations(url, files.project, stale_relations(existing, state, files.project))
        return step.reused(context, record)
    catalog, plan, drafts = files.catalog(), files.plan(), files.drafts()
    written = write_dbt_project(files.dbt_dir, plan, drafts, catalog)
    earlier = None if step.revalidating else _earlier_build(step.state, files, url)
    sql_by_model = {d.name: d.sql for d in drafts.models if d.sql is not None}
    disabled = disable_dependents_of_undrafted(files.dbt_dir, plan, sql_by_model)
    report = fresh = None
    if earlier is not None:
        context.log.info(f"wrote {len(written)} models to {files.dbt_dir}; building what changed since the last run")
        report, fresh = _build_changed(files, plan, dbt, url, earlier, disabled)
    if report is None:  # the first run, or a changed build dbt refused: everything, from an empty schema
        context.log.info(f"wrote {len(written)} models to {files.dbt_dir}; running dbt build")
        report = fresh = _build_everything(context, files, plan, dbt, url, sql_by_model, disabled)
    files.save(BUILD_REPORT, report.save)
    save_state(files.dbt_dir, files.root / STATE_DIR)
    _log_events(context, dbt_build_events(files.project, files.dbt_dir, fresh))
    validation = data_validation(files.source(), catalog, plan, url)
    files.save(DATA_VALIDATION, validation.save)
    record = step.state.record("test_report", inputs, [BUILD_REPORT.name, DATA_VALIDATION.name], {
        "base": _build_base(files, url), "state": state_digest(files.root),
        "tables": json.dumps(table_fingerprints(files.path(RAW_TABLES)), sort_keys=True)})
    record_dbt_project(step.state)
    counts = report.counts()
    return step.recorded(record, {
        "dbt_project": dg.MetadataValue.path(str(files.dbt_dir)),
        "incremental": earlier is not None and fresh is not report,
        "built_nodes": len(fresh.nodes),
        "dbt_invocations": dg.MetadataValue.json(fresh.invocations),
        "models": dg.MetadataValue.json(counts.get("model", {})),
        "tests": dg.MetadataValue.json(counts.get("test", {})),
        "failed_models": dg.MetadataValue.json(report.failed_models()),
        "dbt_error": report.error or "",
        "data_compared": len(validation.matches),
        "data_matched": sum(1 for m in validation.matches if m.matched),
        **step.usage(objects=len(written), models=len(written)),
    })


def _build_everything(context: dg.AssetExecutionContext, files: ProjectFiles, plan, dbt: DbtResource, url: str,
                      sql_by_model: dict[str, str], disabled: dict[str, str]) -> BuildReport:
    reset_schema(url, files.project, files.project)  # no model of an earlier run survives
    report = dbt.build(files.dbt_dir, url, files.project)
    if report.error:  # dbt refused the whole project: disable the models it names, build the rest
        disabled, parse_error = isolate_parse_failures(
            files.dbt_dir, plan, sql_by_model, lambda: dbt.parse(files.dbt_dir, url), disabled)
        context.log.warning(f"disabled models dbt could not take: {sorted(disabled)}")
        report = dbt.build(files.dbt_dir, url, files.project)
        report.error = report.error and (parse_error or report.error)  # dbt's own words
    return with_disabled(report, plan, disabled)


def _earlier_build(state: StepState, files: ProjectFiles, url: str) -> EarlierBuild | None:
    return earlier_build(state, url, files.project, _build_base(files, url), files.path(BUILD_REPORT),
                         files.path(FINAL_REPORT), files.path(RAW_TABLES))


def _build_changed(files: ProjectFiles, plan, dbt: DbtResource, url: str, earlier: EarlierBuild,
                   disabled: dict[str, str]) -> tuple[BuildReport | None, BuildReport | None]:
    """dbt's `state:modified+`, what reads a reloaded raw table, and what is missing from the
    warehouse; the other nodes keep the last run's evidence. (None, None) when dbt refuses."""
    select, existing = changed_selection(earlier, url, files.project)
    if nothing_selected(select, files.dbt_dir, files.root / STATE_DIR):  # dbt is not even started
        fresh, manifest = BuildReport(), earlier.manifest
    else:
        fresh = dbt.build(files.dbt_dir, url, files.project, select=select, state=files.root / STATE_DIR)
        manifest = read_manifest(files.dbt_dir / "target" / "manifest.json")
    if fresh.error or manifest is None:
        return None, None
    # a model gone or disabled since: its relation goes, as a full build from an empty schema would
    drop_relations(url, files.project, stale_relations(existing, manifest, files.project))
    return with_disabled(carried_report(earlier.report, manifest, fresh), plan, disabled), fresh


def _build_base(files: ProjectFiles, url: str) -> str | None:
    """What every build depends on: the tool, the settings and the warehouse."""
    return step_inputs(files.root, [], warehouse_identity(url))


@migration_asset(reads=[CATALOG, PLAN, DRAFTS, BUILD_REPORT, DATA_VALIDATION],
                 kinds={"python", "dbt", "langgraph", "claude"},
                 pool=LLM_POOL,
                 description="The rebuilder: a LangGraph graph per failed model applies deterministic "
                             "fix-ups (the LLM when configured) and rebuilds only that model.")
def repaired_models(context: dg.AssetExecutionContext, warehouse: WarehouseResource,
                    dbt: DbtResource, llm: LlmResource) -> dg.MaterializeResult:
    step = start_step(context)
    files = step.files
    inputs = step_inputs(files.root, [CATALOG.name, PLAN.name, DRAFTS.name, BUILD_REPORT.name, DATA_VALIDATION.name],
                         _llm_settings(llm), warehouse_identity(warehouse.resolved_url()))
    if (record := step.reusable("repaired_models", inputs)) is not None and dbt_project_unchanged(step.state):
        return step.reused(context, record)
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
        save_state(files.dbt_dir, files.root / STATE_DIR)  # the project as built now, for the next run
    files.save(REPAIRS, lambda path: RepairOutcome.save_all(outcomes, path))
    record = step.state.record("repaired_models", inputs, [FINAL_REPORT.name, REPAIRS.name],
                               {"state": state_digest(files.root)})
    record_dbt_project(step.state)
    return step.recorded(record, {
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
    files, url = step.files, warehouse.resolved_url()
    inputs = step_inputs(files.root, [CATALOG.name, PLAN.name, DRAFTS.name, RAW_TABLES.name, DATA_VALIDATION.name,
                                      FINAL_REPORT.name, REPAIRS.name],
                         source_fingerprint(files.source()), warehouse_identity(url))
    if (record := step.reusable("evaluation", inputs)) is not None and dbt_project_unchanged(step.state):
        return step.reused(context, record)
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
    record = step.state.record("evaluation", inputs, ["evaluation.json", "evaluation.md", "column_types.json"])
    record_dbt_project(step.state)
    summary = result.summary
    return step.recorded(record, {
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

