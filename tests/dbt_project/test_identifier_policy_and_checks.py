"""Both identifier policies end to end on one small estate, and its CHECK constraints as dbt tests.

The estate is written to trip each rule: a view that spells `OrderID` as `orderid` (SQL Server
compares names case-insensitively, so the snake_case name must follow from the declared one),
two columns that become one name under snake_case (`OrderRef`, `Order_Ref`), a computed column,
a CHECK of each kind (IN of strings, IN of numbers, a comparison, BETWEEN, a LIKE) and one
the translator cannot take (a user function), and a row in lower case (`'open'`) that SQL
Server's case-insensitive CHECK accepts. The view's reference rows are SQL Server's, worked out
by hand: row comparison must hold under both policies.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import psycopg2
import pytest
import yaml

from migrator_pipeline.cli import main
from migrator_pipeline.project_files import ProjectFiles
from migrator_pipeline.warehouse.connection import dbt_connection_env

pytestmark = pytest.mark.slow
BIN = Path(sys.executable).parent

ESTATE = """\
CREATE FUNCTION dbo.fn_IsPositive (@x int) RETURNS bit AS BEGIN RETURN CASE WHEN @x > 0 THEN 1 ELSE 0 END END
GO
CREATE TABLE dbo.OrderLines (
    OrderLineID int NOT NULL PRIMARY KEY,
    OrderID int NOT NULL,
    Quantity int NOT NULL CONSTRAINT CK_OrderLines_Quantity CHECK (Quantity > 0),
    UnitPrice decimal(10, 2) NULL CHECK (UnitPrice BETWEEN 0 AND 1000),
    LineStatus nvarchar(10) NOT NULL CONSTRAINT CK_OrderLines_LineStatus CHECK (LineStatus IN ('Open', 'Shipped')),
    PackageTypeID int NOT NULL CHECK (PackageTypeID IN (1, 2, 7)),
    SkuCode char(2) NULL CHECK (SkuCode LIKE '[A-Z][A-Z]'),
    LineTotal AS (Quantity * UnitPrice),
    CONSTRAINT CK_OrderLines_Function CHECK (dbo.fn_IsPositive(Quantity) = 1)
)
GO
CREATE TABLE dbo.Shipments (
    ShipmentID int NOT NULL PRIMARY KEY,
    OrderRef int NULL,
    Order_Ref int NULL
)
GO
INSERT INTO dbo.OrderLines (OrderLineID, OrderID, Quantity, UnitPrice, LineStatus, PackageTypeID, SkuCode) VALUES
    (1, 10, 2, 5.00, 'Open', 7, 'AB'),
    (2, 10, 1, 12.50, 'open', 1, 'cd'),
    (3, 11, 4, NULL, 'Shipped', 2, NULL)
GO
INSERT INTO dbo.Shipments (ShipmentID, OrderRef, Order_Ref) VALUES (1, 10, 20)
GO
CREATE VIEW dbo.vOrderLineTotals AS
SELECT ol.orderid, SUM(ol.LineTotal) AS OrderTotal, COUNT(*) AS LineCount
FROM dbo.orderlines AS ol
GROUP BY ol.OrderID
GO
"""

# dbo.vOrderLineTotals as SQL Server returns it: SUM skips the NULL line total of order 11
EXPECTED_TOTALS = """\
OrderID,OrderTotal,LineCount
10,22.50,2
11,,1
"""


def _migrate(root: Path, project: str, *options: str) -> tuple[ProjectFiles, dict]:
    source = root / project
    (source / "expected").mkdir(parents=True)
    (source / "estate.sql").write_text(ESTATE, encoding="utf-8")
    (source / "expected" / "dbo.vOrderLineTotals.csv").write_text(EXPECTED_TOTALS, encoding="utf-8")
    with contextlib.redirect_stdout(io.StringIO()):
        assert main(["migrate", str(source), "--project", project, *options]) == 0
    files = ProjectFiles(project)
    evaluation = json.loads(files.path("evaluation.json").read_text())
    return files, {o["source"]: o for o in evaluation["objects"]}


@pytest.fixture(scope="module")
def lower(migrator_home, warehouse_url, tmp_path_factory):
    return _migrate(tmp_path_factory.mktemp("lower"), "names_lower")


@pytest.fixture(scope="module")
def snake(migrator_home, warehouse_url, tmp_path_factory):
    return _migrate(tmp_path_factory.mktemp("snake"), "names_snake", "--identifiers", "snake_case")


def _columns(warehouse_url: str, schema: str, relation: str) -> list[str]:
    with psycopg2.connect(warehouse_url) as connection, connection.cursor() as cursor:
        cursor.execute("select column_name from information_schema.columns where table_schema = %s "
                       "and table_name = %s order by ordinal_position", (schema, relation))
        return [row[0] for row in cursor.fetchall()]


def test_the_default_keeps_names_as_postgresql_folds_them(lower, warehouse_url):
    files, objects = lower
    view = objects["dbo.vOrderLineTotals"]
    assert (view["status"], view["evidence"]) == ("passed", "rows_matched")
    assert view["names"] == {"model": "vorderlinetotals",
                             "columns": {"orderid": "orderid", "OrderTotal": "ordertotal", "LineCount": "linecount"}}
    assert _columns(warehouse_url, "names_lower", "vorderlinetotals") == ["orderid", "ordertotal", "linecount"]
    assert _columns(warehouse_url, "names_lower", "stg_dbo__orderlines") == [
        "orderlineid", "orderid", "quantity", "unitprice", "linestatus", "packagetypeid", "skucode", "linetotal"]
    assert objects["dbo.Shipments"]["names"]["columns"] == {
        "ShipmentID": "shipmentid", "OrderRef": "orderref", "Order_Ref": "order_ref"}


def test_snake_case_names_every_model_and_column_and_rows_still_match(snake, warehouse_url):
    files, objects = snake
    view = objects["dbo.vOrderLineTotals"]
    assert (view["status"], view["evidence"], view["data"]) == ("passed", "rows_matched", "matched")
    # the view's output is `orderid` as it spells it (SQL Server's name for it), `order_id` as declared
    assert view["names"] == {"model": "v_order_line_totals",
                             "columns": {"orderid": "order_id", "OrderTotal": "order_total", "LineCount": "line_count"}}
    assert view["models"] == [{"name": "v_order_line_totals", "relation": "names_snake.v_order_line_totals"}]
    assert _columns(warehouse_url, "names_snake", "v_order_line_totals") == ["order_id", "order_total", "line_count"]
    assert _columns(warehouse_url, "names_snake", "stg_dbo__order_lines") == [
        "order_line_id", "order_id", "quantity", "unit_price", "line_status", "package_type_id", "sku_code",
        "line_total"]
    # the raw copy keeps the `lower` names: the staging model renames
    assert _columns(warehouse_url, "names_snake_raw", "dbo__orderlines")[:3] == ["orderlineid", "orderid", "quantity"]
    staging = (files.dbt_dir / "models" / "staging" / "dbo" / "stg_dbo__order_lines.sql").read_text()
    assert "orderlineid as order_line_id" in staging
    assert objects["dbo.OrderLines"]["names"]["columns"]["PackageTypeID"] == "package_type_id"


def test_two_names_that_snake_case_makes_one_are_kept_apart(snake, warehouse_url):
    files, objects = snake
    # `Order_Ref` is already in that form and keeps `order_ref`; `OrderRef` keeps its lower name
    assert objects["dbo.Shipments"]["names"]["columns"] == {
        "ShipmentID": "shipment_id", "OrderRef": "orderref", "Order_Ref": "order_ref"}
    assert _columns(warehouse_url, "names_snake", "stg_dbo__shipments") == ["shipment_id", "orderref", "order_ref"]
    plan = files.plan()
    assert "orderref -> orderref: order_ref names order_ref already" in plan.notes
    assert (plan.identifier_policy, plan.spellings["orderlineid"]) == ("snake_case", "order_line_id")


def _check_tests(files: ProjectFiles) -> dict[str, str]:
    """Each CHECK test of the build, by its description: pass or fail."""
    manifest = json.loads((files.dbt_dir / "target" / "manifest.json").read_text())
    results = json.loads((files.dbt_dir / "target" / "run_results.json").read_text())["results"]
    described = {n["unique_id"]: n["description"] for n in manifest["nodes"].values()
                 if n["resource_type"] == "test" and n["description"].startswith("SQL Server CHECK")}
    return {described[r["unique_id"]]: r["status"] for r in results if r["unique_id"] in described}


def test_check_constraints_become_tests_that_pass_on_the_migrated_rows(lower):
    files, _ = lower
    orders = next(t for s in yaml.safe_load((files.dbt_dir / "models" / "staging" / "dbo" / "_dbo__sources.yml")
                                            .read_text())["sources"] for t in s["tables"] if t["name"] == "orderlines")
    columns = {c["name"]: c.get("data_tests", []) for c in orders["columns"]}
    assert {"accepted_values": {"description": "SQL Server CHECK (PackageTypeID IN (1, 2, 7))",
                                "arguments": {"values": ["1", "2", "7"], "quote": False}}} in columns["packagetypeid"]
    assert [t for t in orders["data_tests"] if "accepted_values" in t] == [{"accepted_values": {
        "description": "SQL Server CHECK (LineStatus IN ('Open', 'Shipped'))",
        "arguments": {"values": ["open", "shipped"]}, "column_name": "lower(rtrim(linestatus))"}}]
    assert [t["expression_is_true"]["arguments"]["expression"] for t in orders["data_tests"]
            if "expression_is_true" in t] == [
        "quantity > 0", "unitprice between 0 and 1000", "skucode ~* '^[A-Z][A-Z] *$'"]
    assert ("dbo.OrderLines: CHECK CK_OrderLines_Function (dbo.fn_IsPositive(Quantity) = 1) not tested: "
            "unknown function dbo.fn_ispositive: not translated as a macro") in files.plan().notes
    # all five ran in the pipeline's `dbt build`, on the rows as loaded ('open' and 'cd' included)
    assert _check_tests(files) == {
        "SQL Server CHECK (Quantity > 0)": "pass",
        "SQL Server CHECK (UnitPrice BETWEEN 0 AND 1000)": "pass",
        "SQL Server CHECK (LineStatus IN ('Open', 'Shipped'))": "pass",
        "SQL Server CHECK (PackageTypeID IN (1, 2, 7))": "pass",
        "SQL Server CHECK (SkuCode LIKE '[A-Z][A-Z]')": "pass",
    }


def test_check_tests_fail_on_a_row_sql_server_would_refuse(lower, warehouse_url):
    files, _ = lower
    with psycopg2.connect(warehouse_url) as connection, connection.cursor() as cursor:
        cursor.execute("insert into names_lower_raw.dbo__orderlines (orderlineid, orderid, quantity, unitprice, "
                       "linestatus, packagetypeid, skucode) values (9, 12, 0, 1001, 'Lost', 5, 'A1')")
    try:
        env = {**os.environ, **dbt_connection_env(warehouse_url)}
        result = subprocess.run([str(BIN / "dbt"), "--no-use-colors", "test", "--profiles-dir", ".",
                                 "--select", "source:dbo.orderlines"],
                                cwd=files.dbt_dir, env=env, capture_output=True, text=True, timeout=600)
        assert result.returncode == 1, result.stdout[-3000:]
        assert _check_tests(files) == {
            "SQL Server CHECK (Quantity > 0)": "fail",
            "SQL Server CHECK (UnitPrice BETWEEN 0 AND 1000)": "fail",
            "SQL Server CHECK (LineStatus IN ('Open', 'Shipped'))": "fail",
            "SQL Server CHECK (PackageTypeID IN (1, 2, 7))": "fail",
            "SQL Server CHECK (SkuCode LIKE '[A-Z][A-Z]')": "fail",
        }
    finally:
        with psycopg2.connect(warehouse_url) as connection, connection.cursor() as cursor:
            cursor.execute("delete from names_lower_raw.dbo__orderlines where orderlineid = 9")
