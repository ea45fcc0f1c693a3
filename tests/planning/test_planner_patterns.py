"""Planner rules for procedure patterns, parameters, table-valued functions, reasons and names:
each with the exact plan it gives."""

from pathlib import Path

import pytest

from migrator_pipeline.catalog.scripts import read_catalog
from migrator_pipeline.planning.model import PlanEntry
from migrator_pipeline.planning.functions import TABLE_FUNCTION_REASON
from migrator_pipeline.planning.planner import plan_migration
from migrator_pipeline.planning.procedures import READ_ONLY_REASON, WHILE_REASON
from migrator_pipeline.tsql.identifiers import fold_columns

TABLES = """\
CREATE TABLE stg.Customers (CustomerID int PRIMARY KEY, Name nvarchar(50), City nvarchar(50))
CREATE TABLE dw.DimCustomer (CustomerKey int IDENTITY(1,1) PRIMARY KEY, CustomerID int, Name nvarchar(50),
    City nvarchar(50), StartDate datetime, EndDate datetime, IsCurrent bit)
CREATE TABLE stg.Accounts (AccountID int PRIMARY KEY, Owner nvarchar(50), Balance money)
CREATE TABLE dw.Accounts (AccountID int PRIMARY KEY, Owner nvarchar(50), Balance money)
GO
"""

SCD2 = """\
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
"""

UPSERT_NOT_EXISTS = """\
CREATE PROCEDURE dw.UpsertAccounts AS
BEGIN
    UPDATE a SET a.Owner = s.Owner, a.Balance = s.Balance
    FROM dw.Accounts a INNER JOIN stg.Accounts s ON a.AccountID = s.AccountID
    WHERE a.Owner <> s.Owner OR a.Balance <> s.Balance
    INSERT INTO dw.Accounts (AccountID, Owner, Balance)
    SELECT s.AccountID, s.Owner, s.Balance FROM stg.Accounts s
    WHERE s.Balance IS NOT NULL AND NOT EXISTS (SELECT 1 FROM dw.Accounts a WHERE a.AccountID = s.AccountID)
END
GO
"""

UPSERT_LEFT_JOIN = """\
CREATE PROCEDURE dw.UpsertAccounts AS
BEGIN
    UPDATE a SET Owner = s.Owner, Balance = s.Balance
    FROM dw.Accounts a JOIN stg.Accounts s ON s.AccountID = a.AccountID
    INSERT INTO dw.Accounts
    SELECT s.AccountID, s.Owner, s.Balance FROM stg.Accounts s
    LEFT JOIN dw.Accounts a ON a.AccountID = s.AccountID
    WHERE a.AccountID IS NULL
END
GO
"""


def _plan(tmp_path: Path, script: str):
    (tmp_path / "estate.sql").write_text(script, encoding="utf-8")
    return plan_migration(read_catalog(tmp_path), "p")


def _entry(plan, source):
    return next(e for e in plan.entries if e.source == source)


def test_scd_type_2_load_becomes_a_check_snapshot(tmp_path):
    plan = _plan(tmp_path, TABLES + SCD2)
    snapshot = plan.model("dimcustomer")
    assert (snapshot.resource, snapshot.origin, snapshot.target, snapshot.unique_key, snapshot.check_cols,
            snapshot.meta_columns, snapshot.depends_on) == (
        "snapshot", "dw.loaddimcustomer", "dw.dimcustomer", ["customerid"], ["name", "city"],
        {"dbt_valid_from": "startdate", "dbt_valid_to": "enddate"}, ["stg.customers"])
    assert snapshot.tsql == "SELECT\n  s.CustomerID,\n  s.Name,\n  s.City\nFROM stg.Customers AS s"
    assert snapshot.description == (
        "Snapshot of dw.dimcustomer, replacing the slowly changing dimension (type 2) load of "
        "dw.LoadDimCustomer. Not kept: IsCurrent; the current version is where `enddate is null`.")
    assert _entry(plan, "dw.LoadDimCustomer") == PlanEntry(
        "dw.loaddimcustomer", "dw.LoadDimCustomer", "procedure", "snapshot", ["dimcustomer"])
    assert _entry(plan, "dw.DimCustomer").artifact == "snapshot"
    assert plan.relations["dw.dimcustomer"] == "{{ ref('dimcustomer') }}"
    assert plan.names["dw.DimCustomer"] == {"model": "dimcustomer", "columns": {
        "CustomerKey": None, "CustomerID": "customerid", "Name": "name", "City": "city",
        "StartDate": "startdate", "EndDate": "enddate", "IsCurrent": None}}


@pytest.mark.parametrize("script, reason", [
    (SCD2.replace("GETDATE(), NULL, 1", "GETDATE(), '9999-12-31', 1"),
     "SCD type 2 load of dw.dimcustomer: new versions get enddate = '9999-12-31', not NULL "
     "(a dbt snapshot's dbt_valid_to_current)"),
    (SCD2.replace("AND d.IsCurrent = 1)", "AND d.IsCurrent = 1 AND s.City <> 'X')"),
     "SCD type 2 load of dw.dimcustomer: cannot read the condition s.City <> 'X'"),
    (SCD2.replace("WHERE NOT EXISTS (SELECT 1 FROM dw.DimCustomer d WHERE d.CustomerID = s.CustomerID AND d.IsCurrent = 1)", ""),
     "the INSERT into dw.dimcustomer after its UPDATE has no NOT EXISTS (or LEFT JOIN ... IS NULL) against dw.dimcustomer"),
])
def test_scd_type_2_shapes_a_snapshot_cannot_keep_need_review(tmp_path, script, reason):
    plan = _plan(tmp_path, TABLES + script)
    assert _entry(plan, "dw.LoadDimCustomer").reason == reason
    assert _entry(plan, "dw.DimCustomer").artifact == "source"  # no model produces it


@pytest.mark.parametrize("script, tsql", [
    (UPSERT_NOT_EXISTS,
     "SELECT\n  s.AccountID,\n  s.Owner,\n  s.Balance\nFROM stg.Accounts AS s\nWHERE\n  NOT s.Balance IS NULL"),
    (UPSERT_LEFT_JOIN, "SELECT\n  s.AccountID,\n  s.Owner,\n  s.Balance\nFROM stg.Accounts AS s"),
])
def test_update_then_insert_of_missing_rows_is_an_incremental_upsert(tmp_path, script, tsql):
    plan = _plan(tmp_path, TABLES + script)
    model = plan.model("accounts")
    assert (model.resource, model.materialized, model.unique_key, model.target, model.tsql) == (
        "model", "incremental", ["accountid"], "dw.accounts", tsql)
    assert _entry(plan, "dw.UpsertAccounts") == PlanEntry(
        "dw.upsertaccounts", "dw.UpsertAccounts", "procedure", "model", ["accounts"])


@pytest.mark.parametrize("change, reason", [
    ("a.Balance = s.Balance * 2", "the UPDATE of dw.accounts does not set Balance as the INSERT does"),
    ("a.Balance = 0", "the UPDATE of dw.accounts does not set Balance as the INSERT does"),
    ("a.Balance = s.Balance, a.Note = s.Owner", "the UPDATE of dw.accounts sets note, which the INSERT does not"),
])
def test_upsert_whose_update_differs_from_its_insert_needs_review(tmp_path, change, reason):
    plan = _plan(tmp_path, TABLES + UPSERT_NOT_EXISTS.replace("a.Balance = s.Balance\n", change + "\n"))
    assert _entry(plan, "dw.UpsertAccounts").reason == reason


@pytest.mark.parametrize("body, reason", [
    ("UPDATE dw.Accounts SET Balance = 0 WHERE AccountID = 1",
     "UPDATE in place (no FROM): not an upsert or SCD type 2 load"),
    ("UPDATE a SET Balance = s.Balance FROM dw.Accounts a JOIN stg.Accounts s ON a.AccountID = s.AccountID",
     "UPDATE of dw.accounts without a following INSERT of new rows: not an upsert or SCD type 2 load"),
    ("DELETE FROM dw.Accounts WHERE Balance = 0",
     "DELETE with WHERE: removes some rows in place, which no dbt model does"),
    ("WHILE 1 = 1 BREAK", WHILE_REASON),
])
def test_reasons_name_the_construct_and_why(tmp_path, body, reason):
    plan = _plan(tmp_path, TABLES + f"CREATE PROCEDURE dw.Fix AS\n{body}\nGO\n")
    assert _entry(plan, "dw.Fix").reason == reason


def test_delete_without_where_is_a_reload_and_each_target_gets_its_model(tmp_path):
    plan = _plan(tmp_path, TABLES + """\
CREATE PROCEDURE dw.Reload AS
BEGIN
    DELETE FROM dw.Accounts
    INSERT INTO dw.Accounts (AccountID, Owner, Balance) SELECT AccountID, Owner, Balance FROM stg.Accounts
    INSERT INTO dw.DimCustomer (CustomerID, Name, City) SELECT CustomerID, Name, City FROM stg.Customers
END
GO
""")
    assert [(m.name, m.materialized, m.unique_key, m.target, m.tsql) for m in plan.models if m.origin == "dw.reload"] == [
        ("accounts", "table", [], "dw.accounts", "SELECT\n  AccountID,\n  Owner,\n  Balance\nFROM stg.Accounts"),
        # appends; its primary key is an identity the SELECT does not produce: no unique_key
        ("dimcustomer", "incremental", [], "dw.dimcustomer", "SELECT\n  CustomerID,\n  Name,\n  City\nFROM stg.Customers"),
    ]
    assert _entry(plan, "dw.Reload").models == ["accounts", "dimcustomer"]
    assert plan.names["dw.Reload"] == {"model": None, "columns": {}}


def test_parameterised_read_only_procedure_is_an_analysis_needing_review(tmp_path):
    plan = _plan(tmp_path, TABLES + """\
CREATE PROCEDURE dw.GetAccounts @Owner nvarchar(50) = N'O''Hara', @Min money AS
SELECT AccountID, Balance FROM stg.Accounts WHERE Owner = @Owner AND Balance >= @Min
GO
""")
    analysis = plan.model("getaccounts")
    assert (analysis.resource, analysis.depends_on) == ("analysis", ["stg.accounts"])
    assert analysis.tsql == (
        "SELECT\n  AccountID,\n  Balance\nFROM stg.Accounts\nWHERE\n"
        "  Owner = CAST(migrator_var__owner AS NVARCHAR(50))\n  AND Balance >= CAST(migrator_var__min AS MONEY)")
    assert analysis.variables == {
        "migrator_var__owner": """{{ var('owner', "N'O''Hara'") }}""",
        "migrator_var__min": "{{ var('min', 'null') }}",
    }
    assert _entry(plan, "dw.GetAccounts") == PlanEntry(
        "dw.getaccounts", "dw.GetAccounts", "procedure", "needs_review", [], READ_ONLY_REASON)
    assert "dw.getaccounts" not in plan.relations
    assert plan.names["dw.GetAccounts"] == {"model": "getaccounts", "columns": {}}


def test_loading_procedure_parameters_become_vars_only_with_a_default(tmp_path):
    load = """\
CREATE PROCEDURE dw.LoadAccounts @Floor money{default} AS
INSERT INTO dw.Accounts SELECT AccountID, Owner, Balance FROM stg.Accounts WHERE Balance > @Floor
GO
"""
    plan = _plan(tmp_path, TABLES + load.format(default=" = 10.5"))
    model = plan.model("accounts")
    assert model.tsql.endswith("WHERE\n  Balance > CAST(migrator_var__floor AS MONEY)")
    # an append into a table whose primary key it produces: a re-run replaces, not duplicates
    assert (model.materialized, model.unique_key) == ("incremental", ["accountid"])
    assert model.variables == {"migrator_var__floor": "{{ var('floor', '10.5') }}"}
    plan = _plan(tmp_path, TABLES + load.format(default=""))
    assert _entry(plan, "dw.LoadAccounts").reason == "parameter @Floor has no default: a model cannot take arguments"


def test_table_valued_functions(tmp_path):
    plan = _plan(tmp_path, TABLES + """\
CREATE FUNCTION dw.fn_Rich () RETURNS TABLE AS RETURN (SELECT AccountID FROM stg.Accounts WHERE Balance > 100)
GO
CREATE FUNCTION dw.fn_Of (@Owner nvarchar(50)) RETURNS TABLE AS RETURN SELECT AccountID FROM stg.Accounts WHERE Owner = @Owner
GO
CREATE FUNCTION dw.fn_Multi () RETURNS @t TABLE (ID int) AS BEGIN INSERT INTO @t SELECT AccountID FROM stg.Accounts RETURN END
GO
CREATE VIEW dw.vRich AS SELECT AccountID FROM dw.fn_Rich()
GO
""")
    rich = plan.model("fn_rich")
    assert (rich.resource, rich.layer, rich.materialized, rich.tsql) == (
        "model", "intermediate", "view", "SELECT\n  AccountID\nFROM stg.Accounts\nWHERE\n  Balance > 100")
    assert plan.model("fn_of").resource == "analysis"
    assert [(e.source, e.artifact, e.models, e.reason) for e in plan.entries if e.kind == "function"] == [
        ("dw.fn_Rich", "model", ["fn_rich"], None),
        ("dw.fn_Of", "needs_review", [], TABLE_FUNCTION_REASON),
        ("dw.fn_Multi", "needs_review", [],
         "multi-statement table-valued function: its result table is filled statement by statement; "
         "rewrite it as one SELECT"),
    ]
    assert plan.names["dw.fn_Rich"] == {"model": "fn_rich", "columns": {"AccountID": "accountid"}}


@pytest.mark.parametrize("names, settled", [
    (["Order Date", "order_date"], {"Order Date": "order_date_2", "order_date": "order_date"}),
    (["A-B", "a b", "A_B_2"], {"A-B": "a_b", "a b": "a_b_3", "A_B_2": "a_b_2"}),
    (["ID", "Name"], {"ID": "id", "Name": "name"}),
    (["1st", "[Total $]"], {"1st": "_1st", "[Total $]": "total"}),
])
def test_fold_columns_settles_collisions_deterministically(names, settled):
    assert fold_columns(names) == settled


def test_columns_that_collide_once_folded_are_kept_apart_everywhere(tmp_path):
    plan = _plan(tmp_path, """\
CREATE TABLE dbo.Orders (OrderID int, [Order Date] date, order_date date)
CREATE TABLE dbo.OrderCopy (OrderID int, [Order Date] date, order_date date)
GO
CREATE PROCEDURE dbo.CopyOrders AS
BEGIN
    TRUNCATE TABLE dbo.OrderCopy
    INSERT INTO dbo.OrderCopy SELECT OrderID, [Order Date], order_date FROM dbo.Orders
END
GO
CREATE VIEW dbo.vOrders AS SELECT [Order Date], order_date FROM dbo.Orders
GO
""")
    assert plan.model("stg_dbo__orders").sql == (
        "select\n    orderid,\n    order_date_2,\n    order_date\nfrom {{ source('dbo', 'orders') }}")
    assert plan.model("ordercopy").tsql == (
        "SELECT\n  OrderID,\n  [Order Date] AS order_date_2,\n  order_date\nFROM dbo.Orders")
    assert plan.model("vorders").tsql == "SELECT\n  [Order Date] AS order_date_2,\n  order_date\nFROM dbo.Orders"
    columns = {"OrderID": "orderid", "Order Date": "order_date_2", "order_date": "order_date"}
    assert plan.names == {
        "dbo.Orders": {"model": "stg_dbo__orders", "columns": columns},
        "dbo.OrderCopy": {"model": "ordercopy", "columns": columns},
        "dbo.CopyOrders": {"model": "ordercopy", "columns": {}},
        "dbo.vOrders": {"model": "vorders", "columns": {"Order Date": "order_date_2", "order_date": "order_date"}},
    }
