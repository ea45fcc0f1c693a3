import dagster as dg

from migrator_pipeline.defs.assets import MIGRATION_ASSETS
from migrator_pipeline.defs.code_location import reload_after_migration

# partitioned by migration project: Dagster infers the partitions from the selected assets
migrate_project = dg.define_asset_job(
    "migrate_project",
    selection=dg.AssetSelection.assets(*MIGRATION_ASSETS),
    description="All six agent steps for one migration project (one partition).",
    hooks={reload_after_migration},  # the project's dbt models in `migrator dev`'s UI, no restart
)
