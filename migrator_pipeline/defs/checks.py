"""What the migration proved, reported against the generated models' and raw tables' asset keys.

The tester's and rebuilder's `dbt build` run inside their steps (they decide what to disable and
repair), not through the project's @dbt_assets, whose definition exists only after the first
manifest. So their results are reported from the build's own record as events on the dbt assets'
keys, the ones the project's @dbt_assets definition has (dbt_models.ProjectTranslator): a
materialization per built model with its rows, a check evaluation per dbt test, and one per model
whose rows were compared with SQL Server's. The UI shows them on the models after a reload.
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
from migrator_pipeline.defs.resources import WarehouseResource
from migrator_pipeline.evaluation.data_match import DataValidation, revalidate
from migrator_pipeline.project_files import DATA_VALIDATION, ProjectFiles
from migrator_pipeline.tsql.identifiers import fold_identifier
from migrator_pipeline.warehouse.loading import LoadReport

AssetEvent = dg.AssetMaterialization | dg.AssetCheckEvaluation
ROWS_MATCH_CHECK = "rows_match_sql_server"


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

    @dg.multi_asset_check(specs=specs, name=f"{project}_rows_match_sql_server", can_subset=True)
    def compare_rows_again(context, warehouse: WarehouseResource):  # context: unannotated, as `from __future__ import annotations` hides its type from Dagster
        validation = revalidate(DataValidation.load(path), files.catalog(), files.plan(), warehouse.resolved_url())
        for event in data_validation_events(project, validation):
            key = dg.AssetCheckKey(event.asset_key, event.check_name)
            if key in context.selected_asset_check_keys:
                yield dg.AssetCheckResult(asset_key=event.asset_key, check_name=event.check_name,
                                          passed=event.passed, metadata=event.metadata)

    return compare_rows_again
