"""After a migration, the generated models and raw tables carry what it proved: on a real Dagster
instance's event log, a materialization (with rows) per built model and raw table, and a check
evaluation per dbt test and per comparison of a model's rows with SQL Server's."""

from __future__ import annotations

import importlib

import dagster as dg
import pytest

from migrator_pipeline.defs.assets import MIGRATION_ASSETS
from migrator_pipeline.defs.dbt_models import ROWS_MATCH_CHECK
from migrator_pipeline.defs.environment import migrator_resources
from migrator_pipeline.project_files import FINAL_REPORT, ProjectFiles
from migrator_pipeline.dbt_project.results import BuildReport
from test_source_config import source_config, tiny_estate

pytestmark = pytest.mark.slow
PROJECT = "ui_events"


@pytest.fixture(scope="module")
def migrated(migrator_home, warehouse_url, tmp_path_factory):
    source = tiny_estate(tmp_path_factory.mktemp("ui_events") / "tiny")
    instance = dg.DagsterInstance.ephemeral()
    instance.add_dynamic_partitions("migration_projects", [PROJECT])
    result = dg.materialize(MIGRATION_ASSETS, partition_key=PROJECT, instance=instance,
                            resources=migrator_resources(), run_config=source_config(source))
    assert result.success
    return instance, BuildReport.load(ProjectFiles(PROJECT).path(FINAL_REPORT))


def _latest(instance: dg.DagsterInstance, key: dg.AssetKey) -> dg.AssetMaterialization:
    record = instance.get_latest_materialization_event(key)
    assert record is not None, f"no materialization of {key.to_user_string()}"
    return record.asset_materialization


def _check_evaluations(instance: dg.DagsterInstance) -> dict[tuple[str, str], dg.AssetCheckEvaluation]:
    records = instance.get_records_for_run(
        run_id=instance.get_runs()[0].run_id,
        of_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION).records
    return {(r.event_log_entry.dagster_event.event_specific_data.asset_key.to_user_string(),
             r.event_log_entry.dagster_event.event_specific_data.check_name):
            r.event_log_entry.dagster_event.event_specific_data for r in records}


def test_every_built_model_has_a_materialization_with_its_rows(migrated):
    instance, report = migrated
    built = [n for n in report.nodes if n.resource_type == "model" and n.status == "success"]
    assert {n.name for n in built} >= {"stg_dbo__customers", "customernames"}
    for node in built:
        materialization = _latest(instance, dg.AssetKey([PROJECT, node.name]))
        assert materialization.metadata["dagster/row_count"].value == report.row_counts[node.name] == 2


def test_every_dbt_test_has_a_passed_check_evaluation(migrated):
    instance, report = migrated
    tests = [n for n in report.nodes if n.resource_type == "test"]
    assert tests and all(n.status == "pass" for n in tests)
    evaluations = _check_evaluations(instance)
    dbt_checks = {key: e for key, e in evaluations.items() if key[1] != ROWS_MATCH_CHECK}
    assert sorted(name for _, name in dbt_checks) == sorted(n.name for n in tests)
    assert all(e.passed for e in dbt_checks.values())


def test_the_rows_compared_with_sql_server_are_a_passed_check_on_the_model(migrated):
    instance, _ = migrated
    evaluation = _check_evaluations(instance)[(f"{PROJECT}/customernames", ROWS_MATCH_CHECK)]
    assert evaluation.passed
    assert evaluation.metadata["expected_rows"].value == evaluation.metadata["actual_rows"].value == 2


def test_the_raw_tables_are_materialized_by_source_tables_with_rows(migrated):
    instance, _ = migrated
    materialization = _latest(instance, dg.AssetKey([PROJECT, "raw", "dbo", "customers"]))
    assert materialization.metadata["dagster/row_count"].value == 2
    assert materialization.description == "People who buy"


def test_the_definitions_give_raw_tables_and_models_lineage_owners_kinds_and_descriptions(migrated):
    from migrator_pipeline import definitions

    graph = importlib.reload(definitions).defs.resolve_asset_graph()
    raw = graph.get(dg.AssetKey([PROJECT, "raw", "dbo", "customers"]))
    assert raw.parent_keys == {dg.AssetKey("source_tables")}
    assert raw.description == "People who buy"
    assert {"sqlserver", "postgres"} <= set(raw.kinds)
    staging = graph.get(dg.AssetKey([PROJECT, "stg_dbo__customers"]))
    assert staging.parent_keys == {raw.key}
    assert graph.get(dg.AssetKey([PROJECT, "customernames"])).parent_keys == {staging.key}
    for node in (raw, staging):
        assert node.owners == ["team:data-platform"]
        assert node.group_name == f"{PROJECT}_dbt"
    assert {"dbt", "postgres"} <= set(staging.kinds)
    assert dg.AssetCheckKey(dg.AssetKey([PROJECT, "customernames"]), ROWS_MATCH_CHECK) in graph.asset_check_keys


def test_the_rows_check_is_declared_on_the_model_and_compares_again_when_run(migrated):
    from migrator_pipeline.defs.dbt_models import rows_match_checks

    checks = rows_match_checks(PROJECT)
    key = dg.AssetCheckKey(dg.AssetKey([PROJECT, "customernames"]), ROWS_MATCH_CHECK)
    assert set(checks.check_keys) == {key}
    result = dg.materialize([checks], selection=dg.AssetSelection.all_asset_checks(),
                            resources=migrator_resources(), instance=dg.DagsterInstance.ephemeral())
    [evaluation] = result.get_asset_check_evaluations()
    assert (evaluation.asset_check_key, evaluation.passed) == (key, True)
