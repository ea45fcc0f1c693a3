import dagster as dg

from migrator_pipeline.defs.assets import MIGRATION_ASSETS

# partitioned by migration project: Dagster infers the partitions from the selected assets
migrate_project = dg.define_asset_job(
    "migrate_project",
    selection=dg.AssetSelection.assets(*MIGRATION_ASSETS),
    description="All six agent steps for one migration project (one partition).",
)
