import dagster as dg

# One partition per migration project; `migrator migrate` adds them, and so can the UI.
migration_projects = dg.DynamicPartitionsDefinition(name="migration_projects")
