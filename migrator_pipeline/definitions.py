"""The Dagster code location: assembles assets, jobs and resources (which ones: defs/environment.py)."""

import dagster as dg

from migrator_pipeline.defs.assets import MIGRATION_ASSETS
from migrator_pipeline.defs.dbt_models import migrated_dbt_assets
from migrator_pipeline.defs.environment import migrator_resources
from migrator_pipeline.defs.jobs import migrate_project
from migrator_pipeline.defs.usage import usage_report

defs = dg.Definitions(
    assets=[*MIGRATION_ASSETS, *migrated_dbt_assets(), usage_report],
    jobs=[migrate_project],
    resources=migrator_resources(),
    # The steps run one after another and are short; a process per step (the default executor)
    # spent about 8 s importing per step, more than most steps take. Trade-off: one run, one process.
    executor=dg.in_process_executor,
)
