"""What the rebuilder reads from a dbt build: failed drafts, what did not pass, compiled SQL, manifest."""

import json

from migrator_pipeline.dbt_project.build_failures import compiled_sql, failed_drafts, not_passed, read_manifest
from migrator_pipeline.dbt_project.results import NodeResult, BuildReport

REPORT = BuildReport(nodes=[
    NodeResult("model.p.orders", "orders", "model", "error", "column \"x\" does not exist"),
    NodeResult("model.p.undrafted", "undrafted", "model", "error", "no SQL"),
    NodeResult("model.p.customers", "customers", "model", "success"),
    NodeResult("model.p.late", "late", "model", "skipped"),
    NodeResult("test.p.unique_customers_id", "unique_customers_id", "test", "fail", "2 duplicates",
               attached_to="customers"),
    NodeResult("test.p.source_test", "source_test", "test", "fail", "1 row", attached_to="raw_table"),
])


def test_failed_drafts_are_the_failed_models_with_sql_and_dbt_message():
    sql_by_model = {"orders": "select x from t", "undrafted": None, "customers": "select 1 as id"}
    assert failed_drafts(REPORT, sql_by_model) == {"orders": ("select x from t", 'column "x" does not exist')}


def test_not_passed_names_failed_skipped_and_tested_models_once():
    assert not_passed(REPORT) == {
        "orders": 'column "x" does not exist', "undrafted": "no SQL", "late": "skipped",
        "customers": "dbt test unique_customers_id failed: 2 duplicates"}


def test_compiled_sql_and_manifest_are_read_when_dbt_wrote_them(tmp_path):
    assert read_manifest(tmp_path) == {} and compiled_sql(tmp_path, ["orders"]) == {}
    compiled = tmp_path / "target" / "compiled" / "p" / "models" / "marts"
    compiled.mkdir(parents=True)
    (compiled / "orders.sql").write_text("select x from \"p\".\"t\"", encoding="utf-8")
    (tmp_path / "target" / "manifest.json").write_text(json.dumps({"child_map": {}}), encoding="utf-8")
    assert compiled_sql(tmp_path, ["orders", "customers"]) == {"orders": 'select x from "p"."t"'}
    assert read_manifest(tmp_path) == {"child_map": {}}
