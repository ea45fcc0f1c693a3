"""Dagster concurrency pools: steps that share a scarce resource say `pool=` one of these, and at
most the pool's limit of them run at once across all runs (deploy/dagster.yaml explains).

Which step is in which pool (a step is in at most one, so a step that touches two is in the
scarcer one's):
- migrator_source: source_catalog, which reads the SQL Server (scripts, a dacpac, or a live server).
- migrator_warehouse: source_tables (COPY into the raw schema), test_report (`dbt build` and the
  row comparisons), each project's dbt models (`dbt build`) and its `rows_match_sql_server` checks.
- migrator_llm: draft_models and repaired_models, the steps that call Claude (the rebuilder's
  dbt builds are one model at a time).
The other steps (assessment, migration_plan, evaluation) read files and a few rows: no pool.
"""

LLM_POOL = "migrator_llm"  # Claude: rate limits and cost
SOURCE_POOL = "migrator_source"  # the SQL Server being read: a production server, read gently
WAREHOUSE_POOL = "migrator_warehouse"  # the PostgreSQL warehouse: loads, dbt builds, validation queries

POOL_LIMITS = {LLM_POOL: 1, SOURCE_POOL: 2, WAREHOUSE_POOL: 2}


def set_pool_limits(instance) -> dict[str, int]:
    """Give each pool its limit on the instance (what `dagster instance concurrency set` does),
    unless an operator set one already: a limit that came from the instance's default_limit is
    ours to replace, one set in the UI or with the CLI is not. Returns the limits it set."""
    storage = instance.event_log_storage
    if not storage.supports_global_concurrency_limits:
        return {}
    kept = {pool.name for pool in storage.get_pool_limits() if not pool.from_default}
    missing = {pool: limit for pool, limit in POOL_LIMITS.items() if pool not in kept}
    for pool, limit in missing.items():
        storage.set_concurrency_slots(pool, limit)
    return missing
