"""Each migrated project's dbt models as Dagster assets, with dbt tests as asset checks.

dagster-dbt needs a manifest when the code location loads, so these are built from the
manifests the tester wrote under MIGRATOR_HOME; after a migration, reload the code location
(the UI's "Reload definitions") to see a new project's models.
"""

import json
import logging
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, dbt_assets

from migrator_pipeline.defs.pools import WAREHOUSE_POOL
from migrator_pipeline.defs.resources import WarehouseResource
from migrator_pipeline.evaluation.data_match import DataValidation, revalidate
from migrator_pipeline.project_files import DATA_VALIDATION, ProjectFiles
from migrator_pipeline.home import migrator_home
from migrator_pipeline.settings import PROJECT_NAME
from migrator_pipeline.warehouse.connection import dbt_connection_environment

log = logging.getLogger(__name__)


ROWS_MATCH_CHECK = "rows_match_sql_server"
# who answers for every asset of a migration, the step assets and each project's models alike
OWNERS = ["team:data-platform"]
# the step that loads the raw tables the dbt sources read (defs/assets.py)
SOURCE_TABLES = dg.AssetKey("source_tables")


def raw_table_key(project: str, source_name: str, table_name: str) -> dg.AssetKey:
    """A raw table's key: the dbt source's (`source_name` and `table_name` as the planner folds them)."""
    return dg.AssetKey([project, "raw", source_name, table_name])


class ProjectTranslator(DagsterDbtTranslator):
    """Keys under the project's name, so projects never collide: `<project>/<model>` for models
    and `<project>/raw/<schema>/<table>` for the raw tables the dbt sources read. The raw tables
    are produced by source_tables, so lineage runs source_tables -> raw table -> staging -> marts."""

    def __init__(self, project: str):
        super().__init__()
        self.project = project

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> dg.AssetKey:
        if dbt_resource_props["resource_type"] == "source":
            return raw_table_key(self.project, dbt_resource_props["source_name"], dbt_resource_props["name"])
        return dg.AssetKey([self.project, dbt_resource_props["name"]])

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str:
        return f"{self.project}_dbt"

    def get_owners(self, dbt_resource_props: Mapping[str, Any]) -> list[str]:
        return OWNERS

    def get_description(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        if dbt_resource_props["resource_type"] == "source":
            # the table's own description (MS_Description): a raw table has no SQL to show
            return dbt_resource_props.get("description") or None
        return super().get_description(dbt_resource_props)

    def get_asset_spec(self, manifest: Mapping[str, Any], unique_id: str, project: Any) -> dg.AssetSpec:
        # the base class keeps each node's spec (it asks again for every model's upstreams), so
        # owners and descriptions come from the methods above: only a raw table's spec is replaced
        spec = super().get_asset_spec(manifest, unique_id, project)
        if unique_id.startswith("source."):
            return spec.replace_attributes(deps=[SOURCE_TABLES], kinds={"sqlserver", "postgres"})
        return spec


def raw_table_specs(translator: ProjectTranslator, manifest: Mapping[str, Any]) -> list[dg.AssetSpec]:
    """The raw tables the project's dbt sources read, as assets of their own (not bare stubs):
    described from MS_Description (the sources' YAML carries it), produced by source_tables.
    The translator that built the project's dbt assets has their specs already."""
    return [translator.get_asset_spec(manifest, unique_id, None) for unique_id in manifest.get("sources", {})]


def project_dbt_assets(project: str, dbt_dir: Path, manifest: Mapping[str, Any] | None = None,
                       translator: ProjectTranslator | None = None) -> dg.AssetsDefinition:
    @dbt_assets(manifest=manifest or dbt_dir / "target" / "manifest.json", name=f"{project}_dbt_models",
                dagster_dbt_translator=translator or ProjectTranslator(project), pool=WAREHOUSE_POOL)
    def migrated_models(context: dg.AssetExecutionContext, warehouse: WarehouseResource):
        dbt = DbtCliResource(project_dir=os.fspath(dbt_dir), profiles_dir=os.fspath(dbt_dir))
        # dbt starts inside the block, with the connection that profiles.yml reads
        with dbt_connection_environment(warehouse.resolved_url(), project):
            invocation = dbt.cli(["build"], context=context)
        yield from invocation.stream()

    return migrated_models


def migrated_dbt_assets() -> list[dg.AssetsDefinition | dg.AssetSpec]:
    """One dbt assets definition per project with a manifest, and its raw tables; a broken one is
    skipped with a warning, never allowed to stop the code location from loading."""
    definitions = []
    for manifest in sorted((migrator_home() / "projects").glob("*/dbt/target/manifest.json")):
        dbt_dir = manifest.parents[1]
        project = dbt_dir.parent.name
        if not PROJECT_NAME.match(project):
            continue
        try:
            parsed = json.loads(manifest.read_text(encoding="utf-8"))
            translator = ProjectTranslator(project)
            definitions += [project_dbt_assets(project, dbt_dir, parsed, translator),
                            *raw_table_specs(translator, parsed)]
            checks = rows_match_checks(project)
            if checks is not None:
                definitions.append(checks)
        except Exception as error:  # a half-written or foreign manifest
            log.warning("skipping the dbt models of project %s: %s", project, error)
    return definitions


def data_validation_events(project: str, validation: DataValidation) -> list[dg.AssetCheckEvaluation]:
    """Each comparison of a model's rows with SQL Server's, as a check on the model: passed only
    when the rows are equal; the counts and the reason say what differed."""
    return [dg.AssetCheckEvaluation(
        asset_key=dg.AssetKey([project, match.model]), check_name=ROWS_MATCH_CHECK, passed=match.matched,
        metadata={"source": match.source, "expected_rows": match.expected_rows,
                  "actual_rows": match.actual_rows if match.actual_rows is not None else -1,
                  "missing_rows": match.missing, "unexpected_rows": match.unexpected,
                  "reason": match.reason or ""})
        for match in validation.matches]


def rows_match_checks(project: str) -> dg.AssetChecksDefinition | None:
    """The project's comparisons of models' rows with SQL Server's as declared checks, so the UI
    lists them on each model. Executing it compares the rows again, against the models as built
    now: the same expected rows the tester read, never a replay of an earlier result."""
    files = ProjectFiles(project)
    path = files.root / DATA_VALIDATION.name
    if not path.exists():
        return None
    models = sorted({match.model for match in DataValidation.load(path).matches})
    if not models:
        return None
    specs = [dg.AssetCheckSpec(ROWS_MATCH_CHECK, asset=dg.AssetKey([project, model]),
                               description="The model's rows equal SQL Server's (expected/ beside the source).")
             for model in models]

    @dg.multi_asset_check(specs=specs, name=f"{project}_rows_match_sql_server", can_subset=True,
                          pool=WAREHOUSE_POOL)
    def compare_rows_again(context, warehouse: WarehouseResource):
        validation = revalidate(DataValidation.load(path), files.catalog(), files.plan(), warehouse.resolved_url())
        for event in data_validation_events(project, validation):
            key = dg.AssetCheckKey(event.asset_key, event.check_name)
            if key in context.selected_asset_check_keys:
                yield dg.AssetCheckResult(asset_key=event.asset_key, check_name=event.check_name,
                                          passed=event.passed, metadata=event.metadata)

    return compare_rows_again
