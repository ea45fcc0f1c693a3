"""What the migration proved, reported against the generated models' and raw tables' asset keys.

The tester's and rebuilder's `dbt build` run inside their steps (they decide what to disable and
repair), not through the project's @dbt_assets, whose definition exists only after the first
manifest. So their results are reported from the build's own record as events on the dbt assets'
keys, the ones the project's @dbt_assets definition has (dbt_models.ProjectTranslator): a
materialization per built model with its rows, a check evaluation per dbt test, and one per model
whose rows were compared with SQL Server's (dbt_models.py, which declares that check). The UI
shows them on the models after a reload.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import dagster as dg
from dagster_dbt.asset_utils import get_asset_check_key_for_test

from migrator_pipeline.catalog.model import Catalog
from migrator_pipeline.dbt_project.results import RELATIONS, BuildReport
from migrator_pipeline.defs.dbt_models import ProjectTranslator, raw_table_key
from migrator_pipeline.tsql.identifiers import fold_identifier
from migrator_pipeline.warehouse.loading import LoadReport

AssetEvent = dg.AssetMaterialization | dg.AssetCheckEvaluation


def dbt_build_events(project: str, dbt_dir: Path, report: BuildReport) -> list[AssetEvent]:
    """A materialization for each model or snapshot the build made (with its row count) and a
    check evaluation for each dbt test it ran, keyed as the project's dbt assets are."""
    manifest_path = dbt_dir / "target" / "manifest.json"
    if report.error or not manifest_path.exists():
        return []
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    translator = ProjectTranslator(project)
    events: list[AssetEvent] = []
    for node in report.nodes:
        props = manifest.get("nodes", {}).get(node.unique_id)
        if props is None:
            continue
        if node.resource_type in RELATIONS and node.status == "success" and not _ephemeral(props):
            events.append(_materialization(manifest, translator, node, report.row_counts.get(node.name)))
        elif node.resource_type == "test":
            check = get_asset_check_key_for_test(manifest, translator, node.unique_id, None)
            if check is not None:
                events.append(dg.AssetCheckEvaluation(
                    asset_key=check.asset_key, check_name=check.name, passed=node.status == "pass",
                    severity=dg.AssetCheckSeverity.WARN if node.status == "warn" else dg.AssetCheckSeverity.ERROR,
                    metadata={"status": node.status, "message": node.message or "",
                              "unique_id": node.unique_id}))
    return events


def _ephemeral(props: Mapping[str, Any]) -> bool:
    return props.get("config", {}).get("materialized") == "ephemeral"


def _materialization(manifest: Mapping[str, Any], translator: ProjectTranslator, node, rows: int | None
                     ) -> dg.AssetMaterialization:
    metadata: dict[str, Any] = {"status": node.status, "unique_id": node.unique_id,
                                "execution_duration": node.execution_time}
    if rows is not None:
        metadata["dagster/row_count"] = rows
    key = translator.get_asset_spec(manifest, node.unique_id, None).key
    return dg.AssetMaterialization(asset_key=key, metadata=metadata)


def raw_table_events(project: str, catalog: Catalog, load: LoadReport) -> list[dg.AssetMaterialization]:
    """A materialization per raw table source_tables loaded, on the key its dbt source has."""
    by_source = {table.source: table for table in catalog.of_kind("table")}
    events = []
    for loaded in load.tables:
        table = by_source.get(loaded.source)
        if table is None or loaded.error:
            continue
        metadata: dict[str, Any] = {"dagster/row_count": loaded.rows, "relation": loaded.relation,
                                    "source": loaded.source}
        if loaded.incomplete:
            metadata["incomplete"] = loaded.incomplete
        events.append(dg.AssetMaterialization(
            asset_key=raw_table_key(project, fold_identifier(table.schema), fold_identifier(table.name)),
            description=table.description, metadata=metadata))
    return events

