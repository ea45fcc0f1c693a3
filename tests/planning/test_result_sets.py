"""Procedures that only return rows become models of their result set (`planning.result_sets`).

SET ROWCOUNT n stops the SELECT after n rows, the same as TOP n; "SET ROWCOUNT overrides the
SELECT statement TOP keyword if the rowcount is the smaller value"; 0 turns it off, and one set
after the SELECT does not touch its rows
(learn.microsoft.com/sql/t-sql/statements/set-rowcount-transact-sql).
"""

from pathlib import Path

import pytest

from migrator_pipeline.catalog.scripts import read_catalog
from migrator_pipeline.planning.planner import plan_migration

ESTATE = """\
CREATE TABLE dbo.Products (ProductID int PRIMARY KEY, ProductName nvarchar(40) NOT NULL, UnitPrice money NULL)
GO
CREATE PROCEDURE dbo.[Three Most Expensive] AS
SET ROWCOUNT 3
SELECT Products.ProductName AS ThreeMostExpensive, Products.UnitPrice
FROM Products
ORDER BY Products.UnitPrice DESC
SET ROWCOUNT 0
GO
CREATE PROCEDURE dbo.AllProducts AS
BEGIN
    SET NOCOUNT ON;
    SELECT ProductID, ProductName FROM dbo.Products WHERE UnitPrice IS NOT NULL
END
GO
CREATE PROCEDURE dbo.TwoOfFive AS
SET NOCOUNT ON
SET ROWCOUNT 2
SELECT TOP 5 ProductName, UnitPrice FROM dbo.Products ORDER BY UnitPrice, ProductName
GO
CREATE PROCEDURE dbo.SomeRows AS
DECLARE @n int = 2
SET ROWCOUNT @n
SELECT ProductName FROM dbo.Products
GO
CREATE PROCEDURE dbo.PricedAbove @floor money AS
SELECT ProductName FROM dbo.Products WHERE UnitPrice > @floor
GO
"""


@pytest.fixture
def plan(tmp_path: Path):
    (tmp_path / "estate.sql").write_text(ESTATE, encoding="utf-8")
    return plan_migration(read_catalog(tmp_path), "shop")


def _entry(plan, source: str):
    return next(e for e in plan.entries if e.source == source)


def test_set_rowcount_becomes_top_with_the_order_kept(plan):
    entry = _entry(plan, "dbo.Three Most Expensive")
    assert (entry.artifact, entry.models, entry.reason) == ("model", ["three_most_expensive"], None)
    model = plan.model("three_most_expensive")
    assert (model.materialized, model.resource, model.target, model.origin) == (
        "view", "model", None, "dbo.three most expensive")
    assert model.tsql == (
        "SELECT\nTOP 3\n  Products.ProductName AS ThreeMostExpensive,\n  Products.UnitPrice\n"
        "FROM Products\nORDER BY\n  Products.UnitPrice DESC"
    )
    assert model.depends_on == ["dbo.products"]
    assert model.description == "The result set of the procedure dbo.Three Most Expensive (SET ROWCOUNT 3 as TOP)."
    assert plan.names["dbo.Three Most Expensive"] == {
        "model": "three_most_expensive",
        "columns": {"ThreeMostExpensive": "threemostexpensive", "UnitPrice": "unitprice"}}


def test_without_set_rowcount_the_select_is_the_model(plan):
    assert _entry(plan, "dbo.AllProducts").models == ["allproducts"]
    assert plan.model("allproducts").tsql == (
        "SELECT\n  ProductID,\n  ProductName\nFROM dbo.Products\nWHERE\n  NOT UnitPrice IS NULL")


def test_the_smaller_of_set_rowcount_and_top_wins(plan):
    assert _entry(plan, "dbo.TwoOfFive").models == ["twooffive"]
    assert plan.model("twooffive").tsql.startswith("SELECT\nTOP 2\n")


def test_a_row_count_known_only_at_run_time_needs_review(plan):
    entry = _entry(plan, "dbo.SomeRows")
    assert (entry.artifact, entry.reason) == ("needs_review", "SET ROWCOUNT @n: a row count known only at run time")


def test_a_procedure_with_parameters_stays_an_analysis(plan):
    entry = _entry(plan, "dbo.PricedAbove")
    assert (entry.artifact, entry.reason) == ("needs_review", "analysis: review parameters")
    assert plan.model("pricedabove").resource == "analysis"
