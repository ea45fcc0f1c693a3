"""The Dagster code location: assembles assets, jobs, sensors, schedules and resources (which
resources and executor: defs/environment.py)."""

import gc

import dagster as dg

from migrator_pipeline.defs.assets import MIGRATION_ASSETS
from migrator_pipeline.defs.dbt_models import migrated_dbt_assets
from migrator_pipeline.defs.environment import migrator_resources, step_executor
from migrator_pipeline.defs.jobs import migrate_project
from migrator_pipeline.defs.schedules import nightly_revalidation, revalidate_project
from migrator_pipeline.defs.sensors import live_sources, new_sources
from migrator_pipeline.defs.usage import usage_report

def build_definitions() -> dg.Definitions:
    """Everything, with each migrated project's dbt models as found under MIGRATOR_HOME now."""
    return dg.Definitions(
        assets=[*MIGRATION_ASSETS, *migrated_dbt_assets(), usage_report],
        jobs=[migrate_project, revalidate_project],
        sensors=[new_sources, live_sources],
        schedules=[nightly_revalidation],
        resources=migrator_resources(),
        executor=step_executor(),  # one process per run locally, one pod per step on Kubernetes
    )


# The modules imported and the definitions built live as long as the code server: frozen, the
# cyclic collector no longer walks them, neither each time building the manifests' thousands of
# asset specs sets it off, nor at exit (together about 1 s of CPU with 20 projects of 100 models,
# benchmarks/bench_definitions_load.py). What it trades away: a reference cycle among these
# objects that becomes garbage later is never freed.
gc.freeze()
defs = build_definitions()
gc.freeze()
