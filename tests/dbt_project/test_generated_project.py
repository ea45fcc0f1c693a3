"""The generated project as a dbt engineer takes it over: its own linter agrees with its SQL,
`dbt docs generate` succeeds, and the layout and YAML are where dbt users look."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
import yaml

from migrator_pipeline.agents.executor import draft_models
from migrator_pipeline.catalog.scripts import read_catalog
from migrator_pipeline.dbt_project.writer import write_dbt_project
from migrator_pipeline.planning.planner import plan_migration
from migrator_pipeline.settings import REPO_ROOT
from migrator_pipeline.warehouse.connection import dbt_connection_env

EXAMPLES = REPO_ROOT / "examples"
BIN = Path(sys.executable).parent


def _write_project(estate: Path, dbt_dir: Path, project: str = "p"):
    catalog = read_catalog(estate)
    plan = plan_migration(catalog, project)
    write_dbt_project(dbt_dir, plan, draft_models(plan, catalog), catalog)
    return plan


def _lint(dbt_dir: Path) -> dict[str, set[str]]:
    """sqlfluff's violations, by file, with the project's own `.sqlfluff`."""
    result = subprocess.run([str(BIN / "sqlfluff"), "lint", "models", "snapshots", "analyses", "--format", "json",
                             "--nocolor", "--disable-progress-bar"],
                            cwd=dbt_dir, capture_output=True, text=True, timeout=600)
    assert result.stdout, result.stderr[-2000:]
    return {file["filepath"]: {v["code"] for v in file["violations"]}
            for file in json.loads(result.stdout) if file["violations"]}


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory) -> Path:
    dbt_dir = tmp_path_factory.mktemp("demo") / "dbt"
    _write_project(EXAMPLES / "sales_dw", dbt_dir, "demo")
    return dbt_dir


def test_the_demo_project_passes_its_own_sqlfluff_config(demo_dir):
    assert (demo_dir / ".sqlfluff").exists()
    assert _lint(demo_dir) == {}


@pytest.mark.slow
def test_the_trap_project_passes_its_own_sqlfluff_config(tmp_path):
    # `left join lateral (...)`, `values` rows, `string_agg(... order by ...)` and STUFF, the
    # constructs where sqlfluff's postgres grammar once disagreed with the formatter, included
    _write_project(EXAMPLES / "trap_estate", tmp_path)
    assert _lint(tmp_path) == {}


def test_staging_sits_in_a_folder_per_source_with_its_yaml(demo_dir):
    staging = demo_dir / "models" / "staging"
    assert sorted(p.name for p in staging.iterdir()) == ["dbo", "dw"]
    assert sorted(p.name for p in (staging / "dw").iterdir()) == [
        "_dw__models.yml", "_dw__sources.yml", "stg_dw__etllog.sql"]
    [source] = yaml.safe_load((staging / "dbo" / "_dbo__sources.yml").read_text())["sources"]
    assert source["name"] == "dbo" and "customers" in [t["name"] for t in source["tables"]]
    models = {m["name"]: m for m in yaml.safe_load((staging / "dbo" / "_dbo__models.yml").read_text())["models"]}
    customers = {c["name"]: c for c in models["stg_dbo__customers"]["columns"]}
    # staging models carry the key and not-null tests their source does
    assert customers["customerid"]["data_tests"] == ["unique", "not_null"]
    assert customers["lastname"]["data_tests"] == ["not_null"]
    assert customers["firstname"] == {"name": "firstname", "description": "SQL Server `FirstName` nvarchar(50).",
                                      "data_type": "varchar(50)"}


def test_every_model_has_columns_and_says_where_it_came_from(demo_dir):
    documents = [yaml.safe_load(p.read_text()) for p in (demo_dir / "models").rglob("_*__models.yml")]
    models = {m["name"]: m for d in documents for m in d["models"]}
    assert len(models) == 24
    assert all(m.get("columns") for m in models.values())
    assert models["factsales"]["description"] == (
        "Loads dw.FactSales, as the procedure dw.usp_LoadFactSales did in SQL Server. From the procedure "
        "dw.usp_LoadFactSales in SQL Server; planner rule: TRUNCATE (or SELECT INTO) then INSERT ... SELECT is a "
        "table model; drafted by the rules (sqlglot and the semantic rewrites).")
    directory = models["vw_customerdirectory"]
    assert "planner rule: a view is a view model" in directory["description"]
    assert directory["columns"][1] == {"name": "fullname",
                                       "description": "SQL Server output `FullName` of dbo.vw_CustomerDirectory."}


@pytest.mark.slow
def test_dbt_docs_generate_succeeds_on_the_demo_project(demo_dir, warehouse_url):
    project = f"d{uuid.uuid4().hex[:8]}"
    text = (demo_dir / "dbt_project.yml").read_text().replace("'demo'", f"'{project}'").replace("demo:", f"{project}:")
    (demo_dir / "dbt_project.yml").write_text(text)
    env = {**os.environ, **dbt_connection_env(warehouse_url)}
    result = subprocess.run([str(BIN / "dbt"), "--no-use-colors", "docs", "generate", "--profiles-dir", "."],
                            cwd=demo_dir, env=env, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout[-3000:]
    assert (demo_dir / "target" / "index.html").exists() and (demo_dir / "target" / "catalog.json").exists()
    manifest = json.loads((demo_dir / "target" / "manifest.json").read_text())
    described = [n["description"] for n in manifest["nodes"].values() if n["resource_type"] == "model"]
    assert len(described) == 24 and all("planner rule:" in d for d in described)
    assert manifest["macros"]["macro.demo.fn_netamount".replace("demo", project)]["description"] == (
        "Migrated from the scalar function dbo.fn_netamount in SQL Server; drafted by the rules (sqlglot and the "
        "semantic rewrites).")
