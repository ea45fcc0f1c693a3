"""Concurrency pools: which step is in which pool, the limits the CLI gives them on a real instance
(without overriding an operator's), and the instance configuration Dagster reads for them."""

from __future__ import annotations

import importlib.util
import json
import sys

import dagster as dg
import yaml

from migrator_pipeline.defs.assets import MIGRATION_ASSETS
from migrator_pipeline.defs.dbt_models import project_dbt_assets, rows_match_checks
from migrator_pipeline.defs.pools import LLM_POOL, POOL_LIMITS, SOURCE_POOL, WAREHOUSE_POOL, set_pool_limits
from migrator_pipeline.evaluation.data_match import DataValidation
from migrator_pipeline.evaluation.row_comparison import DataMatch
from migrator_pipeline.project_files import DATA_VALIDATION, ProjectFiles
from migrator_pipeline.settings import REPO_ROOT


def _bench_definitions_load():
    spec = importlib.util.spec_from_file_location("bench_definitions_load",
                                                  REPO_ROOT / "benchmarks" / "bench_definitions_load.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_each_step_is_in_the_pool_of_the_resource_it_loads():
    pools = {step.key.to_user_string(): step.op.pool for step in MIGRATION_ASSETS}
    assert pools == {
        "source_catalog": SOURCE_POOL,  # reads the SQL Server
        "source_tables": WAREHOUSE_POOL,  # COPY into the raw schema
        "assessment": None, "migration_plan": None,  # files only
        "draft_models": LLM_POOL,
        "test_report": WAREHOUSE_POOL,  # dbt build and the row comparisons
        "repaired_models": LLM_POOL,
        "evaluation": None,
    }


def test_a_projects_dbt_models_and_row_checks_are_in_the_warehouse_pool(tmp_path, monkeypatch):
    monkeypatch.setenv("MIGRATOR_HOME", str(tmp_path / "home"))
    manifest = _bench_definitions_load().generate_dbt_project(tmp_path / "dbt", models=2)  # a real dbt parse
    models = project_dbt_assets("pooled", manifest.parents[1], json.loads(manifest.read_text()))
    assert models.op.pool == WAREHOUSE_POOL
    files = ProjectFiles("pooled")
    files.root.mkdir(parents=True)
    match = DataMatch(source="dbo.Customers", model="model_000", relation="pooled.model_000", origin="expected",
                      matched=True, expected_rows=1, actual_rows=1)
    files.save(DATA_VALIDATION, DataValidation([], [match], [], {}).save)
    assert rows_match_checks("pooled").node_def.pool == WAREHOUSE_POOL


def test_the_cli_sets_each_pools_limit_but_keeps_an_operators(tmp_path):
    with dg.instance_for_test(temp_dir=str(tmp_path)) as instance:
        assert set_pool_limits(instance) == POOL_LIMITS
        instance.event_log_storage.set_concurrency_slots(LLM_POOL, 3)  # `dagster instance concurrency set`
        assert set_pool_limits(instance) == {}
        limits = {pool.name: pool.limit for pool in instance.event_log_storage.get_pool_limits()}
        assert limits == {**POOL_LIMITS, LLM_POOL: 3}


def test_a_limit_from_the_instance_default_is_replaced_by_the_pools_own(tmp_path):
    concurrency = {"pools": {"default_limit": 5}}
    with dg.instance_for_test(temp_dir=str(tmp_path), overrides={"concurrency": concurrency}) as instance:
        instance.event_log_storage.initialize_concurrency_limit_to_default(WAREHOUSE_POOL)  # a step claimed first
        set_pool_limits(instance)
        limits = {pool.name: pool.limit for pool in instance.event_log_storage.get_pool_limits()}
        assert limits == POOL_LIMITS


def test_dagster_reads_the_pools_configuration_of_deploy_dagster_yaml(tmp_path):
    concurrency = yaml.safe_load((REPO_ROOT / "deploy" / "dagster.yaml").read_text())["concurrency"]
    with dg.instance_for_test(temp_dir=str(tmp_path), overrides={"concurrency": concurrency}) as instance:
        config = instance.get_concurrency_config()
        assert config.pool_config.pool_granularity.value == "op"  # a step waits for its slot, not the run
        assert config.pool_config.default_pool_limit == 2
        assert config.run_queue_config.max_concurrent_runs == 2


def test_a_killed_cli_runs_pool_slot_is_freed_with_the_run(tmp_path):
    """No daemon frees the slots of a run that ran in-process: the next `migrator migrate` of the
    project fails the orphaned run and frees them, or its own step would wait for ever."""
    from migrator_pipeline.cli import LAUNCHED_BY_CLI, fail_orphaned_runs

    with dg.instance_for_test(temp_dir=str(tmp_path)) as instance:
        set_pool_limits(instance)
        orphan = instance.add_run(dg.DagsterRun(job_name="migrate_project", status=dg.DagsterRunStatus.STARTED,
                                                tags={"dagster/partition": "killed", LAUNCHED_BY_CLI[0]: LAUNCHED_BY_CLI[1]}))
        claim = instance.event_log_storage.claim_concurrency_slot(LLM_POOL, orphan.run_id, "draft_models")
        assert claim.is_claimed
        assert instance.event_log_storage.get_concurrency_info(LLM_POOL).active_slot_count == 1
        fail_orphaned_runs(instance, "killed")
        assert instance.event_log_storage.get_concurrency_info(LLM_POOL).active_slot_count == 0
