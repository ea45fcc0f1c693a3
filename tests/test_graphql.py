"""`migrator submit`, `status` and `runs` against a real `migrator dev` (webserver and daemon) on
loopback, and the inbox sensor's run through the daemon. Every wait is bounded; the fixture stops
the processes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request

import pytest
from dagster_graphql import DagsterGraphQLClient
from test_webserver import _free_port

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


@pytest.fixture
def dagster_dev(migrator_home, warehouse_url, tmp_path):
    """`migrator dev` (webserver and daemon) on a free loopback port, its output in a file; as
    test_webserver's fixture, with a bound for a loaded machine."""
    port = _free_port()
    log = open(tmp_path / "dev.log", "w")
    process = subprocess.Popen([MIGRATOR, "dev", "-p", str(port), "-h", "127.0.0.1"], stdout=log,
                               stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 300
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/server_info", timeout=5)
                break
            except OSError:
                assert process.poll() is None, (tmp_path / "dev.log").read_text()[-3000:]
                assert time.monotonic() < deadline, "migrator dev did not come up within 300 s"
                time.sleep(1)
        yield DagsterGraphQLClient("127.0.0.1", port_number=port)
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
        log.close()


def _migrator(*args: str) -> subprocess.CompletedProcess:
    result = subprocess.run([MIGRATOR, *args], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    return result


def _url(client) -> str:
    return client._url.removesuffix("/graphql")


@needs_source_config
def test_submit_then_status_and_runs(dagster_dev, tmp_path):
    (tmp_path / "tiny").mkdir()
    (tmp_path / "tiny" / "estate.sql").write_text(TINY_ESTATE)
    url = _url(dagster_dev)
    run_id = _migrator("submit", str(tmp_path / "tiny"), "--project", "submitted", "--url", url).stdout.strip()
    assert len(run_id) == 36, run_id
    deadline = time.monotonic() + 400
    while (status := dagster_dev.get_run_status(run_id).value) not in FINISHED:
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
def test_a_project_dropped_into_the_inbox_is_migrated_by_the_sensor(dagster_dev, migrator_home):
    from dagster import DagsterRunStatus, RunsFilter

    from migrator_pipeline.cli import prepare_instance

    inbox = migrator_home / "inbox"
    inbox.mkdir(exist_ok=True)
    (inbox / "Dropped Estate.sql").write_text(TINY_ESTATE)
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
