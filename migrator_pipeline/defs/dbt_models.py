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

from migrator_pipeline.defs.resources import WarehouseResource
from migrator_pipeline.home import migrator_home
from migrator_pipeline.settings import PROJECT_NAME
from migrator_pipeline.warehouse.connection import dbt_connection_environment

log = logging.getLogger(__name__)


class ProjectTranslator(DagsterDbtTranslator):
    """Keys under the project's name, so projects never collide: `<project>/<model>` for models
    and `<project>/raw/<schema>/<table>` for the raw tables the dbt sources read."""

    def __init__(self, project: str):
        super().__init__()
        self.project = project

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> dg.AssetKey:
        if dbt_resource_props["resource_type"] == "source":
            return dg.AssetKey([self.project, "raw", dbt_resource_props["source_name"],
                                dbt_resource_props["name"]])
        return dg.AssetKey([self.project, dbt_resource_props["name"]])

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str:
        return f"{self.project}_dbt"


def project_dbt_assets(project: str, dbt_dir: Path) -> dg.AssetsDefinition:
    @dbt_assets(manifest=dbt_dir / "target" / "manifest.json", name=f"{project}_dbt_models",
                dagster_dbt_translator=ProjectTranslator(project))
    def migrated_models(context: dg.AssetExecutionContext, warehouse: WarehouseResource):
        dbt = DbtCliResource(project_dir=os.fspath(dbt_dir), profiles_dir=os.fspath(dbt_dir))
        # dbt starts inside the block, with the connection that profiles.yml reads
        with dbt_connection_environment(warehouse.resolved_url(), project):
            invocation = dbt.cli(["build"], context=context)
        yield from invocation.stream()

    return migrated_models


def migrated_dbt_assets() -> list[dg.AssetsDefinition]:
    """One dbt assets definition per project with a manifest; a broken one is skipped with a
    warning, never allowed to stop the code location from loading."""
    definitions = []
    for manifest in sorted((migrator_home() / "projects").glob("*/dbt/target/manifest.json")):
        dbt_dir = manifest.parents[1]
        project = dbt_dir.parent.name
        if not PROJECT_NAME.match(project):
            continue
        try:
            json.loads(manifest.read_text(encoding="utf-8"))
            definitions.append(project_dbt_assets(project, dbt_dir))
        except Exception as error:  # a half-written or foreign manifest
            log.warning("skipping the dbt models of project %s: %s", project, error)
    return definitions
