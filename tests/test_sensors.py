"""The inbox sensor, the live-sources sensor and the nightly schedule, evaluated with Dagster's
build_sensor_context and build_schedule_context on an ephemeral instance."""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
from pathlib import Path

import dagster as dg
import pytest

from migrator_pipeline.defs.schedules import nightly_revalidation
from migrator_pipeline.defs.sensors import (
    INBOX_VARIABLE, MODIFIED_OBJECTS_QUERY, build_live_sources_sensor, new_sources, project_name_for)
from migrator_pipeline.project_files import ProjectFiles
from migrator_pipeline.catalog.sources import SourceSpec

sys.path.insert(0, str(Path(__file__).parent / "catalog"))
import mssql_fake  # noqa: E402  (the DB-API fake of SQL Server, beside the catalog tests)

ESTATE = "CREATE TABLE dbo.T (id int NOT NULL);\nGO\n"


@pytest.fixture
def inbox(tmp_path, monkeypatch) -> Path:
    folder = tmp_path / "inbox"
    folder.mkdir()
    monkeypatch.setenv(INBOX_VARIABLE, str(folder))
    return folder


def _tick(instance, cursor: str | None) -> dg.SensorResult:
    return new_sources(dg.build_sensor_context(instance=instance, cursor=cursor))


def _source(request: dg.RunRequest) -> str:
    return request.run_config["ops"]["source_catalog"]["config"]["source"]


@pytest.mark.parametrize("entry, project", [
    ("Sales DW", "sales_dw"), ("northwind.sql", "northwind"), ("WideWorld-Importers.dacpac", "wideworld_importers"),
    ("2024 estate", "p_2024_estate"), ("---", None), ("x" * 60 + ".sql", "x" * 40),
])
def test_an_entrys_project_name_follows_the_project_name_rules(entry, project):
    assert project_name_for(entry) == project


def test_a_new_source_waits_until_stable_then_adds_its_partition_and_one_run(inbox):
    instance = dg.DagsterInstance.ephemeral()
    (inbox / "Sales DW").mkdir()
    (inbox / "Sales DW" / "tables.sql").write_text(ESTATE)
    (inbox / "notes.txt").write_text("not a source")
    first = _tick(instance, None)
    assert first.run_requests == [] and first.dynamic_partitions_requests == []  # just seen: maybe still copying
    (inbox / "Sales DW" / "views.sql").write_text("CREATE VIEW dbo.V AS SELECT id FROM dbo.T;\nGO\n")
    second = _tick(instance, first.cursor)
    assert second.run_requests == []  # it changed since the last tick: still being written
    third = _tick(instance, second.cursor)
    [request] = third.run_requests
    assert request.partition_key == "sales_dw"
    assert _source(request) == str((inbox / "Sales DW").resolve())
    assert request.run_config["ops"]["source_catalog"]["config"]["variables"] == {}
    [add] = third.dynamic_partitions_requests
    assert add.partitions_def_name == "migration_projects" and list(add.partition_keys) == ["sales_dw"]
    assert _tick(instance, third.cursor).run_requests == []  # unchanged: nothing more


def test_a_changed_source_is_migrated_again_and_a_known_project_is_not_added_twice(inbox):
    instance = dg.DagsterInstance.ephemeral()
    script = inbox / "shop.sql"
    script.write_text(ESTATE)
    cursor = _tick(instance, None).cursor
    result = _tick(instance, cursor)
    [first] = result.run_requests
    instance.add_dynamic_partitions("migration_projects", ["shop"])  # as the SensorResult asked
    script.write_text(ESTATE + "CREATE VIEW dbo.V AS SELECT id FROM dbo.T;\nGO\n")
    os.utime(script, ns=(script.stat().st_atime_ns, script.stat().st_mtime_ns + 10**9))
    waiting = _tick(instance, result.cursor)
    assert waiting.run_requests == []
    [again] = _tick(instance, waiting.cursor).run_requests
    assert again.partition_key == "shop" and again.run_key != first.run_key
    assert _source(again) == str(script.resolve())
    assert _tick(instance, waiting.cursor).dynamic_partitions_requests == []


def test_an_empty_or_missing_inbox_requests_nothing(inbox, monkeypatch):
    instance = dg.DagsterInstance.ephemeral()
    assert _tick(instance, None).run_requests == []
    monkeypatch.setenv(INBOX_VARIABLE, str(inbox / "absent"))
    assert _tick(instance, None).run_requests == []


def test_the_inbox_defaults_to_the_migrator_home(tmp_path, monkeypatch):
    from migrator_pipeline.defs.sensors import inbox_folder

    monkeypatch.delenv(INBOX_VARIABLE, raising=False)
    monkeypatch.setenv("MIGRATOR_HOME", str(tmp_path))
    assert inbox_folder() == tmp_path / "inbox"


def test_the_live_sources_sensor_re_migrates_a_project_whose_objects_changed(tmp_path, monkeypatch):
    monkeypatch.setenv("MIGRATOR_HOME", str(tmp_path))
    instance = dg.DagsterInstance.ephemeral()
    instance.add_dynamic_partitions("migration_projects", ["sales", "scripts"])
    url = "mssql://etl@db1/SalesDW?driver=ODBC+Driver+18+for+SQL+Server"
    ProjectFiles("sales").register(SourceSpec(url))
    ProjectFiles("scripts").register(SourceSpec(str(tmp_path)))  # not live: never polled
    objects = [{"schema_name": "dbo", "name": "Customers", "type": "U ", "modify_date": dt.datetime(2026, 1, 1)},
               {"schema_name": "dbo", "name": "vCustomerOrders", "type": "V ", "modify_date": dt.datetime(2026, 1, 2)}]
    polled = []

    def connect(source):
        polled.append(source.display)
        connection = mssql_fake.connect()
        connection.catalog_rows[MODIFIED_OBJECTS_QUERY] = [dict(row) for row in objects]
        return connection

    sensor = build_live_sources_sensor(connect)
    assert sensor.default_status == dg.DefaultSensorStatus.STOPPED  # opt-in
    first = sensor(dg.build_sensor_context(instance=instance))
    assert first.run_requests == []  # the first poll records the state
    assert len(polled) == 1  # the project whose source is a folder is never polled
    assert sensor(dg.build_sensor_context(instance=instance, cursor=first.cursor)).run_requests == []
    objects[1]["modify_date"] = dt.datetime(2026, 3, 1)  # ALTER VIEW
    [request] = sensor(dg.build_sensor_context(instance=instance, cursor=first.cursor)).run_requests
    assert request.partition_key == "sales"
    assert request.run_config["ops"]["source_catalog"]["config"]["source"] == url


def test_a_live_server_that_cannot_be_reached_is_skipped(tmp_path, monkeypatch):
    monkeypatch.setenv("MIGRATOR_HOME", str(tmp_path))
    instance = dg.DagsterInstance.ephemeral()
    instance.add_dynamic_partitions("migration_projects", ["sales"])
    ProjectFiles("sales").register(SourceSpec("mssql://etl@db1/SalesDW"))

    def unreachable(_source):
        raise OSError("connection refused")

    result = build_live_sources_sensor(unreachable)(dg.build_sensor_context(instance=instance))
    assert result.run_requests == [] and json.loads(result.cursor) == {}


def test_the_nightly_schedule_revalidates_every_project():
    with dg.instance_for_test() as instance:  # a schedule's context needs an instance with a ref
        instance.add_dynamic_partitions("migration_projects", ["alpha", "beta"])
        night = dt.datetime(2026, 11, 30, 2, tzinfo=dt.timezone.utc)
        requests = nightly_revalidation(dg.build_schedule_context(instance=instance, scheduled_execution_time=night))
    assert [r.partition_key for r in requests] == ["alpha", "beta"]
    assert [r.run_key for r in requests] == ["alpha:2026-11-30", "beta:2026-11-30"]
    assert nightly_revalidation.job_name == "revalidate_project"
