"""One model dbt rejects while parsing costs that model (and what refs it), never the project."""

import contextlib
import uuid

import psycopg2
import pytest

from migrator_pipeline.catalog.model import Catalog
from migrator_pipeline.dbt_project.isolation import (
    dependents, disable_dependents_of_undrafted, isolate_parse_failures, parse_error_message, rejected_models, with_disabled)
from migrator_pipeline.dbt_project.writer import write_dbt_project
from migrator_pipeline.defs.resources import DbtResource
from migrator_pipeline.drafts import DraftModel, Drafts
from migrator_pipeline.planning.model import MigrationPlan, PlannedModel
from migrator_pipeline.warehouse.schemas import reset_schema

DBT_ERROR = ("The dbt CLI process with command\n\n`dbt parse`\n\nfailed with exit code `2`.\n\n"
             "Errors parsed from dbt logs:\n\nEncountered an error:\nCompilation Error\n  Model "
             "'model.p.b' (models/marts/b.sql) depends on a node named 'zz' which was not found")


def _plan(project: str, sql: dict[str, str | None]) -> tuple[MigrationPlan, Drafts]:
    plan = MigrationPlan(project, f"{project}_raw",
                         models=[PlannedModel(name, "marts", "view", f"dbo.{name}", "") for name in sql])
    drafts = Drafts(project, [DraftModel(name, f"dbo.{name}", text, "rules" if text else "none")
                              for name, text in sql.items()])
    return plan, drafts


def test_the_models_a_parse_error_names_are_found_by_id_or_path():
    plan, _ = _plan("p", {"a": "select 1", "b": "select 2"})
    assert parse_error_message(DBT_ERROR) == (
        "Compilation Error Model 'model.p.b' (models/marts/b.sql) depends on a node named 'zz' "
        "which was not found")
    assert rejected_models(DBT_ERROR, plan) == {"b": f"dbt rejected it while parsing the project: "
                                                     f"{parse_error_message(DBT_ERROR)}"}
    assert rejected_models("Found a cycle: model.p.a --> model.p.b --> model.p.a", plan).keys() == {"a", "b"}
    assert rejected_models("Parsing Error: something else", plan) == {}
    sql = {"a": "select 1", "b": "select * from {{ ref('a') }}", "c": "select * from {{ ref( \"b\" ) }}",
           "d": "select * from {{ ref('ab') }}"}
    assert dependents({"a": "x"}, sql, "it broke") == {"b": "depends on a: it broke", "c": "depends on b: it broke"}


@pytest.mark.slow
def test_a_project_with_models_dbt_rejects_still_builds_every_other_model(tmp_path, warehouse_url):
    project = f"iso{uuid.uuid4().hex[:8]}"
    plan, drafts = _plan(project, {
        "base": "select 1 as id union all select 2",
        "uses_base": "select id * 10 as tens from {{ ref('base') }}",
        "refs_itself": "select * from {{ ref('refs_itself') }}",  # a cycle of one
        "reads_the_cycle": "select * from {{ ref('refs_itself') }}",
        "unclosed_block": "select 1 as id {% if is_incremental() %} where 1 = 1",  # a Jinja error
        "refs_nothing": "select * from {{ ref('no_such_model') }}",  # a missing node
        "undrafted": None,
        "reads_undrafted": "select * from {{ ref('undrafted') }}",
    })
    dbt_dir = tmp_path / "dbt"
    write_dbt_project(dbt_dir, plan, drafts, Catalog("x"))
    dbt = DbtResource()
    reset_schema(warehouse_url, project, project)  # as the tester does: the project's schema and dbt role
    sql_by_model = {d.name: d.sql for d in drafts.models if d.sql}
    assert dbt.build(dbt_dir, warehouse_url, project).error is not None  # dbt refuses the whole project
    undrafted = disable_dependents_of_undrafted(dbt_dir, plan, sql_by_model)
    assert undrafted == {"reads_undrafted": "depends on undrafted: it has no draft"}
    disabled, error = isolate_parse_failures(dbt_dir, plan, sql_by_model,
                                             lambda: dbt.parse(dbt_dir, warehouse_url), undrafted)
    assert error is None
    assert set(disabled) == {"refs_itself", "reads_the_cycle", "unclosed_block", "refs_nothing", "reads_undrafted"}
    assert disabled["reads_the_cycle"] == "depends on refs_itself: dbt could not take it"
    assert disabled["reads_undrafted"] == "depends on undrafted: it has no draft"
    assert "Found a cycle" in disabled["refs_itself"]
    assert "no_such_model" in disabled["refs_nothing"]
    assert disabled["unclosed_block"].startswith("dbt rejected it while parsing the project: ")
    try:
        report = with_disabled(dbt.build(dbt_dir, warehouse_url, project), plan, disabled)
        assert report.error is None
        assert {n.name: n.status for n in report.nodes if n.resource_type == "model"} == {
            "base": "success", "uses_base": "success", **{name: "error" for name in disabled}}
        assert report.model("refs_nothing").message == disabled["refs_nothing"]
        with contextlib.closing(psycopg2.connect(warehouse_url)) as conn, conn.cursor() as cur:
            cur.execute(f"select tens from {project}.uses_base order by tens")
            assert cur.fetchall() == [(10,), (20,)]
        assert "enabled=false" in (dbt_dir / "models/marts/refs_itself.sql").read_text()
    finally:
        with contextlib.closing(psycopg2.connect(warehouse_url)) as conn, conn.cursor() as cur:
            cur.execute(f"drop schema if exists {project} cascade")
            conn.commit()
