from migrator_pipeline.dbt_project.results import BuildReport, NodeResult, read_run_results

MANIFEST = {
    "nodes": {
        "model.p.customers": {"name": "customers", "resource_type": "model"},
        "model.p.orders": {"name": "orders", "resource_type": "model"},
        "test.p.unique_customers_id.1": {"name": "unique_customers_id", "resource_type": "test",
                                          "attached_node": "model.p.customers"},
        "test.p.source_not_null_dbo_t_id.2": {
            "name": "source_not_null_dbo_t_id", "resource_type": "test", "attached_node": None,
            "depends_on": {"nodes": ["source.p.dbo.t"]}},
    },
    "sources": {"source.p.dbo.t": {"source_name": "dbo", "name": "t"}},
}
RUN_RESULTS = {"results": [
    {"unique_id": "model.p.customers", "status": "success", "message": "SELECT 5", "execution_time": 0.1234},
    {"unique_id": "model.p.orders", "status": "error",
     "message": "Database Error in model orders (models/marts/orders.sql)\n  column \"x\" does not exist\n  LINE 3",
     "execution_time": 0.05},
    {"unique_id": "test.p.unique_customers_id.1", "status": "fail", "message": "Got 2 results", "execution_time": 0},
    {"unique_id": "test.p.source_not_null_dbo_t_id.2", "status": "pass", "message": None, "execution_time": 0},
]}


def test_read_run_results_attaches_tests_and_keeps_the_database_error():
    report = read_run_results(RUN_RESULTS, MANIFEST, "dbt build")
    assert report.model("customers") == NodeResult("model.p.customers", "customers", "model", "success",
                                                   "SELECT 5", None, 0.123)
    assert report.model("orders").message == 'column "x" does not exist'
    assert report.failed_models() == ["orders"]
    assert [t.name for t in report.tests_for("customers")] == ["unique_customers_id"]
    assert [t.status for t in report.tests_for("dbo.t")] == ["pass"]
    assert report.counts() == {"model": {"success": 1, "error": 1}, "test": {"fail": 1, "pass": 1}}


def test_merge_replaces_rebuilt_nodes_only():
    first = read_run_results(RUN_RESULTS, MANIFEST, "dbt build")
    rebuilt = BuildReport([NodeResult("model.p.orders", "orders", "model", "success")], {"orders": 3},
                          ["dbt build --select orders+"])
    merged = first.merge(rebuilt)
    assert merged.failed_models() == []
    assert merged.model("customers").status == "success"
    assert merged.row_counts == {"orders": 3}
    assert merged.invocations == ["dbt build", "dbt build --select orders+"]
