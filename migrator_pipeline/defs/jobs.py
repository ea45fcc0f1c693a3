import dagster as dg

from migrator_pipeline.defs.assets import MIGRATION_ASSETS
from migrator_pipeline.defs.partitions import migration_projects

migrate_project = dg.define_asset_job(
    "migrate_project",
    selection=dg.AssetSelection.assets(*MIGRATION_ASSETS),
    partitions_def=migration_projects,
    description="All six agent steps for one migration project (one partition).",
)
