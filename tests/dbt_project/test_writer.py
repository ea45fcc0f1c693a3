import contextlib
import os
import subprocess
import sys
import uuid

import psycopg2
import pytest

from migrator_pipeline.agents.executor import draft_models
from migrator_pipeline.catalog.model import Catalog, Column, ForeignKey, SourceObject
from migrator_pipeline.catalog.scripts import read_catalog
from migrator_pipeline.dbt_project.writer import (
    disable_failed_models, models_yaml, render_model, sources_yaml, write_dbt_project)
from migrator_pipeline.drafts import DraftModel, Drafts
from migrator_pipeline.planning.model import MigrationPlan, PlannedModel, PlannedSource
from migrator_pipeline.planning.planner import plan_migration
from migrator_pipeline.warehouse.connection import dbt_connection_env

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
        "{{ config(materialized='view', enabled=false) }}\n\nselect\n  1 as a\n")  # in the project's style
    assert "enabled=false" not in (tmp_path / "models/marts/c.sql").read_text()
    assert (tmp_path / "dbt_project.yml").read_text().splitlines()[1] == "name: 'p'"


# ---------------------------------------------------------------- snapshots, analyses, vars

SNAPSHOT = PlannedModel("dimcustomer", "marts", "snapshot", "dw.loaddimcustomer", "", target="dw.dimcustomer",
                        unique_key=["customerid"], resource="snapshot", check_cols=["name", "city"],
                        meta_columns={"dbt_valid_from": "startdate", "dbt_valid_to": "enddate"})
ANALYSIS = PlannedModel("getaccounts", "marts", "view", "dw.getaccounts", "", resource="analysis",
                        variables={"migrator_var__min": "{{ var('min', 'null') }}"})


def test_snapshots_and_analyses_are_written_where_dbt_reads_them(tmp_path):
    snapshot_sql = "select s.customerid, s.name from {{ ref('stg_stg__customers') }} as s"
    assert render_model(SNAPSHOT, snapshot_sql) == (
        "{% snapshot dimcustomer %}\n\n"
        "{{ config(strategy='check', unique_key='customerid', check_cols=['name', 'city'], "
        "snapshot_meta_column_names={'dbt_valid_from': 'startdate', 'dbt_valid_to': 'enddate'}) }}\n\n"
        f"{snapshot_sql}\n\n{{% endsnapshot %}}\n")
    assert render_model(ANALYSIS, "select a from t where b >= cast(migrator_var__min as money)") == (
        "{#- Migrated from dw.getaccounts; review its parameters. They are dbt vars holding SQL\n"
        "    literals: dbt compile --select getaccounts --vars '{min: ...}' -#}\n"
        "select a from t where b >= cast({{ var('min', 'null') }} as money)\n")
    assert render_model(SNAPSHOT, snapshot_sql, "boom").startswith(
        "{# Disabled by migrator: boom\n   Fix the SQL below, then remove enabled=false. #}\n"
        "{% snapshot dimcustomer %}\n\n{{ config(strategy='check', unique_key='customerid', check_cols=['name', "
        "'city'], snapshot_meta_column_names={'dbt_valid_from': 'startdate', 'dbt_valid_to': 'enddate'}, "
        "enabled=false) }}")
    plan = MigrationPlan("p", "p_raw", models=[SNAPSHOT, ANALYSIS])
    drafts = Drafts("p", [DraftModel("dimcustomer", "dw.loaddimcustomer", snapshot_sql, "rules"),
                          DraftModel("getaccounts", "dw.getaccounts", "select 1 as a", "rules")])
    assert write_dbt_project(tmp_path, plan, drafts, Catalog("x")) == ["dimcustomer", "getaccounts"]
    assert (tmp_path / "snapshots/dimcustomer.sql").exists() and (tmp_path / "analyses/getaccounts.sql").exists()
    assert not (tmp_path / "models/marts").exists()


def test_column_docs_use_the_settled_names_of_colliding_columns():
    table = SourceObject("dbo", "Orders", "table", columns=[
        Column("Order Date", "date", nullable=False), Column("order_date", "date")], primary_key=["Order Date"])
    plan = MigrationPlan("p", "p_raw", sources=[PlannedSource("dbo.orders", "dbo", "orders", "dbo__orders")])
    [dbo] = sources_yaml(plan, Catalog("x", objects=[table]))["sources"]
    assert [(c["name"], c.get("data_tests")) for c in dbo["tables"][0]["columns"]] == [
        ("order_date_2", ["unique", "not_null"]), ("order_date", None)]


ESTATE = """\
CREATE TABLE stg.Customers (CustomerID int PRIMARY KEY, Name nvarchar(50), City nvarchar(50))
CREATE TABLE dw.DimCustomer (CustomerKey int IDENTITY(1,1) PRIMARY KEY, CustomerID int, Name nvarchar(50),
    City nvarchar(50), StartDate datetime, EndDate datetime, IsCurrent bit)
CREATE TABLE stg.Accounts (AccountID int PRIMARY KEY, Owner nvarchar(50), Balance money)
CREATE TABLE dw.Accounts (AccountID int PRIMARY KEY, Owner nvarchar(50), Balance money)
GO
CREATE PROCEDURE dw.LoadDimCustomer AS
BEGIN
    UPDATE d SET EndDate = GETDATE(), IsCurrent = 0
    FROM dw.DimCustomer d JOIN stg.Customers s ON d.CustomerID = s.CustomerID
    WHERE d.IsCurrent = 1 AND (d.Name <> s.Name OR d.City <> s.City)
    INSERT INTO dw.DimCustomer (CustomerID, Name, City, StartDate, EndDate, IsCurrent)
    SELECT s.CustomerID, s.Name, s.City, GETDATE(), NULL, 1
    FROM stg.Customers s
    WHERE NOT EXISTS (SELECT 1 FROM dw.DimCustomer d WHERE d.CustomerID = s.CustomerID AND d.IsCurrent = 1)
END
GO
CREATE PROCEDURE dw.UpsertAccounts AS
BEGIN
    UPDATE a SET a.Owner = s.Owner, a.Balance = s.Balance
    FROM dw.Accounts a INNER JOIN stg.Accounts s ON a.AccountID = s.AccountID
    INSERT INTO dw.Accounts (AccountID, Owner, Balance)
    SELECT s.AccountID, s.Owner, s.Balance FROM stg.Accounts s
    WHERE NOT EXISTS (SELECT 1 FROM dw.Accounts a WHERE a.AccountID = s.AccountID)
END
GO
CREATE PROCEDURE dw.GetAccounts @MinBalance money = 15 AS
SELECT AccountID FROM stg.Accounts WHERE Balance >= @MinBalance
GO
"""


@pytest.mark.slow
def test_snapshot_upsert_and_analysis_give_the_rows_the_procedures_gave(tmp_path, warehouse_url):
    """Two loads, the source changing in between. In SQL Server, LoadDimCustomer expires the
    changed customer's current row and inserts its new version; UpsertAccounts overwrites the
    changed account and adds the new one. The dbt snapshot and incremental model must hold the
    same rows; the analysis, compiled with a var, the rows GetAccounts returns for it."""
    (tmp_path / "estate").mkdir()
    (tmp_path / "estate" / "estate.sql").write_text(ESTATE, encoding="utf-8")
    catalog = read_catalog(tmp_path / "estate")
    project = f"w{uuid.uuid4().hex[:8]}"
    plan = plan_migration(catalog, project)
    drafts = draft_models(plan, catalog)
    dbt_dir = tmp_path / "dbt"
    assert sorted(write_dbt_project(dbt_dir, plan, drafts, catalog)) == [
        "accounts", "dimcustomer", "getaccounts", "stg_stg__accounts", "stg_stg__customers"]
    env = {**os.environ, **dbt_connection_env(warehouse_url)}
    dbt = [os.path.join(os.path.dirname(sys.executable), "dbt"), "--no-use-colors"]

    def run(*args):
        result = subprocess.run([*dbt, *args, "--profiles-dir", "."], cwd=dbt_dir, env=env,
                                capture_output=True, text=True, timeout=300)
        assert result.returncode == 0, result.stdout[-3000:]

    with contextlib.closing(psycopg2.connect(warehouse_url)) as conn:
        conn.autocommit = True
        cur = conn.cursor()
        try:
            cur.execute(f"create schema {project}_raw; set search_path to {project}_raw")
            cur.execute("create table stg__customers (customerid int, name text, city text);"
                        "create table stg__accounts (accountid int, owner text, balance numeric(19,4));"
                        "insert into stg__customers values (1, 'Ann', 'Oslo'), (2, 'Bob', 'Rome');"
                        "insert into stg__accounts values (1, 'Ann', 10), (2, 'Bob', 20)")
            run("build")
            cur.execute("update stg__customers set city = 'Paris' where customerid = 2;"
                        "insert into stg__customers values (3, 'Cid', 'Bergen');"
                        "update stg__accounts set balance = 25 where accountid = 2;"
                        "insert into stg__accounts values (3, 'Cid', 30)")
            run("build")
            cur.execute(f"select customerid, name, city, enddate is null from {project}.dimcustomer "
                        "order by customerid, enddate is null")
            assert cur.fetchall() == [(1, "Ann", "Oslo", True), (2, "Bob", "Rome", False),
                                      (2, "Bob", "Paris", True), (3, "Cid", "Bergen", True)]
            cur.execute(f"select accountid, owner, balance from {project}.accounts order by accountid")
            assert cur.fetchall() == [(1, "Ann", 10), (2, "Bob", 25), (3, "Cid", 30)]
            run("compile", "--select", "getaccounts", "--vars", "{minbalance: 22}")
            [compiled] = (dbt_dir / "target" / "compiled").rglob("getaccounts.sql")
            cur.execute(compiled.read_text())
            assert sorted(cur.fetchall()) == [(2,), (3,)]
        finally:
            cur.execute(f"drop schema if exists {project}_raw cascade; drop schema if exists {project} cascade")
