"""Dagster concurrency pools: steps that share a scarce resource say `pool=` one of these, and at
most the pool's limit of them run at once across all runs (deploy/dagster.yaml explains)."""

LLM_POOL = "migrator_llm"  # Claude: rate limits and cost
SOURCE_POOL = "migrator_source"  # the SQL Server being read: a production server, read gently
WAREHOUSE_POOL = "migrator_warehouse"  # the PostgreSQL warehouse: dbt builds and validation queries

POOL_LIMITS = {LLM_POOL: 1, SOURCE_POOL: 2, WAREHOUSE_POOL: 2}


def set_pool_limits(instance) -> None:
    """Give each pool its limit on the instance (what `dagster instance concurrency set` does)."""
    for pool, limit in POOL_LIMITS.items():
        instance.event_log_storage.set_concurrency_slots(pool, limit)
