"""Scalar functions whose body is not one expression (IF ... BEGIN ... END, WHILE, an early
RETURN) become PL/pgSQL functions that the dbt project creates, checked with rows on the
embedded PostgreSQL (issue 14). The estate is our own, reduced from microsoft/sql-server-samples:
`CalculateCustomerPrice` is WideWorldImporters' `Website.CalculateCustomerPrice` (its IF blocks,
lookups and discount arithmetic as written, in `dbo`), the others take the shapes of
AdventureWorks' `ufn*` functions further (a loop, BREAK, a DECLARE inside the loop, a parameter
assigned, an assignment that converts, a lookup whose rows are assigned in turn).

The expected values are what SQL Server returns, worked out by its documented rules:
- an assignment converts to the variable's type (`int` truncates 7.9 to 7, toward zero);
- `ROUND` is half away from zero; decimal division keeps SQL Server's scale;
- `nvarchar` compares case-insensitively and ignores trailing spaces; NULL in an IF or WHILE
  condition is false; NULL + a string is NULL;
- `SELECT @v = x FROM ... ORDER BY` leaves the last row's value, and no row leaves @v alone;
- a DECLARE with a value inside a loop assigns it each time round.
"""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest
import yaml

from migrator_pipeline.cli import main
from migrator_pipeline.project_files import ProjectFiles
from built_models import assert_built_and_tested, model_rows, warehouse_cursor

pytestmark = pytest.mark.slow
PROJECT = "plpgsql_functions"

ESTATE = """\
CREATE TABLE dbo.Customers (CustomerID int NOT NULL PRIMARY KEY, BuyingGroupID int NULL,
    CustomerCategoryID int NOT NULL)
CREATE TABLE dbo.StockItems (StockItemID int NOT NULL PRIMARY KEY, UnitPrice decimal(18,2) NOT NULL)
CREATE TABLE dbo.StockItemStockGroups (StockItemID int NOT NULL, StockGroupID int NOT NULL,
    CONSTRAINT PK_StockItemStockGroups PRIMARY KEY (StockItemID, StockGroupID))
CREATE TABLE dbo.SpecialDeals (SpecialDealID int NOT NULL PRIMARY KEY, StockItemID int NULL, CustomerID int NULL,
    BuyingGroupID int NULL, CustomerCategoryID int NULL, StockGroupID int NULL, StartDate date NOT NULL,
    EndDate date NOT NULL, DiscountAmount decimal(18,2) NULL, DiscountPercentage decimal(18,3) NULL,
    UnitPrice decimal(18,2) NULL)
CREATE TABLE dbo.PricingDates (PricingDate date NOT NULL PRIMARY KEY)
CREATE TABLE dbo.Inputs (InputID int NOT NULL PRIMARY KEY, Value int NULL, MaxDigits tinyint NULL,
    Amount decimal(9,2) NULL, Mode nvarchar(10) NULL, StockItemID int NULL, Kind int NULL)
GO
INSERT INTO dbo.Customers VALUES (1, 10, 3), (2, NULL, 5)
INSERT INTO dbo.StockItems VALUES (100, 20.00), (101, 7.50), (102, 0.99)
INSERT INTO dbo.StockItemStockGroups VALUES (101, 7)
INSERT INTO dbo.SpecialDeals VALUES
    (1, NULL, NULL, 10, NULL, NULL, '20160101', '20161231', NULL, 15.000, NULL),
    (2, 101, NULL, NULL, NULL, NULL, '20160301', '20160331', 1.00, NULL, NULL),
    (3, NULL, 2, NULL, NULL, 7, '20160101', '20161231', NULL, NULL, 5.00),
    (4, 101, NULL, NULL, NULL, NULL, '20160201', '20160229', 0.50, NULL, NULL)
INSERT INTO dbo.PricingDates VALUES ('20160301'), ('20161231'), ('20170101')
INSERT INTO dbo.Inputs VALUES
    (1, 5, 8, 15.80, N'floor', 101, 1),
    (2, 10, 3, 15.80, N'FLOOR ', 100, 2),
    (3, 0, NULL, 15.80, N'round', NULL, NULL),
    (4, NULL, 8, -15.80, N'floor', 999, 3),
    (5, -3, 8, NULL, N'floor', 102, 1),
    (6, 2147483647, 16, 1.00, NULL, 101, 0)
GO
CREATE FUNCTION dbo.CalculateCustomerPrice
(
    @CustomerID int,
    @StockItemID int,
    @PricingDate date
)
RETURNS decimal(18,2)
WITH EXECUTE AS OWNER
AS
BEGIN
    DECLARE @CalculatedPrice decimal(18,2);
    DECLARE @UnitPrice decimal(18,2);
    DECLARE @LowestUnitPrice decimal(18,2);
    DECLARE @HighestDiscountAmount decimal(18,2);
    DECLARE @HighestDiscountPercentage decimal(18,3);
    DECLARE @BuyingGroupID int;
    DECLARE @CustomerCategoryID int;
    DECLARE @DiscountedUnitPrice decimal(18,2);

    SELECT @BuyingGroupID = BuyingGroupID,
           @CustomerCategoryID = CustomerCategoryID
    FROM dbo.Customers
    WHERE CustomerID = @CustomerID;

    SELECT @UnitPrice = si.UnitPrice
    FROM dbo.StockItems AS si
    WHERE si.StockItemID = @StockItemID;

    SET @CalculatedPrice = @UnitPrice;

    SET @LowestUnitPrice = (SELECT MIN(sd.UnitPrice)
                            FROM dbo.SpecialDeals AS sd
                            WHERE ((sd.StockItemID = @StockItemID) OR (sd.StockItemID IS NULL))
                            AND ((sd.CustomerID = @CustomerID) OR (sd.CustomerID IS NULL))
                            AND ((sd.BuyingGroupID = @BuyingGroupID) OR (sd.BuyingGroupID IS NULL))
                            AND ((sd.CustomerCategoryID = @CustomerCategoryID) OR (sd.CustomerCategoryID IS NULL))
                            AND ((sd.StockGroupID IS NULL) OR EXISTS (SELECT 1 FROM dbo.StockItemStockGroups AS sisg
                                                                               WHERE sisg.StockItemID = @StockItemID
                                                                               AND sisg.StockGroupID = sd.StockGroupID))
                            AND sd.UnitPrice IS NOT NULL
                            AND @PricingDate BETWEEN sd.StartDate AND sd.EndDate);

    IF @LowestUnitPrice IS NOT NULL AND @LowestUnitPrice < @UnitPrice
    BEGIN
        SET @CalculatedPrice = @LowestUnitPrice;
    END;

    SET @HighestDiscountAmount = (SELECT MAX(sd.DiscountAmount)
                                  FROM dbo.SpecialDeals AS sd
                                  WHERE ((sd.StockItemID = @StockItemID) OR (sd.StockItemID IS NULL))
                                  AND ((sd.CustomerID = @CustomerID) OR (sd.CustomerID IS NULL))
                                  AND ((sd.BuyingGroupID = @BuyingGroupID) OR (sd.BuyingGroupID IS NULL))
                                  AND ((sd.CustomerCategoryID = @CustomerCategoryID) OR (sd.CustomerCategoryID IS NULL))
                                  AND ((sd.StockGroupID IS NULL) OR EXISTS (SELECT 1 FROM dbo.StockItemStockGroups AS sisg
                                                                                     WHERE sisg.StockItemID = @StockItemID
                                                                                     AND sisg.StockGroupID = sd.StockGroupID))
                                  AND sd.DiscountAmount IS NOT NULL
                                  AND @PricingDate BETWEEN sd.StartDate AND sd.EndDate);

    IF @HighestDiscountAmount IS NOT NULL AND (@UnitPrice - @HighestDiscountAmount) < @CalculatedPrice
    BEGIN
        SET @CalculatedPrice = @UnitPrice - @HighestDiscountAmount;
    END;

    SET @HighestDiscountPercentage = (SELECT MAX(sd.DiscountPercentage)
                                      FROM dbo.SpecialDeals AS sd
                                      WHERE ((sd.StockItemID = @StockItemID) OR (sd.StockItemID IS NULL))
                                      AND ((sd.CustomerID = @CustomerID) OR (sd.CustomerID IS NULL))
                                      AND ((sd.BuyingGroupID = @BuyingGroupID) OR (sd.BuyingGroupID IS NULL))
                                      AND ((sd.CustomerCategoryID = @CustomerCategoryID) OR (sd.CustomerCategoryID IS NULL))
                                      AND ((sd.StockGroupID IS NULL) OR EXISTS (SELECT 1 FROM dbo.StockItemStockGroups AS sisg
                                                                                         WHERE sisg.StockItemID = @StockItemID
                                                                                         AND sisg.StockGroupID = sd.StockGroupID))
                                      AND sd.DiscountPercentage IS NOT NULL
                                      AND @PricingDate BETWEEN sd.StartDate AND sd.EndDate);

    IF @HighestDiscountPercentage IS NOT NULL
    BEGIN
        SET @DiscountedUnitPrice = ROUND(@UnitPrice * @HighestDiscountPercentage / 100.0, 2);
        IF @DiscountedUnitPrice < @CalculatedPrice SET @CalculatedPrice = @DiscountedUnitPrice;
    END;

    RETURN @CalculatedPrice;
END;
GO
CREATE FUNCTION dbo.BinaryDigits(@Value int, @MaxDigits tinyint)
RETURNS varchar(16)
AS
BEGIN
    IF @Value IS NULL
        RETURN NULL;
    IF @Value < 0
    BEGIN
        RETURN '-';
    END
    DECLARE @Digits varchar(16) = '';
    WHILE @Value > 0 OR @Digits = ''
    BEGIN
        DECLARE @Digit char(1) = CAST(@Value % 2 AS char(1));
        SET @Digits = @Digit + @Digits;
        SET @Value = @Value / 2;
        IF LEN(@Digits) >= @MaxDigits
            BREAK;
    END;
    RETURN @Digits;
END;
GO
CREATE FUNCTION dbo.HalfUnits(@Amount decimal(9,2), @Mode nvarchar(10))
RETURNS int
AS
BEGIN
    DECLARE @Units int;
    IF @Mode = N'floor'
    BEGIN
        SET @Units = @Amount / 2;
    END
    ELSE
    BEGIN
        SET @Units = ROUND(@Amount / 2, 0);
    END
    RETURN @Units;
END;
GO
CREATE FUNCTION dbo.LastDealFor(@StockItemID int)
RETURNS int
AS
BEGIN
    DECLARE @DealID int = 0;
    IF @StockItemID IS NOT NULL
    BEGIN
        SELECT @DealID = sd.SpecialDealID FROM dbo.SpecialDeals AS sd
        WHERE sd.StockItemID = @StockItemID ORDER BY sd.StartDate;
    END
    RETURN @DealID;
END;
GO
CREATE FUNCTION dbo.KindLabel(@Kind int)
RETURNS nvarchar(40)
AS
BEGIN
    IF @Kind = 1
    BEGIN
        RETURN N'{{ 7*7 }}';
    END
    RETURN N'{% if %}' + CAST(@Kind AS nvarchar(10));
END;
GO
CREATE FUNCTION dbo.BufferedCount(@n int)
RETURNS int
AS
BEGIN
    DECLARE @t TABLE (v int);
    INSERT INTO @t VALUES (@n);
    RETURN (SELECT COUNT(*) FROM @t);
END;
GO
CREATE FUNCTION dbo.ItemList(@MinPrice decimal(18,2))
RETURNS nvarchar(200)
AS
BEGIN
    DECLARE @List nvarchar(200) = N'';
    SELECT @List = @List + CAST(si.StockItemID AS nvarchar(10)) + N',' FROM dbo.StockItems AS si
    WHERE si.UnitPrice >= @MinPrice ORDER BY si.StockItemID;
    RETURN @List;
END;
GO
CREATE VIEW dbo.vCustomerPrices AS
    SELECT c.CustomerID, s.StockItemID, d.PricingDate,
        dbo.CalculateCustomerPrice(c.CustomerID, s.StockItemID, d.PricingDate) AS Price
    FROM dbo.Customers AS c CROSS JOIN dbo.StockItems AS s CROSS JOIN dbo.PricingDates AS d
GO
CREATE VIEW dbo.vPriceEdgeCases AS
    SELECT i.InputID,
        dbo.CalculateCustomerPrice(99, 100, CAST('20160301' AS date)) AS UnknownCustomer,
        dbo.CalculateCustomerPrice(1, 999, CAST('20160301' AS date)) AS UnknownItem,
        dbo.CalculateCustomerPrice(1, 100, NULL) AS NoDate
    FROM dbo.Inputs AS i WHERE i.InputID = 1
GO
CREATE VIEW dbo.vFunctionResults AS
    SELECT i.InputID, dbo.BinaryDigits(i.Value, i.MaxDigits) AS Digits, dbo.HalfUnits(i.Amount, i.Mode) AS Units,
        dbo.LastDealFor(i.StockItemID) AS LastDeal, dbo.KindLabel(i.Kind) AS Label
    FROM dbo.Inputs AS i
GO
"""

PLPGSQL_FUNCTIONS = ["dbo.CalculateCustomerPrice", "dbo.BinaryDigits", "dbo.HalfUnits", "dbo.LastDealFor",
                     "dbo.KindLabel"]


@pytest.fixture(scope="module")
def estate(migrator_home, warehouse_url, tmp_path_factory) -> dict:
    folder = tmp_path_factory.mktemp("plpgsql_estate")
    (folder / "estate.sql").write_text(ESTATE, encoding="utf-8")
    assert main(["migrate", str(folder), "--project", PROJECT]) == 0
    evaluation = json.loads(ProjectFiles(PROJECT).path("evaluation.json").read_text(encoding="utf-8"))
    return {o["source"]: o for o in evaluation["objects"]}



@pytest.mark.parametrize("function", PLPGSQL_FUNCTIONS)
def test_each_function_is_a_plpgsql_function_of_the_project(estate, function):
    assert_built_and_tested(estate[function])
    functions = ProjectFiles(PROJECT).path("dbt") / "functions"
    name = function.split(".")[1].lower()
    assert (functions / f"{name}.sql").exists()
    properties = yaml.safe_load((functions / "_functions.yml").read_text(encoding="utf-8"))
    entry = next(f for f in properties["functions"] if f["name"] == name)
    assert entry["config"]["meta"] == {"body_language": "plpgsql"}


def test_the_function_is_created_as_plpgsql_in_the_warehouse(estate, warehouse_url):
    with warehouse_cursor(warehouse_url) as cur:
        cur.execute("select p.proname, l.lanname, p.provolatile from pg_proc p join pg_language l on l.oid = p.prolang "
                    "join pg_namespace n on n.oid = p.pronamespace where n.nspname = %s order by 1", (PROJECT,))
        languages = {name: (language, volatility) for name, language, volatility in cur.fetchall()}
    assert {f.split(".")[1].lower() for f in PLPGSQL_FUNCTIONS} <= set(languages)
    assert all(languages[f.split(".")[1].lower()] == ("plpgsql", "s") for f in PLPGSQL_FUNCTIONS)


def test_calculate_customer_price_returns_what_sql_server_returns(estate, warehouse_url):
    """WideWorldImporters' pricing: the lowest special price, an amount off, a percentage (its
    `ROUND(@UnitPrice * pct / 100.0, 2)` is what SQL Server computes, the discount itself), deals
    that end on the day asked for, a buying group NULL that matches no group's deal, a stock
    group's deal through EXISTS."""
    view = estate["dbo.vCustomerPrices"]
    assert_built_and_tested(view)
    d1, d2, d3 = date(2016, 3, 1), date(2016, 12, 31), date(2017, 1, 1)
    assert model_rows(warehouse_url, view, "customerid, stockitemid, pricingdate, price", order_by="1, 2, 3") == [
        (1, 100, d1, Decimal("3.00")), (1, 100, d2, Decimal("3.00")), (1, 100, d3, Decimal("20.00")),
        (1, 101, d1, Decimal("1.13")), (1, 101, d2, Decimal("1.13")), (1, 101, d3, Decimal("7.50")),
        (1, 102, d1, Decimal("0.15")), (1, 102, d2, Decimal("0.15")), (1, 102, d3, Decimal("0.99")),
        (2, 100, d1, Decimal("20.00")), (2, 100, d2, Decimal("20.00")), (2, 100, d3, Decimal("20.00")),
        (2, 101, d1, Decimal("5.00")), (2, 101, d2, Decimal("5.00")), (2, 101, d3, Decimal("7.50")),
        (2, 102, d1, Decimal("0.99")), (2, 102, d2, Decimal("0.99")), (2, 102, d3, Decimal("0.99")),
    ]


def test_unknown_keys_and_null_inputs_price_as_sql_server_does(estate, warehouse_url):
    """An unknown customer leaves its group NULL (no group deal); an unknown item has no price;
    a NULL date matches no deal."""
    view = estate["dbo.vPriceEdgeCases"]
    assert_built_and_tested(view)
    assert model_rows(warehouse_url, view, "inputid, unknowncustomer, unknownitem, nodate", order_by="1, 2, 3") == [
        (1, Decimal("20.00"), None, Decimal("20.00"))]


def test_loops_branches_and_assignments_return_what_sql_server_returns(estate, warehouse_url):
    view = estate["dbo.vFunctionResults"]
    assert_built_and_tested(view)
    assert model_rows(warehouse_url, view, "inputid, digits, units, lastdeal, label", order_by="1, 2, 3") == [
        (1, "101", 7, 2, "{{ 7*7 }}"),  # 5 in binary; 7.9 truncated; deals 4 then 2: the last
        (2, "010", 7, 0, "{% if %}2"),  # BREAK at 3 digits; 'FLOOR ' = N'floor'; no deal: the DECLAREd 0
        (3, "0", 8, 0, None),  # one pass for 0, NULL MaxDigits never breaks; ROUND(7.9); NULL item; NULL + text
        (4, None, -7, 0, "{% if %}3"),  # an early RETURN NULL; -7.9 truncated toward zero
        (5, "-", None, 0, "{{ 7*7 }}"),  # RETURN inside BEGIN ... END; NULL amount
        (6, "1111111111111111", 1, 2, "{% if %}0"),  # 16 digits then BREAK; NULL mode: ELSE, ROUND(0.5) = 1
    ]


@pytest.mark.parametrize("function, construct", [
    ("dbo.BufferedCount", "table variable"),
    ("dbo.ItemList", "assigns a variable it reads"),
])
def test_what_plpgsql_does_not_cover_needs_review_naming_the_construct(estate, function, construct):
    obj = estate[function]
    assert obj["status"] == "needs_review", obj["reason"]
    assert construct in obj["reason"], obj["reason"]
