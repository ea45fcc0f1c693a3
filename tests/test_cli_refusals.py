"""What `migrator migrate` refuses, with exit status 2 and one line, before or instead of running:
project names that would take schemas it does not own, unusable sources, a second run of a
project. Each refusal leaves the warehouse as it was."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest

from migrator_pipeline.project_files import BUNDLED_EXAMPLE
from migrator_pipeline.warehouse.connection import connect
from migrator_pipeline.warehouse.project_lock import project_lock
from migrator_pipeline.warehouse.schemas import reset_schema

MIGRATOR = os.path.join(os.path.dirname(sys.executable), "migrator")


def _migrate(source: str, project: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("MIGRATOR_DAGSTER_STORAGE_URL", "DAGSTER_HOME")}
    return subprocess.run([MIGRATOR, "migrate", source, "--project", project], env=env,
                          capture_output=True, text=True, timeout=600)


def _refused(result: subprocess.CompletedProcess) -> str:
    """The one line of a refusal that came before anything ran."""
    assert result.returncode == 2, result.stderr[-3000:]
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr[-3000:]
    return lines[0]


def _rows(url: str, query: str) -> list[tuple]:
    with connect(url) as conn, conn.cursor() as cur:
        cur.execute(query)
        rows = cur.fetchall() if cur.description else []
        conn.commit()
        return rows


def test_project_public_is_refused_and_public_keeps_its_tables(migrator_home, warehouse_url):
    _rows(warehouse_url, "create table if not exists public.customers_of_the_user (id int);"
                         "insert into public.customers_of_the_user values (1)")
    assert _refused(_migrate(str(BUNDLED_EXAMPLE), "public")) == (
        "migrator: error: project name 'public' would use schema public, which is PostgreSQL's or migrator's own")
    assert _rows(warehouse_url, "select id from public.customers_of_the_user") == [(1,)]
    assert not (migrator_home / "projects" / "public").exists()


def test_another_projects_raw_schema_is_refused(migrator_home, warehouse_url):
    reset_schema(warehouse_url, "shop_raw")
    reset_schema(warehouse_url, "shop", "shop")
    _rows(warehouse_url, "create table shop_raw.dbo__orders (id int); insert into shop_raw.dbo__orders values (7);"
                         "create view shop.orders as select * from shop_raw.dbo__orders")
    assert _refused(_migrate(str(BUNDLED_EXAMPLE), "shop_raw")) == (
        "migrator: error: project name 'shop_raw' would use schema shop_raw, which belongs to project 'shop'")
    assert _rows(warehouse_url, "select id from shop.orders") == [(7,)]


def test_a_foreign_schema_on_the_warehouse_is_refused(migrator_home, warehouse_url):
    _rows(warehouse_url, "create schema if not exists payroll; create table if not exists payroll.salaries (id int);"
                         "insert into payroll.salaries values (3)")
    assert _refused(_migrate(str(BUNDLED_EXAMPLE), "payroll")) == (
        "migrator: error: project name 'payroll' would use schema payroll, which exists and was not "
        "created by migrator; choose another project name")
    assert _rows(warehouse_url, "select id from payroll.salaries") == [(3,)]


def test_a_second_run_of_a_running_project_exits_2(migrator_home, warehouse_url):
    with project_lock(warehouse_url, "busy"):  # as a running `migrator migrate --project busy` holds it
        assert _refused(_migrate(str(BUNDLED_EXAMPLE), "busy")) == (
            "migrator: error: project 'busy' is already being migrated by another run; wait for it to finish")
    assert not (migrator_home / "projects" / "busy").exists()


def test_an_unreachable_server_exits_2_with_one_line(migrator_home):
    line = _refused(_migrate("mssql://etl@127.0.0.1:1/SalesDW?driver=ODBC+Driver+18+for+SQL+Server", "unreachable"))
    assert line.startswith("migrator: error: ")


@pytest.mark.slow
@pytest.mark.parametrize("make_source, message", [
    (lambda tmp: (tmp / "empty.sql").write_text("-- nothing here\n") and tmp,
     r"migrator: error: unusable source: no SQL Server objects found in "),
    (lambda tmp: (tmp / "broken.dacpac").write_bytes(b"PK\x03\x04 not really a zip") and tmp / "broken.dacpac",
     r"migrator: error: (unusable source: )?.*broken\.dacpac: not a \.dacpac"),
])
def test_an_empty_or_corrupt_source_exits_2(migrator_home, tmp_path, make_source, message):
    result = _migrate(str(make_source(tmp_path)), "unusable")
    assert result.returncode == 2, result.stderr[-3000:]
    errors = [line for line in result.stderr.splitlines() if line.startswith("migrator: error:")]
    assert len(errors) == 1 and re.match(message, errors[0]), result.stderr[-3000:]
    assert result.stderr.strip().splitlines()[-1] == errors[0]


def test_dagster_queues_a_second_run_of_the_same_project(migrator_home):
    from dagster import DagsterRun
    from dagster._utils.tags import TagConcurrencyLimitsCounter

    from migrator_pipeline.cli import prepare_instance

    # what the daemon dequeues by: the instance's concurrency config (deploy/dagster.yaml `concurrency: runs:`)
    limits = prepare_instance().get_concurrency_config().run_queue_config.tag_concurrency_limits
    running = DagsterRun(job_name="migrate_project", tags={"dagster/partition": "alpha"})
    counter = TagConcurrencyLimitsCounter(limits, [running])
    assert counter.is_blocked(DagsterRun(job_name="migrate_project", tags={"dagster/partition": "alpha"}))
    assert not counter.is_blocked(DagsterRun(job_name="migrate_project", tags={"dagster/partition": "beta"}))


def test_cli_tagged_orphans_are_failed_and_dagster_launched_runs_refuse(migrator_home):
    from dagster import DagsterRun, DagsterRunStatus

    from migrator_pipeline.cli import LAUNCHED_BY_CLI, UsageError, fail_orphaned_runs, prepare_instance

    instance = prepare_instance()
    orphan = instance.add_run(DagsterRun(job_name="migrate_project", status=DagsterRunStatus.STARTED,
                                         tags={"dagster/partition": "orphaned", LAUNCHED_BY_CLI[0]: LAUNCHED_BY_CLI[1]}))
    fail_orphaned_runs(instance, "orphaned")
    assert instance.get_run_by_id(orphan.run_id).status == DagsterRunStatus.FAILURE
    launched = instance.add_run(DagsterRun(job_name="migrate_project", status=DagsterRunStatus.STARTED,
                                           tags={"dagster/partition": "launched_by_dagster"}))
    with pytest.raises(UsageError, match=f"being migrated by Dagster run {launched.run_id}"):
        fail_orphaned_runs(instance, "launched_by_dagster")
    assert instance.get_run_by_id(launched.run_id).status == DagsterRunStatus.STARTED
    instance.report_run_failed(launched)  # a run left in progress would hold the project's queue


def test_env_for_a_project_logs_dbt_in_as_its_role(migrator_home, capsys):
    from migrator_pipeline.cli import main

    assert main(["env", "--project", "demo"]) == 0
    assert "export MIGRATOR_PG_USER=migrator_dbt_demo" in capsys.readouterr().out.splitlines()
    assert main(["env", "--project", "../x"]) == 2
