"""A project migrated while `migrator dev` runs shows its dbt models without a restart: the
migration's last step asks the recorded webserver to reload the code location. Checked against
the session's shared `migrator dev` (tests/conftest.py); a webserver that is gone never fails the
migration."""

from __future__ import annotations

import importlib.util
import shutil
import socket
import sys

import dagster as dg
import pytest
from dagster_graphql import DagsterGraphQLClient

from migrator_pipeline.defs.code_location import (
    Webserver, reload_after_migration, recorded_webserver, webserver_of_dev_args, webserver_recorded)
from migrator_pipeline.settings import REPO_ROOT

LOCATION = "migrator_pipeline.definitions"


def test_the_webserver_is_where_dagster_dev_listens():
    assert webserver_of_dev_args([], LOCATION) == Webserver("127.0.0.1", 3000, LOCATION)
    assert webserver_of_dev_args(["-p", "3111", "--host=0.0.0.0"], LOCATION) == Webserver("127.0.0.1", 3111, LOCATION)
    assert webserver_of_dev_args(["--host", "10.0.0.5", "--port=4000"], LOCATION) == Webserver("10.0.0.5", 4000, LOCATION)


def test_the_record_lasts_as_long_as_migrator_dev(tmp_path, monkeypatch):
    monkeypatch.setenv("MIGRATOR_HOME", str(tmp_path))
    assert recorded_webserver() is None
    with webserver_recorded(Webserver("127.0.0.1", 3111, LOCATION)) as path:
        assert path == tmp_path / "dagster" / "webserver.json"
        assert recorded_webserver() == Webserver("127.0.0.1", 3111, LOCATION)
    assert not path.exists() and recorded_webserver() is None


def test_the_migration_job_reloads_after_its_last_step(tmp_path, monkeypatch):
    from migrator_pipeline.definitions import build_definitions

    monkeypatch.setenv("MIGRATOR_HOME", str(tmp_path))
    assert reload_after_migration in build_definitions().resolve_job_def("migrate_project").hook_defs


@dg.asset
def evaluation() -> dg.MaterializeResult:  # stands for the migration's last step
    return dg.MaterializeResult(metadata={"passed": 1})


def _end_of_a_migration(project: str = "fresh") -> list[str]:
    """The last step, with the hook, in-process as `migrator migrate` runs it: the run's messages."""
    job = dg.Definitions(assets=[evaluation],
                         jobs=[dg.define_asset_job("migrate_project", hooks={reload_after_migration})]
                         ).resolve_job_def("migrate_project")
    instance = dg.DagsterInstance.ephemeral()
    result = job.execute_in_process(instance=instance, tags={"dagster/partition": project})
    assert result.success
    return [entry.user_message for entry in instance.all_logs(result.run_id)]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_a_webserver_that_is_gone_never_fails_the_migration(tmp_path, monkeypatch):
    monkeypatch.setenv("MIGRATOR_HOME", str(tmp_path))
    with webserver_recorded(Webserver("127.0.0.1", _free_port(), LOCATION)):  # nothing listens there
        messages = _end_of_a_migration()
    (line,) = [message for message in messages if message.startswith(("could not reload", "reloaded"))]
    assert line.startswith("could not reload the code location at 127.0.0.1:") and "onnection" in line, line
    assert "mutation" not in line  # the cause, not the client's query text


def _bench_definitions_load():
    spec = importlib.util.spec_from_file_location("bench_definitions_load",
                                                  REPO_ROOT / "benchmarks" / "bench_definitions_load.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def _has_asset(client: DagsterGraphQLClient, *path: str) -> bool:
    found = client._execute("query Asset($key: AssetKeyInput!) { assetNodeOrError(assetKey: $key) { __typename } }",
                            {"key": {"path": list(path)}})
    return found["assetNodeOrError"]["__typename"] == "AssetNode"


@pytest.mark.slow
def test_a_new_projects_models_appear_in_a_running_webserver_after_its_migration(dagster_dev, migrator_home, tmp_path):
    """`migrator dev`'s webserver (the session's shared one) serving the code location; a
    project's manifest appears as a migration writes it; its last step reloads."""
    project = "reloaded"  # of this test alone: the other tests on `migrator dev` use names of their own
    manifest = _bench_definitions_load().generate_dbt_project(tmp_path / "dbt", models=2)  # a real dbt parse
    assert recorded_webserver() == Webserver("127.0.0.1", dagster_dev.port, LOCATION)  # where `migrator dev` listens
    client = DagsterGraphQLClient("127.0.0.1", port_number=dagster_dev.port, timeout=300)
    assert _has_asset(client, "evaluation") and not _has_asset(client, project, "model_000")
    target = migrator_home / "projects" / project / "dbt"
    shutil.copytree(manifest.parents[1], target)  # what the tester writes
    try:
        assert not _has_asset(client, project, "model_000")  # loaded once: a new manifest alone shows nothing
        messages = _end_of_a_migration(project)
        assert any(message.startswith(f"reloaded code location {LOCATION}") for message in messages), messages
        assert _has_asset(client, project, "model_000") and _has_asset(client, project, "model_001")
        messages = _end_of_a_migration(project)  # the project again, no new model
        assert f"code location {LOCATION} shows the 2 models of {project} already" in messages, messages
    finally:
        shutil.rmtree(target.parent)
