"""The planner over a small script estate: entries, models, SQL and relations, exactly."""

from pathlib import Path

import pytest

from migrator_pipeline.catalog.model import Catalog, SourceObject
from migrator_pipeline.catalog.scripts import read_catalog
from migrator_pipeline.planning.model import MigrationPlan, PlanEntry, PlannedMacro, PlannedSource
from migrator_pipeline.planning.planner import plan_migration
from migrator_pipeline.planning.procedures import CURSOR_REASON, DYNAMIC_SQL_REASON

ESTATE = """\
CREATE TABLE dbo.Customers (CustomerID int IDENTITY(1,1) PRIMARY KEY, [Full Name] nvarchar(50) NOT NULL)
CREATE TABLE dbo.Orders (OrderID int PRIMARY KEY, CustomerID int, Amount money)
CREATE TABLE Sales.OrderTotals (CustomerID int PRIMARY KEY, Total money)
CREATE TABLE dbo.Audit (AuditID int IDENTITY(1,1) PRIMARY KEY, OrderID int, LoggedAt datetime)
CREATE TABLE dbo.OrderFacts (OrderID int PRIMARY KEY, Amount money)
GO
CREATE VIEW dbo.vBase AS SELECT OrderID, Amount FROM dbo.Orders
GO
CREATE VIEW dbo.Report AS SELECT OrderID FROM dbo.vBase
GO
CREATE VIEW Sales.Report AS SELECT CustomerID FROM Sales.OrderTotals
GO
CREATE PROCEDURE dbo.LoadTotals AS
BEGIN
    SET NOCOUNT ON;
    SELECT CustomerID, Amount INTO #orders FROM dbo.Orders WHERE Amount > 0
    CREATE TABLE #totals (CustomerID int, Total money)
    INSERT INTO #totals (CustomerID, Total) SELECT CustomerID, SUM(Amount) FROM #orders GROUP BY CustomerID
    BEGIN TRY
        BEGIN TRANSACTION
        TRUNCATE TABLE Sales.OrderTotals
        INSERT INTO Sales.OrderTotals (CustomerID, Total) SELECT t.CustomerID, t.Total FROM #totals t
        COMMIT
    END TRY
    BEGIN CATCH
        ROLLBACK
        INSERT INTO dbo.ErrorLog SELECT ERROR_MESSAGE()
    END CATCH
END
GO
CREATE PROCEDURE dbo.AppendAudit AS
INSERT INTO dbo.Audit SELECT o.OrderID, GETDATE() FROM dbo.Orders o
GO
CREATE PROCEDURE dbo.MergeFacts AS
MERGE INTO dbo.OrderFacts AS tgt
USING (SELECT OrderID, Amount FROM dbo.vBase) AS src
ON tgt.OrderID = src.OrderID
WHEN MATCHED THEN UPDATE SET tgt.Amount = src.Amount
WHEN NOT MATCHED THEN INSERT (OrderID, Amount) VALUES (src.OrderID, src.Amount * 2);
GO
CREATE PROCEDURE dbo.WalkOrders AS
DECLARE c CURSOR FOR SELECT OrderID FROM dbo.Orders
OPEN c
GO
CREATE PROCEDURE dbo.Dynamic @t sysname AS EXEC ('SELECT * FROM ' + @t)
GO
CREATE PROCEDURE dbo.GetOrders @c int AS SELECT * FROM dbo.Orders WHERE CustomerID = @c
GO
CREATE FUNCTION dbo.fn_Net (@Gross money, @Rate decimal(5,2)) RETURNS money
AS BEGIN
    RETURN @Gross * (1 - @Rate)
END
GO
CREATE FUNCTION dbo.fn_Loop (@n int) RETURNS int AS BEGIN DECLARE @i int = 0 WHILE @i < @n SET @i += 1 RETURN @i END
GO
CREATE TRIGGER dbo.trOrders ON dbo.Orders AFTER INSERT AS SELECT 1
"""


@pytest.fixture
def plan(tmp_path: Path):
    (tmp_path / "estate.sql").write_text(ESTATE, encoding="utf-8")
    return plan_migration(read_catalog(tmp_path), "shop")


def test_entries(plan):
    assert plan.raw_schema == "shop_raw"
    assert plan.entries == [
        PlanEntry("dbo.customers", "dbo.Customers", "table", "source", ["stg_dbo__customers"]),
        PlanEntry("dbo.orders", "dbo.Orders", "table", "source", ["stg_dbo__orders"]),
        PlanEntry("sales.ordertotals", "Sales.OrderTotals", "table", "model", ["ordertotals"]),
        PlanEntry("dbo.audit", "dbo.Audit", "table", "model", ["audit"]),
        PlanEntry("dbo.orderfacts", "dbo.OrderFacts", "table", "model", ["orderfacts"]),
        PlanEntry("dbo.vbase", "dbo.vBase", "view", "model", ["vbase"]),
        PlanEntry("dbo.report", "dbo.Report", "view", "model", ["dbo__report"]),
        PlanEntry("sales.report", "Sales.Report", "view", "model", ["sales__report"]),
        PlanEntry("dbo.loadtotals", "dbo.LoadTotals", "procedure", "model", ["ordertotals"]),
        PlanEntry("dbo.appendaudit", "dbo.AppendAudit", "procedure", "model", ["audit"]),
        PlanEntry("dbo.mergefacts", "dbo.MergeFacts", "procedure", "model", ["orderfacts"]),
        PlanEntry("dbo.walkorders", "dbo.WalkOrders", "procedure", "needs_review", [], CURSOR_REASON),
        PlanEntry("dbo.dynamic", "dbo.Dynamic", "procedure", "needs_review", [], DYNAMIC_SQL_REASON),
        PlanEntry("dbo.getorders", "dbo.GetOrders", "procedure", "needs_review", [], "analysis: review parameters"),
        PlanEntry("dbo.fn_net", "dbo.fn_Net", "function", "macro", ["fn_net"]),
        PlanEntry("dbo.fn_loop", "dbo.fn_Loop", "function", "macro", ["fn_loop"]),  # a PL/pgSQL function
        PlanEntry("dbo.trorders", "dbo.trOrders", "trigger", "needs_review", [],
                  "trigger on dbo.Orders: no dbt equivalent (it runs inside every write); "
                  "fold its logic into the models that load the table"),
    ]


def test_sources_macros_and_relations(plan):
    assert plan.sources == [
        PlannedSource("dbo.customers", "dbo", "customers", "dbo__customers"),
        PlannedSource("dbo.orders", "dbo", "orders", "dbo__orders"),
    ]
    assert plan.macros[0] == PlannedMacro("fn_net", "dbo.fn_net", ["gross", "rate"], "@Gross * (1 - @Rate)")
    assert [(m.name, m.returns, bool(m.plpgsql)) for m in plan.macros[1:]] == [("fn_loop", "integer", True)]
    assert plan.relations == {
        "dbo.customers": "{{ ref('stg_dbo__customers') }}",
        "dbo.orders": "{{ ref('stg_dbo__orders') }}",
        "dbo.audit": "{{ ref('audit') }}",
        "dbo.report": "{{ ref('dbo__report') }}",
        "dbo.orderfacts": "{{ ref('orderfacts') }}",
        "sales.ordertotals": "{{ ref('ordertotals') }}",
        "sales.report": "{{ ref('sales__report') }}",
        "dbo.vbase": "{{ ref('vbase') }}",
    }


def test_models_in_dependency_order(plan):
    assert [
        (m.name, m.resource, m.layer, m.materialized, m.origin, m.target, m.unique_key, m.depends_on)
        for m in plan.models
    ] == [
        ("stg_dbo__customers", "model", "staging", "view", "dbo.customers", None, [], []),
        ("stg_dbo__orders", "model", "staging", "view", "dbo.orders", None, [], []),
        ("audit", "model", "marts", "incremental", "dbo.appendaudit", "dbo.audit", [], ["dbo.orders"]),
        ("getorders", "analysis", "marts", "view", "dbo.getorders", None, [], ["dbo.orders"]),
        ("ordertotals", "model", "intermediate", "table", "dbo.loadtotals", "sales.ordertotals", [], ["dbo.orders"]),
        ("sales__report", "model", "marts", "view", "sales.report", None, [], ["sales.ordertotals"]),
        ("vbase", "model", "intermediate", "view", "dbo.vbase", None, [], ["dbo.orders"]),
        ("dbo__report", "model", "marts", "view", "dbo.report", None, [], ["dbo.vbase"]),
        ("orderfacts", "model", "marts", "incremental", "dbo.mergefacts", "dbo.orderfacts", ["orderid"], ["dbo.vbase"]),
    ]
    assert plan.model("dbo__report").description == "named dbo__report: report is also the name of Sales.Report"


def test_model_sql(plan):
    assert plan.model("stg_dbo__customers").sql == (
        "select\n    customerid,\n    full_name\nfrom {{ source('dbo', 'customers') }}"
    )
    assert plan.model("stg_dbo__customers").tsql == ""
    assert plan.model("vbase").tsql == "SELECT OrderID, Amount FROM dbo.Orders"
    assert plan.model("audit").tsql == (
        "SELECT\n  o.OrderID,\n  GETDATE() AS LoggedAt\nFROM dbo.Orders AS o"
    )
    assert plan.model("orderfacts").tsql == (
        "SELECT\n  src.OrderID,\n  src.Amount * 2 AS Amount\nFROM (\n  SELECT\n    OrderID AS OrderID,\n"
        "    Amount AS Amount\n  FROM dbo.vBase\n) AS src"
    )
    assert plan.model("ordertotals").tsql == TOTALS_TSQL


TOTALS_TSQL = """\
WITH orders AS (
  SELECT
    CustomerID AS CustomerID,
    Amount AS Amount
  FROM dbo.Orders
  WHERE
    Amount > 0
), totals AS (
  SELECT
    CustomerID AS CustomerID,
    SUM(Amount) AS Total
  FROM orders
  GROUP BY
    CustomerID
)
SELECT
  t.CustomerID,
  t.Total
FROM totals AS t"""


def test_dependency_cycle_needs_review_and_ends():
    catalog = Catalog(source="memory")
    catalog.objects = [
        SourceObject("dbo", "a", "view", "CREATE VIEW dbo.a AS SELECT * FROM dbo.b", reads=["dbo.b"]),
        SourceObject("dbo", "b", "view", "CREATE VIEW dbo.b AS SELECT * FROM dbo.a", reads=["dbo.a"]),
        SourceObject("dbo", "c", "view", "CREATE VIEW dbo.c AS SELECT 1 AS x"),
    ]
    plan = plan_migration(catalog, "p")
    assert [m.name for m in plan.models] == ["c"]
    assert [(e.object, e.artifact, e.reason) for e in plan.entries] == [
        ("dbo.a", "needs_review", "dependency cycle between models: a -> b"),
        ("dbo.b", "needs_review", "dependency cycle between models: a -> b"),
        ("dbo.c", "model", None),
    ]
    assert plan.relations == {"dbo.c": "{{ ref('c') }}"}


def test_outputs_are_named_after_the_target_columns_unless_already_so(tmp_path: Path):
    (tmp_path / "estate.sql").write_text(
        "CREATE TABLE dbo.Orders (OrderID int PRIMARY KEY, OrderDate datetime)\n"
        "CREATE TABLE dw.Facts (OrderID int, OrderDate date, Day int)\nGO\n"
        "CREATE PROCEDURE dw.LoadFacts AS\nBEGIN\n"
        "    TRUNCATE TABLE dw.Facts\n"
        "    INSERT INTO dw.Facts (OrderID, OrderDate, Day)\n"
        "    SELECT o.OrderID, CAST(o.OrderDate AS date), DAY(o.OrderDate) AS d FROM dbo.Orders o\n"
        "END\nGO\n",
        encoding="utf-8",
    )
    plan = plan_migration(read_catalog(tmp_path), "p")
    # a CAST of a column is not named by it in SQL Server; the model must alias it explicitly
    assert plan.model("facts").tsql == (
        "SELECT\n  o.OrderID,\n  CAST(o.OrderDate AS DATE) AS OrderDate,\n  DAY(o.OrderDate) AS Day\n"
        "FROM dbo.Orders AS o"
    )


def test_staging_derives_computed_columns_and_names_those_it_cannot(tmp_path: Path):
    (tmp_path / "t.sql").write_text(
        "CREATE TABLE dbo.People (ID int PRIMARY KEY, First nvarchar(20), Last nvarchar(20),\n"
        "    FullName AS (First + N' ' + Last), Odd AS (dbo.fn_missing(ID)))\nGO\n", encoding="utf-8")
    plan = plan_migration(read_catalog(tmp_path), "p")
    staging = plan.model("stg_dbo__people")
    assert staging.sql == (
        "select\n    id,\n    first,\n    last,\n    (first || ' ' || last) as fullname\n"
        "from {{ source('dbo', 'people') }}")
    assert staging.description.startswith(
        "Staging model over dbo.People. Computed columns not migrated: Odd (")


def test_names_record_every_object_and_column(plan):
    assert plan.names == {
        "dbo.Customers": {"model": "stg_dbo__customers", "columns": {"CustomerID": "customerid", "Full Name": "full_name"}},
        "dbo.Orders": {"model": "stg_dbo__orders",
                       "columns": {"OrderID": "orderid", "CustomerID": "customerid", "Amount": "amount"}},
        "Sales.OrderTotals": {"model": "ordertotals", "columns": {"CustomerID": "customerid", "Total": "total"}},
        # the identity column is generated by SQL Server, not produced by the model
        "dbo.Audit": {"model": "audit", "columns": {"AuditID": None, "OrderID": "orderid", "LoggedAt": "loggedat"}},
        "dbo.OrderFacts": {"model": "orderfacts", "columns": {"OrderID": "orderid", "Amount": "amount"}},
        "dbo.vBase": {"model": "vbase", "columns": {"OrderID": "orderid", "Amount": "amount"}},
        "dbo.Report": {"model": "dbo__report", "columns": {"OrderID": "orderid"}},
        "Sales.Report": {"model": "sales__report", "columns": {"CustomerID": "customerid"}},
        "dbo.LoadTotals": {"model": "ordertotals", "columns": {}},
        "dbo.AppendAudit": {"model": "audit", "columns": {}},
        "dbo.MergeFacts": {"model": "orderfacts", "columns": {}},
        "dbo.WalkOrders": {"model": None, "columns": {}},
        "dbo.Dynamic": {"model": None, "columns": {}},
        "dbo.GetOrders": {"model": "getorders", "columns": {}},
        "dbo.fn_Net": {"model": "fn_net", "columns": {"@Gross": "gross", "@Rate": "rate"}},
        "dbo.fn_Loop": {"model": "fn_loop", "columns": {"@n": "n"}},
        "dbo.trOrders": {"model": None, "columns": {}},
    }
    assert MigrationPlan.from_dict(plan.to_dict()).names == plan.names


def test_a_merge_keeps_the_ctes_written_before_it(tmp_path: Path):
    (tmp_path / "m.sql").write_text(
        "CREATE TABLE dbo.Sales (Month int, Amount money)\n"
        "CREATE TABLE etl.Series (Month int PRIMARY KEY, Total money)\nGO\n"
        "CREATE PROCEDURE etl.usp_Merge AS\nBEGIN\n"
        "    WITH months AS (SELECT Month, SUM(Amount) AS Total FROM dbo.Sales GROUP BY Month)\n"
        "    MERGE etl.Series AS tgt USING months AS src ON tgt.Month = src.Month\n"
        "    WHEN MATCHED THEN UPDATE SET Total = src.Total\n"
        "    WHEN NOT MATCHED THEN INSERT (Month, Total) VALUES (src.Month, src.Total);\n"
        "END\nGO\n", encoding="utf-8")
    plan = plan_migration(read_catalog(tmp_path), "p")
    series = plan.model("series")
    assert (series.materialized, series.unique_key) == ("incremental", ["month"])
    assert series.tsql == (
        "WITH months AS (\n  SELECT\n    Month AS Month,\n    SUM(Amount) AS Total\n  FROM dbo.Sales\n"
        "  GROUP BY\n    Month\n)\nSELECT\n  src.Month,\n  src.Total\nFROM months AS src")
