"""The nightly revalidation: every project's dbt project rebuilt and tested, and its data
validated again, so that drift (a changed warehouse, a changed dbt) shows up as failures in the
morning instead of passing silently."""

from __future__ import annotations

import dagster as dg

from migrator_pipeline.defs.partitions import migration_projects

# The tester (dbt build and data validation against the expected rows), the rebuilder and the
# evaluation: the steps whose results can drift without the source changing. The earlier steps'
# outputs (catalog, plan, drafts) are read as they are.
REVALIDATED_STEPS = ("test_report", "repaired_models", "evaluation")

revalidate_project = dg.define_asset_job(
    "revalidate_project",
    selection=dg.AssetSelection.assets(*REVALIDATED_STEPS),
    description="Rebuild and test one project's dbt project and validate its data again "
                "(the tester, rebuilder and evaluation steps), from the drafts it already has.",
)


@dg.schedule(job=revalidate_project, cron_schedule="0 2 * * *", execution_timezone="UTC",
             default_status=dg.DefaultScheduleStatus.RUNNING,
             description="Every night, one revalidation run per migration project.")
def nightly_revalidation(context: dg.ScheduleEvaluationContext) -> list[dg.RunRequest]:
    day = context.scheduled_execution_time.strftime("%Y-%m-%d") if context.scheduled_execution_time else "now"
    return [dg.RunRequest(run_key=f"{project}:{day}", partition_key=project,
                          tags={"migrator/launched_by": "nightly_revalidation"})
            for project in context.instance.get_dynamic_partitions(migration_projects.name)]
