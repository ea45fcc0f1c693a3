"""The SOURCE CONTRACT: a run of `migrate_project` takes what to migrate as run config of
source_catalog, the way the launchpad and GraphQL give it. Real Dagster, in process."""

from __future__ import annotations

import dagster as dg
import pytest

from migrator_pipeline.catalog.sources import SourceSpec
from migrator_pipeline.defs.assets import source_catalog
from migrator_pipeline.project_files import ProjectFiles

TINY_ESTATE = """
CREATE TABLE dbo.Customers (CustomerID int NOT NULL PRIMARY KEY, Name nvarchar(40) NOT NULL);
GO
INSERT INTO dbo.Customers (CustomerID, Name) VALUES (1, N'Ada'), (2, N'Grace');
GO
CREATE VIEW dbo.CustomerNames AS SELECT CustomerID, UPPER(Name) AS Name FROM dbo.Customers;
GO
EXEC sys.sp_addextendedproperty @name = N'MS_Description', @value = N'People who buy',
    @level0type = N'SCHEMA', @level0name = N'dbo', @level1type = N'TABLE', @level1name = N'Customers'
GO
"""
# what SQL Server returns for the view: compared with the model's rows by the tester
CUSTOMER_NAMES = "CustomerID,Name\n1,ADA\n2,GRACE\n"


def tiny_estate(folder) -> str:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "estate.sql").write_text(TINY_ESTATE, encoding="utf-8")
    (folder / "expected").mkdir(exist_ok=True)
    (folder / "expected" / "dbo.CustomerNames.csv").write_text(CUSTOMER_NAMES, encoding="utf-8")
    return str(folder)


def source_config(source: str | None, **variables: str) -> dict:
    config = {} if source is None else {"source": source, "variables": variables}
    return {"ops": {"source_catalog": {"config": config}}}


def _materialize(project: str, run_config: dict) -> dg.ExecuteInProcessResult:
    instance = dg.DagsterInstance.ephemeral()
    instance.add_dynamic_partitions("migration_projects", [project])
    return dg.materialize([source_catalog], partition_key=project, instance=instance,
                          run_config=run_config, raise_on_error=False)


def _failure(result: dg.ExecuteInProcessResult) -> str:
    [failure] = [event for event in result.all_events if event.is_step_failure]
    return failure.step_failure_data.user_failure_data.description


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("MIGRATOR_HOME", str(tmp_path / "home"))
    return tmp_path


def test_a_source_in_run_config_is_read_and_registered_for_the_partition(home):
    source = tiny_estate(home / "tiny")
    result = _materialize("tiny", source_config(source, Env="dev"))
    assert result.success
    [materialization] = result.asset_materializations_for_node("source_catalog")
    assert materialization.metadata["tables"].value == 1
    assert materialization.metadata["views"].value == 1
    assert ProjectFiles("tiny").registered_source() == SourceSpec(source, {"Env": "dev"})
    assert ProjectFiles("tiny").path("catalog.json").exists()


def test_without_a_source_the_registered_one_is_read(home):
    source = tiny_estate(home / "tiny")
    ProjectFiles("again").register(SourceSpec(source))  # as `migrator migrate` does before its run
    result = _materialize("again", {})
    assert result.success
    [materialization] = result.asset_materializations_for_node("source_catalog")
    assert materialization.metadata["source"].value == source


def test_a_partition_with_no_source_is_refused_never_given_the_example(home):
    result = _materialize("empty", source_config(None))
    assert not result.success
    message = _failure(result)
    assert message.startswith("project 'empty' has no source: give one in the run config")
    assert "migrator migrate SOURCE --project empty" in message
    assert "\n" not in message
    assert not ProjectFiles("empty").path("catalog.json").exists()


@pytest.mark.parametrize("source, expected", [
    ("{home}/nowhere", "source not found: {home}/nowhere"),
    ("mssql://sa:secret@db.example/Sales",
     "put the password in the environment variable MIGRATOR_MSSQL_PASSWORD, not in the URL: mssql://sa@db.example/Sales"),
    ("Driver=x;Server=db;Database=Sales;PWD=secret",
     "put the password in the environment variable MIGRATOR_MSSQL_PASSWORD, not in the run config"),
])
def test_an_unusable_source_in_run_config_fails_with_one_line_and_registers_nothing(home, source, expected):
    result = _materialize("bad", source_config(source.format(home=home)))
    assert not result.success
    assert _failure(result) == expected.format(home=home)
    assert ProjectFiles("bad").registered_source() is None


def test_run_config_of_the_wrong_shape_is_refused_before_the_run():
    with pytest.raises(dg.DagsterInvalidConfigError, match="variables"):
        _materialize("shape", {"ops": {"source_catalog": {"config": {"source": "x", "variables": ["a"]}}}})


def test_the_identifier_policy_in_run_config_is_registered_with_the_source(home):
    source = tiny_estate(home / "tiny")
    config = {"ops": {"source_catalog": {"config": {"source": source, "identifiers": "snake_case"}}}}
    assert _materialize("snaky", config).success
    assert ProjectFiles("snaky").identifier_policy() == "snake_case"
    result = _materialize("odd", {"ops": {"source_catalog": {"config": {"source": source, "identifiers": "camel"}}}})
    assert _failure(result) == "unknown identifier policy 'camel': use one of lower, snake_case"
    assert ProjectFiles("odd").registered_source() is None
