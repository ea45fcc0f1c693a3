"""Which resources a deployment runs with, decided in defs/environment.py, and resources that leave
the process environment as they found it."""

import os

import dagster as dg

from migrator_pipeline.defs.environment import migrator_resources
from migrator_pipeline.warehouse.connection import dbt_connection_environment


def test_local_runs_on_the_embedded_warehouse_without_claude(monkeypatch):
    for name in ("MIGRATOR_WAREHOUSE_URL", "MIGRATOR_LLM_ENABLED", "ANTHROPIC_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    resources = migrator_resources()
    assert resources["warehouse"].url == ""
    assert resources["llm"].enabled is False and resources["llm"].client() is None


def test_production_takes_its_warehouse_and_claude_as_env_vars(monkeypatch):
    monkeypatch.setenv("MIGRATOR_WAREHOUSE_URL", "postgresql://etl@db.example/dw")
    monkeypatch.setenv("MIGRATOR_LLM_ENABLED", "1")
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-secret")
    resources = migrator_resources()
    assert resources["warehouse"].url == dg.EnvVar("MIGRATOR_WAREHOUSE_URL")
    assert resources["llm"].enabled is True and resources["llm"].api_key == dg.EnvVar("ANTHROPIC_API_KEY")
    assert "postgresql://etl@db.example/dw" not in repr(resources) and "sk-ant-secret" not in repr(resources)


def test_claude_stays_off_unless_switched_on(monkeypatch):
    monkeypatch.setenv("MIGRATOR_LLM_ENABLED", "no")
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-secret")
    assert migrator_resources()["llm"].client() is None


def test_the_dbt_connection_is_in_the_environment_for_one_invocation_only(monkeypatch):
    monkeypatch.delenv("MIGRATOR_PG_HOST", raising=False)
    monkeypatch.setenv("MIGRATOR_PG_USER", "someone_else")
    before = dict(os.environ)
    with dbt_connection_environment("postgresql://admin@db.example:6543/dw", project="sales"):
        assert os.environ["MIGRATOR_PG_HOST"] == "db.example"
        assert os.environ["MIGRATOR_PG_USER"] == "migrator_dbt_sales"
    assert dict(os.environ) == before


def test_the_dbt_beside_this_python_is_not_asked_its_version(tmp_path, monkeypatch):
    """`dbt --version` imports dbt in a process of its own: for the dbt installed with this
    Python its version is the dbt-core package's, known without asking."""
    import sys
    from pathlib import Path

    import dagster_dbt.core.resource
    from dagster_dbt.core.resource import DBT_PYTHON_VERSION

    from migrator_pipeline.defs.resources import dbt_cli

    monkeypatch.setenv("PATH", str(Path(sys.executable).parent) + os.pathsep + os.environ.get("PATH", ""))

    def refuse(*args, **kwargs):
        raise AssertionError(f"dbt was asked its version: {args}")

    (tmp_path / "dbt_project.yml").write_text("name: p\nversion: '1'\nprofile: p\n")
    (tmp_path / "profiles.yml").write_text("p: {}\n")
    monkeypatch.setattr(dagster_dbt.core.resource, "check_output", refuse)
    assert dbt_cli(tmp_path)._cli_version == DBT_PYTHON_VERSION
