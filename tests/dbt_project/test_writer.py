from migrator_pipeline.agents.drafts import DraftModel, Drafts
from migrator_pipeline.catalog.model import Catalog, Column, ForeignKey, SourceObject
from migrator_pipeline.dbt_project.writer import (
    disable_failed_models, models_yaml, render_model, sources_yaml, write_dbt_project)
from migrator_pipeline.planning.model import MigrationPlan, PlannedModel, PlannedSource

CUSTOMERS = SourceObject("dbo", "Customers", "table", columns=[
    Column("CustomerID", "int", nullable=False, identity=True), Column("Email", "varchar(100)")],
    primary_key=["CustomerID"], unique_keys=[["Email"]])
LINES = SourceObject("dbo", "Order Lines", "table", columns=[
    Column("OrderID", "int", nullable=False), Column("LineNo", "smallint", nullable=False),
    Column("CustomerID", "int")],
    primary_key=["OrderID", "LineNo"],
    foreign_keys=[ForeignKey(["CustomerID"], "dbo", "Customers", ["CustomerID"])])
CATALOG = Catalog("x", objects=[CUSTOMERS, LINES])
PLAN = MigrationPlan("p", "p_raw", sources=[
    PlannedSource("dbo.customers", "dbo", "customers", "dbo__customers"),
    PlannedSource("dbo.order lines", "dbo", "order_lines", "dbo__order_lines")])


def test_sources_carry_tests_from_sql_server_constraints():
    [dbo] = sources_yaml(PLAN, CATALOG)["sources"]
    assert (dbo["name"], dbo["schema"]) == ("dbo", "p_raw")
    customers, lines = dbo["tables"]
    assert customers["identifier"] == "dbo__customers"
    assert [(c["name"], c["data_type"], c.get("data_tests")) for c in customers["columns"]] == [
        ("customerid", "integer", ["unique", "not_null"]),
        ("email", "varchar(100)", ["unique"]),
    ]
    assert lines["data_tests"] == [{"unique_combination_of_columns": {
        "arguments": {"combination_of_columns": ["orderid", "lineno"]}}}]
    assert lines["columns"][2]["data_tests"] == [{"relationships": {"arguments": {
        "to": "source('dbo', 'customers')", "field": "customerid"}}}]


def test_model_tests_cover_only_the_columns_the_model_produces():
    planned = PlannedModel("dimcustomer", "marts", "incremental", "dw.usp_load", "", target="dbo.customers",
                           unique_key=["email"])
    drafts = Drafts("p", [DraftModel("dimcustomer", "dw.usp_load", "select email from t", "rules")])
    [entry] = models_yaml([planned], CATALOG, drafts)["models"]
    # CustomerID is an identity SQL Server generated; the model does not produce it
    assert [c["name"] for c in entry["columns"]] == ["email"]
    assert render_model(planned, "select email from t") == (
        "{{ config(materialized='incremental', unique_key=['email']) }}\n\nselect email from t\n")


def test_failed_models_and_their_descendants_are_kept_but_disabled(tmp_path):
    plan = MigrationPlan("p", "p_raw", models=[
        PlannedModel("a", "intermediate", "view", "dbo.a", ""), PlannedModel("b", "marts", "view", "dbo.b", ""),
        PlannedModel("c", "marts", "view", "dbo.c", "")])
    drafts = Drafts("p", [DraftModel(n, f"dbo.{n}", f"select 1 as {n}", "rules") for n in "abc"])
    write_dbt_project(tmp_path, plan, drafts, Catalog("x"))
    manifest = {"nodes": {f"model.p.{n}": {"name": n, "resource_type": "model"} for n in "abc"},
                "child_map": {"model.p.a": ["model.p.b", "test.p.t1"], "model.p.b": [], "model.p.c": []}}
    disabled = disable_failed_models(tmp_path, plan, {d.name: d.sql for d in drafts.models},
                                     {"a": "division by zero"}, manifest)
    assert disabled == {"a": "division by zero", "b": "depends on a, which did not pass"}
    assert (tmp_path / "models/intermediate/a.sql").read_text() == (
        "{# Disabled by migrator: division by zero\n   Fix the SQL below, then remove enabled=false. #}\n"
        "{{ config(materialized='view', enabled=false) }}\n\nselect 1 as a\n")
    assert "enabled=false" not in (tmp_path / "models/marts/c.sql").read_text()
    assert (tmp_path / "dbt_project.yml").read_text().splitlines()[1] == "name: 'p'"
