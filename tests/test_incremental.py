"""Re-runs keyed by content hashes (issue 11), on the bundled example with the real embedded
PostgreSQL, Dagster and dbt: an unchanged re-run reuses every step and reloads no table; lines that
only shift change nothing and start no dbt; after one changed view and one changed table, only they
and what depends on them are rebuilt, and the evaluation equals a full run's of the same estate."""

from __future__ import annotations

import json
import shutil

import pytest

import dagster as dg

from migrator_pipeline.cli import main, prepare_instance
from migrator_pipeline.dbt_project.results import BuildReport
from migrator_pipeline.fingerprints import StepState
from migrator_pipeline.project_files import BUNDLED_EXAMPLE, ProjectFiles
from migrator_pipeline.warehouse.connection import connect

pytestmark = pytest.mark.slow
STEPS = ("source_catalog", "source_tables", "assessment", "migration_plan", "draft_models", "test_report",
         "repaired_models", "evaluation")


def _table_oids(warehouse_url: str, schema: str) -> dict[str, int]:
    """A reloaded table is a new relation: its oid changes; one left alone keeps it."""
    with connect(warehouse_url) as conn, conn.cursor() as cur:
        cur.execute("select c.relname, c.oid from pg_class c join pg_namespace n on n.oid = c.relnamespace "
                    "where n.nspname = %s and c.relkind = 'r'", (schema,))
        return dict(cur.fetchall())


def _records(files: ProjectFiles) -> dict[str, str]:
    state = StepState(files.root)
    return {step: state.previous(step).data_version for step in STEPS}


def _latest_metadata(step: str) -> dict:
    """What the step's latest materialization said (the CLI's runs are on the persistent instance)."""
    event = prepare_instance().get_latest_materialization_event(dg.AssetKey(step))
    return {key: value.value for key, value in event.asset_materialization.metadata.items()}


def _evaluation(files: ProjectFiles) -> dict:
    """evaluation.json with the project's own name taken out: two projects, one estate."""
    text = files.path("evaluation.json").read_text(encoding="utf-8")
    return json.loads(text.replace(f'"{files.project}.', '"PROJECT.').replace(f'"{files.project}"', '"PROJECT"'))


def _change(path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, old
    path.write_text(text.replace(old, new), encoding="utf-8")


def test_unchanged_rerun_reuses_and_a_changed_estate_rebuilds_only_what_changed(migrator_home, warehouse_url,
                                                                                 tmp_path):
    estate = tmp_path / "estate"
    shutil.copytree(BUNDLED_EXAMPLE, estate)
    files = ProjectFiles("incr_a")
    assert main(["migrate", str(estate), "--project", files.project]) == 0
    first_records, first_oids = _records(files), _table_oids(warehouse_url, "incr_a_raw")
    first_evaluation = files.path("evaluation.json").read_bytes()

    assert main(["migrate", str(estate), "--project", files.project]) == 0
    assert _records(files) == first_records  # every step reused: the same outputs, byte for byte
    assert _table_oids(warehouse_url, "incr_a_raw") == first_oids  # no table reloaded
    assert files.path("evaluation.json").read_bytes() == first_evaluation
    for step in STEPS:
        assert _latest_metadata(step)["reused"] is True, step

    # lines shift and nothing else: every object hashes as before (no model drafted again, no table
    # reloaded), the dbt project is byte for byte the one built, so dbt is not even started
    views = estate / "05_views.sql"
    views.write_text("\n\n\n" + views.read_text(encoding="utf-8"), encoding="utf-8")
    assert main(["migrate", str(estate), "--project", files.project]) == 0
    assert _latest_metadata("source_catalog")["reused"] is False
    assert _latest_metadata("draft_models")["redrafted"] == 0
    assert _latest_metadata("source_tables")["reloaded_tables"] == 0
    testing = _latest_metadata("test_report")
    assert testing["reused"] is False and testing["incremental"] is True
    assert testing["built_nodes"] == 0 and testing["dbt_invocations"] == []
    assert _table_oids(warehouse_url, "incr_a_raw") == first_oids

    # one view's text and one table's rows change
    _change(estate / "05_views.sql", "THEN 'Active' ELSE 'Inactive' END", "THEN 'Enabled' ELSE 'Inactive' END")
    _change(estate / "03_data.sql", "N'Nordics'", "N'Nordic countries'")
    assert main(["migrate", str(estate), "--project", files.project]) == 0
    oids = _table_oids(warehouse_url, "incr_a_raw")
    assert oids["dbo__regions"] != first_oids["dbo__regions"]  # reloaded
    assert {t: o for t, o in oids.items() if t != "dbo__regions"} == {
        t: o for t, o in first_oids.items() if t != "dbo__regions"}  # the others were not
    drafting = _latest_metadata("draft_models")
    assert drafting["reused"] is False and 2 <= drafting["redrafted"] < drafting["drafted"] // 2
    assert _latest_metadata("source_tables")["reloaded_tables"] == 1
    build = BuildReport.load(files.path("test_report.json"))
    assert "state:modified+" in build.invocations[-1] and "source:" in build.invocations[-1]
    with connect(warehouse_url) as conn, conn.cursor() as cur:
        cur.execute("select distinct customerstatus from incr_a.vw_customerdirectory order by 1")
        statuses = {r[0] for r in cur.fetchall()}
        assert "Enabled" in statuses and "Active" not in statuses
        cur.execute("select regionname from incr_a.stg_dbo__regions where regioncode = 'NO'")
        assert cur.fetchone()[0] == "Nordic countries"

    # the same changed estate, migrated whole into another project: the same evaluation
    full = ProjectFiles("incr_b")
    assert main(["migrate", str(estate), "--project", full.project, "--full"]) == 0
    assert _evaluation(files) == _evaluation(full)
