"""A procedure that only returns rows, migrated end to end: its model returns SQL Server's rows,
in SQL Server's order, and is `passed` on the evidence of rows compared with expected/.

SET ROWCOUNT n stops the SELECT after n rows, as TOP n does, in the ORDER BY's order
(learn.microsoft.com/sql/t-sql/statements/set-rowcount-transact-sql). NULL is the lowest value
in SQL Server's ORDER BY: first ascending (learn.microsoft.com/sql/t-sql/queries/select-order-by-clause-transact-sql).
"""

from __future__ import annotations

import contextlib
import json
from decimal import Decimal

import psycopg2
import pytest

from migrator_pipeline.cli import main
from migrator_pipeline.project_files import ProjectFiles

pytestmark = pytest.mark.slow

ESTATE = """\
CREATE TABLE dbo.Products (ProductID int PRIMARY KEY, ProductName nvarchar(40) NOT NULL, UnitPrice money NULL)
GO
INSERT INTO dbo.Products (ProductID, ProductName, UnitPrice) VALUES
    (1, N'Chai', 18.00), (2, N'Chang', 19.00), (3, N'Aniseed Syrup', 10.00), (4, N'Côte de Blaye', 263.50),
    (5, N'Mishi Kobe Niku', 97.00), (6, N'Gift card', NULL), (7, N'Tofu', 23.25)
GO
CREATE PROCEDURE dbo.[Three Most Expensive] AS
SET ROWCOUNT 3
SELECT Products.ProductName AS ThreeMostExpensive, Products.UnitPrice
FROM Products
ORDER BY Products.UnitPrice DESC
SET ROWCOUNT 0
GO
CREATE PROCEDURE dbo.CheapestTwo AS
SET NOCOUNT ON
SET ROWCOUNT 2
SELECT TOP 5 ProductName, UnitPrice FROM dbo.Products ORDER BY UnitPrice, ProductName
GO
CREATE PROCEDURE dbo.PricedProducts AS
BEGIN
    SET NOCOUNT ON;
    SELECT ProductID, ProductName FROM dbo.Products WHERE UnitPrice IS NOT NULL
END
GO
"""

# as SQL Server returns them, worked out from the INSERT above
EXPECTED = {
    "dbo.Three Most Expensive": "ThreeMostExpensive,UnitPrice\nCôte de Blaye,263.50\nMishi Kobe Niku,97.00\nTofu,23.25\n",
    "dbo.CheapestTwo": "ProductName,UnitPrice\nGift card,\nAniseed Syrup,10.00\n",
    "dbo.PricedProducts": "ProductID,ProductName\n1,Chai\n2,Chang\n3,Aniseed Syrup\n4,Côte de Blaye\n"
                          "5,Mishi Kobe Niku\n7,Tofu\n",
}


@pytest.fixture(scope="module")
def migrated(migrator_home, warehouse_url, tmp_path_factory) -> dict[str, dict]:
    source = tmp_path_factory.mktemp("result_sets") / "shop"
    (source / "expected").mkdir(parents=True)
    (source / "estate.sql").write_text(ESTATE, encoding="utf-8")
    for name, rows in EXPECTED.items():
        (source / "expected" / f"{name}.csv").write_text(rows, encoding="utf-8")
    assert main(["migrate", str(source), "--project", "resultsets"]) == 0
    evaluation = json.loads(ProjectFiles("resultsets").path("evaluation.json").read_text(encoding="utf-8"))
    return {entry["source"]: entry for entry in evaluation["objects"]}


def _rows(relation: str, warehouse_url: str) -> list[tuple]:
    """The model's rows as PostgreSQL returns them from the relation, unsorted."""
    schema, table = relation.split(".", 1)
    with contextlib.closing(psycopg2.connect(warehouse_url)) as connection, connection.cursor() as cursor:
        cursor.execute(f'select * from "{schema}"."{table}"')
        return cursor.fetchall()


@pytest.mark.parametrize("procedure", sorted(EXPECTED))
def test_the_procedure_passes_on_rows_matched(procedure, migrated):
    entry = migrated[procedure]
    assert (entry["status"], entry["evidence"], entry["data"]) == ("passed", "rows_matched", "matched"), entry
    assert len(entry["models"]) == 1


def test_set_rowcount_returns_the_first_n_in_order(migrated, warehouse_url):
    relation = migrated["dbo.Three Most Expensive"]["models"][0]["relation"]
    assert relation == "resultsets.three_most_expensive"
    assert _rows(relation, warehouse_url) == [
        ("Côte de Blaye", Decimal("263.5000")), ("Mishi Kobe Niku", Decimal("97.0000")), ("Tofu", Decimal("23.2500"))]


def test_the_smaller_of_rowcount_and_top_with_null_lowest(migrated, warehouse_url):
    relation = migrated["dbo.CheapestTwo"]["models"][0]["relation"]
    assert _rows(relation, warehouse_url) == [("Gift card", None), ("Aniseed Syrup", Decimal("10.0000"))]


def test_without_rowcount_every_row(migrated, warehouse_url):
    relation = migrated["dbo.PricedProducts"]["models"][0]["relation"]
    assert sorted(_rows(relation, warehouse_url)) == [
        (1, "Chai"), (2, "Chang"), (3, "Aniseed Syrup"), (4, "Côte de Blaye"), (5, "Mishi Kobe Niku"), (7, "Tofu")]
