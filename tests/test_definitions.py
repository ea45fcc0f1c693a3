import importlib
import os
import subprocess
import sys

import dagster as dg

from migrator_pipeline.settings import REPO_ROOT

BIN = os.path.dirname(sys.executable)


def _migrator_env() -> dict:
    """The environment `eval "$(migrator env)"` gives a shell."""
    result = subprocess.run([os.path.join(BIN, "migrator"), "env"], capture_output=True, text=True,
                            timeout=120, check=True)
    exports = dict(line.removeprefix("export ").split("=", 1) for line in result.stdout.splitlines())
    return {name: value.strip("'") for name, value in exports.items()}


def test_dagster_definitions_validate_with_the_migrator_environment(migrator_home):
    env = {**os.environ, **_migrator_env()}
    assert env["MIGRATOR_DAGSTER_STORAGE_URL"].startswith("postgresql+psycopg2://")
    result = subprocess.run([os.path.join(BIN, "dagster"), "definitions", "validate",
                             "-m", "migrator_pipeline.definitions"],
                            cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "Validation successful" in result.stdout + result.stderr


def test_the_six_steps_and_their_inputs_are_partitioned_assets_in_one_job(tmp_path, monkeypatch):
    # the definitions add each migrated project's dbt models, read from MIGRATOR_HOME when the module
    # loads: load them again under a home with no projects, neither the user's (after `migrator demo`)
    # nor the suite's (after the other tests migrated theirs)
    from migrator_pipeline import definitions

    monkeypatch.setenv("MIGRATOR_HOME", str(tmp_path))
    defs = importlib.reload(definitions).defs
    graph = defs.resolve_asset_graph()
    keys = {key.to_user_string() for key in graph.get_all_asset_keys()}
    # usage_report sums every project's steps, so it is the one asset outside the partitions
    assert keys == {"source_catalog", "source_tables", "assessment", "migration_plan", "draft_models",
                    "test_report", "repaired_models", "evaluation", "usage_report"}
    for key in graph.get_all_asset_keys() - {dg.AssetKey("usage_report")}:
        node = graph.get(key)
        assert isinstance(node.partitions_def, dg.DynamicPartitionsDefinition)
        assert node.partitions_def.name == "migration_projects"
        assert node.group_name == "migration"
        assert node.description and node.owners == ["team:data-platform"]
    kinds = {key.to_user_string(): set(graph.get(key).kinds) for key in graph.get_all_asset_keys()}
    assert kinds["source_catalog"] >= {"sqlserver"}
    assert kinds["source_tables"] >= {"sqlserver", "postgres"}
    assert kinds["draft_models"] >= {"dbt", "langgraph", "claude"}
    assert kinds["test_report"] >= {"dbt", "postgres"}
    assert kinds["repaired_models"] >= {"dbt", "langgraph", "claude"}
    job = defs.resolve_job_def("migrate_project")
    assert len(job.asset_layer.executable_asset_keys) == 8
    assert set(defs.resources) == {"warehouse", "dbt", "llm"}
