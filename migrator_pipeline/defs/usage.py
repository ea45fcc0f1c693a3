"""The usage report, read from the Dagster instance's event log: the `usage_report` asset and
`migrator usage` print the same table."""

import datetime as dt

import dagster as dg

from migrator_pipeline.defs.environment import llm_budget_tokens, llm_budget_usd
from migrator_pipeline.usage.report import BudgetLimit, StepUsage, aggregate, render_markdown

STEPS = ("source_catalog", "source_tables", "assessment", "migration_plan", "draft_models",
         "test_report", "repaired_models", "evaluation")


def step_usage(instance: dg.DagsterInstance, project: str | None = None,
               since: dt.date | None = None) -> list[StepUsage]:
    after = (dt.datetime.combine(since, dt.time(), tzinfo=dt.timezone.utc).timestamp() if since else None)
    found = []
    for step in STEPS:
        cursor = None
        while True:
            result = instance.fetch_materializations(
                dg.AssetRecordsFilter(asset_key=dg.AssetKey(step), after_timestamp=after),
                limit=500, cursor=cursor)
            for record in result.records:
                materialization = record.asset_materialization
                if materialization is None or (project and record.partition_key != project):
                    continue
                metrics = {k: v.value for k, v in materialization.metadata.items()
                           if isinstance(v.value, (int, float))}
                day = dt.datetime.fromtimestamp(record.timestamp, dt.timezone.utc).date().isoformat()
                found.append(StepUsage(record.partition_key or "", step, day, metrics))
            if not result.has_more:
                break
            cursor = result.cursor
    return found


def budget_from_environment() -> BudgetLimit:
    return BudgetLimit(llm_budget_usd(), llm_budget_tokens())


def usage_markdown(instance: dg.DagsterInstance, project: str | None = None,
                   since: dt.date | None = None) -> str:
    return render_markdown(aggregate(step_usage(instance, project, since)), budget_from_environment())


@dg.asset(group_name="usage", kinds={"python"},
          description="LLM requests, tokens, cost and time per project and day, summed from every "
                      "step's materialization metadata, with the budget used beside each project.")
def usage_report(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
    rows = aggregate(step_usage(context.instance))
    markdown = render_markdown(rows, budget_from_environment())
    return dg.MaterializeResult(metadata={
        "report": dg.MetadataValue.md(markdown),
        "rows": dg.MetadataValue.json([{"project": r.project, "day": r.day, "steps": r.steps, **r.totals}
                                       for r in rows]),
        "llm_cost_usd": round(sum(r.totals["llm_cost_usd"] for r in rows), 6),
        "llm_requests": int(sum(r.totals["llm_requests"] for r in rows)),
    })
