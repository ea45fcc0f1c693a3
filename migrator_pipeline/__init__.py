"""SQL Server estate to dbt on PostgreSQL, as a Dagster code location."""
