"""CHECK constraints read from scripts onto their table: column and table level, added by ALTER
TABLE; the ones SQL Server does not hold the rows to (WITH NOCHECK, NOCHECK CONSTRAINT) are
findings, never checks."""

from __future__ import annotations

from pathlib import Path

from migrator_pipeline.catalog.model import Catalog, CheckConstraint
from migrator_pipeline.catalog.scripts import read_catalog

ESTATE = """\
CREATE TABLE dbo.Orders (
  OrderID int NOT NULL PRIMARY KEY,
  Qty int NOT NULL CONSTRAINT CK_Qty CHECK (Qty > 0),
  Price decimal(10,2) CHECK NOT FOR REPLICATION ([Price] BETWEEN 0 AND 1000),
  Total AS (Qty * Price) CHECK (Qty < 1000),
  Status nvarchar(10) NOT NULL,
  CONSTRAINT CK_Status CHECK (Status IN ('Open', 'Closed')),
  CHECK (Qty < 100)
);
GO
ALTER TABLE [dbo].[Orders] WITH CHECK ADD CONSTRAINT [CK_Orders_Price] CHECK (([Price]>=(0)))
GO
ALTER TABLE [dbo].[Orders] CHECK CONSTRAINT [CK_Orders_Price]
GO
ALTER TABLE [dbo].[Orders] WITH NOCHECK ADD CONSTRAINT [CK_Loose] CHECK (([Qty]<(50)))
GO
ALTER TABLE [dbo].[Orders] NOCHECK CONSTRAINT [CK_Qty]
GO
CREATE TABLE dbo.Broken (A int CHECK (A > 0
"""


def test_checks_are_read_from_create_and_alter_table(tmp_path: Path) -> None:
    (tmp_path / "estate.sql").write_text(ESTATE, encoding="utf-8")
    catalog = read_catalog(tmp_path)
    orders = catalog.get("dbo.orders")
    assert orders.checks == [
        CheckConstraint("[Price] BETWEEN 0 AND 1000", None, "Price"),
        CheckConstraint("Qty < 1000", None, "Total"),
        CheckConstraint("Status IN ('Open', 'Closed')", "CK_Status"),
        CheckConstraint("Qty < 100"),
        CheckConstraint("[Price]>=(0)", "CK_Orders_Price"),
    ]
    assert orders.columns[3].computed == "Qty * Price"  # a CHECK ends a computed column's expression
    messages = [f.message for f in catalog.findings if "CHECK" in f.message]
    assert messages == [
        "dbo.Orders: CHECK CK_Loose ([Qty]<(50)) added WITH NOCHECK: the rows already there were never "
        "checked: not tested",
        "dbo.Orders: CHECK CK_Qty (Qty > 0) disabled (NOCHECK CONSTRAINT): not tested",
    ]


def test_a_catalog_saved_before_checks_loads_with_none(tmp_path: Path) -> None:
    (tmp_path / "estate.sql").write_text(ESTATE, encoding="utf-8")
    saved = read_catalog(tmp_path).to_dict()
    for obj in saved["objects"]:
        del obj["checks"]
    assert all(obj.checks == [] for obj in Catalog.from_dict(saved).objects)
