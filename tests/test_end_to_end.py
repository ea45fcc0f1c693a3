"""The whole pipeline on the bundled example: real embedded PostgreSQL, real Dagster instance
(dagster-postgres), real dbt. Asserts on evaluation.json and on rows queried from built models."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from migrator_pipeline.cli import main
from migrator_pipeline.project_files import BUNDLED_EXAMPLE, ProjectFiles
from migrator_pipeline.warehouse.connection import connect, dbt_connection_env

pytestmark = pytest.mark.slow
CONTRACT_FIELDS = {"source", "kind", "status", "method", "attempts", "models", "reason", "evidence"}


@pytest.fixture(scope="module")
def demo(migrator_home, warehouse_url):
    assert main(["migrate", str(BUNDLED_EXAMPLE), "--project", "e2e"]) == 0
    files = ProjectFiles("e2e")
    return files, json.loads(files.path("evaluation.json").read_text())


def _by_source(evaluation):
    return {o["source"]: o for o in evaluation["objects"]}


def test_every_source_object_is_scored_with_the_contract_fields(demo):
    files, evaluation = demo
    catalog = json.loads(files.path("catalog.json").read_text())
    assert set(evaluation) >= {"project", "summary", "objects"}
    assert evaluation["project"] == "e2e"
    assert sorted(o["source"] for o in evaluation["objects"]) == sorted(
        f"{o['schema']}.{o['name']}" for o in catalog["objects"])
    for scored in evaluation["objects"]:
        assert CONTRACT_FIELDS <= set(scored)
        assert scored["status"] in ("passed", "failed", "needs_review", "skipped")
        assert scored["method"] in ("rules", "llm", "none")
        assert (scored["reason"] is None) == (scored["status"] == "passed")
        assert scored["evidence"] in (("rows_matched", "built_and_tested", "none") if scored["status"] == "passed"
                                      else ("none",))
    summary = evaluation["summary"]
    assert sum(summary["by_status"].values()) == len(evaluation["objects"])
    assert summary["llm"]["tokens"] == 0  # the LLM is off by default


def test_outputs_follow_the_contract(demo):
    files, _ = demo
    for name in ("assessment.json", "assessment.md", "evaluation.json", "evaluation.md"):
        assert (files.root / name).stat().st_size > 0
    assert (files.dbt_dir / "dbt_project.yml").exists()
    assert "env_var('MIGRATOR_PG_HOST')" in (files.dbt_dir / "profiles.yml").read_text()


def test_the_bundled_example_converts_mostly_by_rules(demo):
    _, evaluation = demo
    objects = _by_source(evaluation)
    assert objects["dbo.trg_Products_PriceAudit"]["status"] == "needs_review"
    assert objects["dbo.usp_RecalculateCreditLimits"]["status"] == "needs_review"
    assert objects["dbo.Customers"]["status"] == "passed"
    assert objects["dbo.vw_CustomerDirectory"]["status"] == "passed"
    assert objects["dbo.vw_CustomerDirectory"]["models"] == [
        {"name": "vw_customerdirectory", "relation": "e2e.vw_customerdirectory"}]
    # a macro builds no relation; the name mapping says what it became
    assert objects["dbo.fn_NetAmount"]["models"] == []
    assert objects["dbo.fn_NetAmount"]["names"]["model"] == "fn_netamount"
    assert objects["dbo.Customers"]["names"]["columns"]["CustomerID"] == "customerid"
    convertible = [o for o in evaluation["objects"] if o["status"] != "needs_review"]
    not_passed = {o["source"]: o["status"] for o in convertible if o["status"] != "passed"}
    # measured on 2026-11-30 (rules only, no LLM): every one of the 32 objects that does not need
    # review passes, but the schema dw, which builds nothing; 4 of the 36 objects need review
    assert not_passed == {"dw.dw": "skipped"}
    assert (len(convertible) - len(not_passed), len(convertible), len(evaluation["objects"])) == (31, 32, 36)


def test_built_models_hold_the_rows_sql_server_would_return(demo, warehouse_url):
    with connect(warehouse_url) as conn, conn.cursor() as cur:
        cur.execute("select count(*) from e2e_raw.dbo__orderlines")
        assert cur.fetchone() == (201,)
        # ISNULL(FirstName + ' ', '') + LastName, with the quote in O'Brien intact
        cur.execute("select customerid, fullname from e2e.vw_customerdirectory where customerid in (1, 2) "
                    "order by customerid")
        assert cur.fetchall() == [(1, "James O'Brien"), (2, "Mary Smith")]
        cur.execute("select count(*) from e2e.vw_customerdirectory")
        assert cur.fetchone() == (30,)


def test_generated_project_builds_on_its_own(demo, warehouse_url):
    files, _ = demo
    env = {**os.environ, **dbt_connection_env(warehouse_url, project="e2e")}
    dbt = os.path.join(os.path.dirname(sys.executable), "dbt")
    result = subprocess.run([dbt, "build", "--profiles-dir", "."], cwd=files.dbt_dir, env=env,
                            capture_output=True, text=True, timeout=600)
    assert "Completed successfully" in result.stdout or "ERROR=0" in result.stdout, result.stdout[-3000:]


def test_running_again_replaces_the_outputs(demo, warehouse_url):
    files, first = demo
    (files.root / "stale.txt").write_text("left over")
    with connect(warehouse_url) as conn, conn.cursor() as cur:
        cur.execute("create table e2e.stale_model (id int)")
        conn.commit()
    # a re-run reuses what is unchanged (issue 11), but no relation of an earlier run survives
    assert main(["migrate", str(BUNDLED_EXAMPLE), "--project", "e2e"]) == 0
    second = json.loads(files.path("evaluation.json").read_text())
    with connect(warehouse_url) as conn, conn.cursor() as cur:
        cur.execute("select to_regclass('e2e.stale_model')")
        assert cur.fetchone() == (None,)
    assert {s: o["status"] for s, o in _by_source(second).items()} == {
        s: o["status"] for s, o in _by_source(first).items()}
    assert main(["migrate", str(BUNDLED_EXAMPLE), "--project", "e2e", "--full"]) == 0  # replaces them whole
    assert not (files.root / "stale.txt").exists()


@pytest.mark.parametrize("args, message", [
    (["migrate", "/no/such/folder", "--project", "x"], "migrator: error: source not found: /no/such/folder"),
    (["migrate", "README.md", "--project", "x"],
     f"migrator: error: unsupported source file {Path('README.md').resolve()}"),
    (["migrate", ".", "--project", "../etc"], "migrator: error: invalid project name '../etc'"),
    (["migrate", "{empty}", "--project", "x"], "migrator: error: no .sql scripts found in"),
    (["migrate", "--project", "x"], "migrator: error: the following arguments are required: source"),
    (["frobnicate"], "migrator: error: argument command: invalid choice: 'frobnicate'"),
])
def test_unusable_source_or_argument_exits_non_zero_with_one_line(args, message, migrator_home, tmp_path):
    args = [arg.replace("{empty}", str(tmp_path)) for arg in args]
    result = subprocess.run([sys.executable, "-m", "migrator_pipeline.cli", *args],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(message), result.stderr


def test_runs_are_recorded_on_the_persistent_instance_with_usage_metadata(demo):
    from dagster import AssetKey, DagsterInstance

    instance = DagsterInstance.get()  # the CLI pointed DAGSTER_HOME at MIGRATOR_HOME/dagster
    assert "postgres" in type(instance.run_storage).__module__
    assert "e2e" in instance.get_dynamic_partitions("migration_projects")
    event = instance.get_latest_materialization_event(AssetKey("evaluation"))
    materialization = event.asset_materialization
    assert materialization.partition == "e2e"
    metadata = materialization.metadata
    assert metadata["usage/objects"].value == 36  # 35 objects and the `dw` schema, recorded
    assert metadata["usage/llm_tokens"].value == 0
    assert metadata["usage/seconds"].value > 0


def test_generated_models_materialize_as_dagster_assets_with_dbt_tests_as_checks(demo, warehouse_url):
    import dagster as dg

    from migrator_pipeline.defs.dbt_models import project_dbt_assets
    from migrator_pipeline.defs.resources import WarehouseResource

    files, evaluation = demo
    models = project_dbt_assets("e2e", files.dbt_dir)
    keys = {key.to_user_string() for key in models.keys}
    built = {m["name"] for o in evaluation["objects"] if o["status"] == "passed" for m in o["models"]}
    assert {f"e2e/{name}" for name in built} <= keys
    assert "e2e/vw_customerdirectory" in keys
    result = dg.materialize([models], resources={"warehouse": WarehouseResource(url=warehouse_url)},
                            instance=dg.DagsterInstance.ephemeral())
    assert result.success
    materialized = {e.asset_key.to_user_string() for e in result.get_asset_materialization_events()}
    assert materialized == keys
    checks = result.get_asset_check_evaluations()
    assert len(checks) > 0 and all(check.passed for check in checks)
    source_deps = {dep.to_user_string() for key in models.keys for dep in models.asset_deps[key]}
    assert "e2e/raw/dbo/customers" in source_deps


def test_a_dacpac_migrates_through_the_same_pipeline(migrator_home, tmp_path):
    sys.path.insert(0, str(Path(__file__).parent / "catalog"))
    from dacpac_fixture import build_dacpac

    dacpac = build_dacpac(tmp_path / "fixture.dacpac")
    assert main(["migrate", str(dacpac), "--project", "from_dacpac"]) == 0
    evaluation = json.loads(ProjectFiles("from_dacpac").path("evaluation.json").read_text())
    statuses = {o["source"]: o["status"] for o in evaluation["objects"]}
    assert statuses["dbo.Customers"] == "passed"  # its computed column is derived in staging
    assert statuses["dbo.fn_Double"] == "passed"
    assert statuses["sales.trg_Orders_Insert"] == "needs_review"
    assert statuses["sales.Orders.IX_Orders_Customer"] == "skipped"
