"""`migrator submit`, `status` and `runs` against a real `migrator dev` (webserver and daemon) on
loopback: the session's shared `dagster_dev`, and the inbox sensor's run through its daemon. Every
wait is bounded; the fixture stops the processes."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest

pytestmark = pytest.mark.slow
MIGRATOR = os.path.join(os.path.dirname(sys.executable), "migrator")
TINY_ESTATE = """\
CREATE TABLE dbo.Customer (CustomerId int NOT NULL PRIMARY KEY, Name nvarchar(50) NOT NULL);
GO
CREATE VIEW dbo.CustomerNames AS SELECT CustomerId, UPPER(Name) AS Name FROM dbo.Customer;
GO
"""
FINISHED = ("SUCCESS", "FAILURE", "CANCELED")


def _source_in_run_config() -> bool:
    """Whether source_catalog takes its source as run config (the SOURCE CONTRACT, f-dagster-ui)."""
    import inspect

    from migrator_pipeline.defs.assets import source_catalog

    return "config" in inspect.signature(source_catalog.op.compute_fn.decorated_fn).parameters


needs_source_config = pytest.mark.skipif(not _source_in_run_config(),
                                         reason="source_catalog does not take its source as run config yet")


@pytest.fixture(scope="module", autouse=True)
def dropped_estate(migrator_home):
    """The inbox entry, dropped when the module starts: the sensor's two ticks (it waits until an
    entry holds still for 30 s) go by while the other test runs, not after it."""
    inbox = migrator_home / "inbox"
    inbox.mkdir(exist_ok=True)
    entry = inbox / "Dropped Estate.sql"
    entry.write_text(TINY_ESTATE)
    return entry


def _migrator(*args: str) -> subprocess.CompletedProcess:
    result = subprocess.run([MIGRATOR, *args], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    return result


@needs_source_config
def test_submit_then_status_and_runs(dagster_dev, tmp_path):
    (tmp_path / "tiny").mkdir()
    (tmp_path / "tiny" / "estate.sql").write_text(TINY_ESTATE)
    url, client = dagster_dev.url, dagster_dev.client
    run_id = _migrator("submit", str(tmp_path / "tiny"), "--project", "submitted", "--url", url).stdout.strip()
    assert len(run_id) == 36, run_id
    deadline = time.monotonic() + 400
    while (status := client.get_run_status(run_id).value) not in FINISHED:
        assert time.monotonic() < deadline, "the submitted run did not finish within 400 s"
        time.sleep(2)
    shown = _migrator("status", run_id, "--url", url).stdout.splitlines()
    assert status == "SUCCESS", shown
    assert shown[0].startswith(f"run {run_id}: migrate_project of project 'submitted': SUCCESS in ")
    assert {line.split()[0] for line in shown[1:-1]} >= {"source_catalog", "test_report", "evaluation"}
    assert all(" SUCCESS " in line for line in shown[1:-1]), shown
    assert shown[-1].startswith("evaluation: passed 2, failed 0"), shown
    listed = _migrator("runs", "--project", "submitted", "--url", url).stdout.splitlines()
    assert [line.split(":")[0] for line in listed] == [f"run {run_id}"]


@needs_source_config
def test_a_project_dropped_into_the_inbox_is_migrated_by_the_sensor(dagster_dev, migrator_home, dropped_estate):
    from dagster import DagsterRunStatus, RunsFilter

    from migrator_pipeline.cli import prepare_instance

    assert dropped_estate.parent == migrator_home / "inbox"
    instance = prepare_instance()  # the instance the daemon serves
    deadline = time.monotonic() + 500
    while True:  # two sensor ticks (the entry must hold still), then the run
        runs = instance.get_runs(RunsFilter(tags={"dagster/partition": "dropped_estate"}))
        if runs and runs[0].status.value in FINISHED:
            break
        assert time.monotonic() < deadline, f"no finished sensor run within 500 s: {runs}"
        time.sleep(3)
    [run] = runs
    assert run.tags["migrator/launched_by"] == "new_sources"
    assert run.status == DagsterRunStatus.SUCCESS
    assert (migrator_home / "projects" / "dropped_estate" / "evaluation.json").exists()
