/*
    TrapDW: set-based ETL procedures that fill the etl schema.
    Written for this project: a SQL Server 2019 estate whose views and procedures exercise the
    places where T-SQL and PostgreSQL disagree. Expected rows are in expected/.
*/
USE [TrapDW]
GO

SET ANSI_NULLS ON
GO
SET QUOTED_IDENTIFIER ON
GO

-- Full reload (TRUNCATE, then INSERT ... SELECT) of etl.CustomerNames: the logic of dbo.vw_CustomerNames.
-- Trap: `+` yields NULL when an operand is NULL; CONCAT treats NULL as an empty string
-- Doc: https://learn.microsoft.com/en-us/sql/t-sql/language-elements/string-concatenation-transact-sql
-- Doc: https://learn.microsoft.com/en-us/sql/t-sql/functions/concat-transact-sql
CREATE PROCEDURE etl.usp_LoadCustomerNames
AS
BEGIN
    SET NOCOUNT ON;

    TRUNCATE TABLE etl.CustomerNames;

    INSERT INTO etl.CustomerNames (CustomerID, FullName, ConcatName)
    SELECT c.CustomerID,
           c.FirstName + N' ' + c.LastName AS FullName,
           N'[' + CONCAT(c.FirstName, N' ', c.LastName) + N']' AS ConcatName
    FROM dbo.Customers AS c;
END
GO

-- Upsert (MERGE on the key) of etl.NumberTextPlus: the logic of dbo.vw_NumberTextPlus.
-- Trap: '5' + 3 is 8: int has the higher precedence, so the string is converted to int
-- Doc: https://learn.microsoft.com/en-us/sql/t-sql/data-types/data-type-precedence-transact-sql
CREATE PROCEDURE etl.usp_MergeNumberTextPlus
AS
BEGIN
    SET NOCOUNT ON;

    MERGE etl.NumberTextPlus AS tgt
    USING (
        SELECT CustomerID,
               '5' + 3 AS FivePlusThree,
               CAST(CustomerID AS varchar(10)) + '0' AS IdText,
               CAST(CustomerID AS varchar(10)) + 0 AS IdNumber
        FROM dbo.Customers
    ) AS src
    ON tgt.CustomerID = src.CustomerID
    WHEN MATCHED THEN
        UPDATE SET tgt.FivePlusThree = src.FivePlusThree,
                   tgt.IdText = src.IdText,
                   tgt.IdNumber = src.IdNumber
    WHEN NOT MATCHED BY TARGET THEN
        INSERT (CustomerID, FivePlusThree, IdText, IdNumber)
        VALUES (src.CustomerID, src.FivePlusThree, src.IdText, src.IdNumber);
END
GO

-- Staged load through a chain of #temp tables (SELECT ... INTO) of etl.RetailOrOnline: the logic of dbo.vw_RetailOrOnline.
-- Trap: IN compares like =: case-insensitive, trailing spaces ignored
-- Doc: https://learn.microsoft.com/en-us/sql/t-sql/language-elements/in-transact-sql
-- Doc: https://learn.microsoft.com/en-us/troubleshoot/sql/database-engine/database-file-operations/how-sql-server-compares-strings-with-trailing-spaces
CREATE PROCEDURE etl.usp_StageRetailOrOnline
AS
BEGIN
    SET NOCOUNT ON;

    IF OBJECT_ID('tempdb..#Stage') IS NOT NULL
        DROP TABLE #Stage;

    SELECT CustomerID, Segment
    INTO #Stage
    FROM (
        SELECT CustomerID, Segment
        FROM dbo.Customers
        WHERE Segment IN ('retail', 'online')
    ) AS src;

    SELECT CustomerID, Segment
    INTO #Ready
    FROM #Stage;

    TRUNCATE TABLE etl.RetailOrOnline;

    INSERT INTO etl.RetailOrOnline (CustomerID, Segment)
    SELECT CustomerID, Segment
    FROM #Ready;

    DROP TABLE #Ready;
    DROP TABLE #Stage;
END
GO

-- Append-only load (INSERT ... SELECT into an empty table) of etl.CountryCities: the logic of dbo.vw_CountryCities.
-- Trap: GROUP BY and COUNT(DISTINCT) fold case and trailing spaces: 'France', 'france', 'France ' are one group
-- Doc: https://learn.microsoft.com/en-us/sql/t-sql/queries/select-group-by-transact-sql
-- Doc: https://learn.microsoft.com/en-us/sql/relational-databases/collations/collation-and-unicode-support
CREATE PROCEDURE etl.usp_AppendCountryCities
AS
BEGIN
    SET NOCOUNT ON;

    INSERT INTO etl.CountryCities (CountryName, Customers, Cities, WithCity)
    SELECT UPPER(RTRIM(Country)) AS CountryName,
           COUNT(*) AS Customers,
           COUNT(DISTINCT City) AS Cities,
           COUNT(City) AS WithCity
    FROM dbo.Customers
    GROUP BY Country;
END
GO

-- Full reload (TRUNCATE, then INSERT ... SELECT) of etl.ProductStrings: the logic of dbo.vw_ProductStrings.
-- Trap: STUFF, REPLICATE, LEFT, RIGHT and SUBSTRING; RIGHT over char(8) keeps the padding
-- Doc: https://learn.microsoft.com/en-us/sql/t-sql/functions/stuff-transact-sql
-- Doc: https://learn.microsoft.com/en-us/sql/t-sql/functions/replicate-transact-sql
-- Doc: https://learn.microsoft.com/en-us/sql/t-sql/functions/right-transact-sql
-- Doc: https://learn.microsoft.com/en-us/sql/t-sql/functions/substring-transact-sql
CREATE PROCEDURE etl.usp_LoadProductStrings
AS
BEGIN
    SET NOCOUNT ON;

    TRUNCATE TABLE etl.ProductStrings;

    INSERT INTO etl.ProductStrings (ProductID, Stuffed, Stars, Prefix, SkuTail, FromZero)
    SELECT ProductID,
           STUFF(ProductName, 1, 3, N'XY') AS Stuffed,
           '[' + REPLICATE('*', StockQty % 5) + ']' AS Stars,
           LEFT(ProductName, 4) AS Prefix,
           '[' + RIGHT(Sku, 4) + ']' AS SkuTail,
           SUBSTRING(ProductName, 0, 4) AS FromZero
    FROM dbo.Products;
END
GO

-- Upsert (MERGE on the key) of etl.SkuLists: the logic of dbo.vw_SkuLists.
-- Trap: STRING_AGG ... WITHIN GROUP (ORDER BY ...) fixes the order of the list
-- Doc: https://learn.microsoft.com/en-us/sql/t-sql/functions/string-agg-transact-sql
CREATE PROCEDURE etl.usp_MergeSkuLists
AS
BEGIN
    SET NOCOUNT ON;

    MERGE etl.SkuLists AS tgt
    USING (
        SELECT Discontinued,
               STRING_AGG(RTRIM(Sku), ',') WITHIN GROUP (ORDER BY ProductID) AS SkuList,
               STRING_AGG(CAST(ProductID AS varchar(10)), '|') WITHIN GROUP (ORDER BY ProductID DESC) AS IdList
        FROM dbo.Products
        GROUP BY Discontinued
    ) AS src
    ON tgt.Discontinued = src.Discontinued
    WHEN MATCHED THEN
        UPDATE SET tgt.SkuList = src.SkuList,
                   tgt.IdList = src.IdList
    WHEN NOT MATCHED BY TARGET THEN
        INSERT (Discontinued, SkuList, IdList)
        VALUES (src.Discontinued, src.SkuList, src.IdList);
END
GO

-- Staged load through a chain of #temp tables (SELECT ... INTO) of etl.UpperCheck: the logic of dbo.vw_UpperCheck.
-- Trap: UPPER(x) = x is true for every string under a case-insensitive collation
-- Doc: https://learn.microsoft.com/en-us/sql/relational-databases/collations/collation-and-unicode-support
CREATE PROCEDURE etl.usp_StageUpperCheck
AS
BEGIN
    SET NOCOUNT ON;

    IF OBJECT_ID('tempdb..#Stage') IS NOT NULL
        DROP TABLE #Stage;

    SELECT CustomerID, LooksUpper
    INTO #Stage
    FROM (
        SELECT CustomerID,
               CASE WHEN UPPER(LastName) = LastName THEN 1 ELSE 0 END AS LooksUpper
        FROM dbo.Customers
    ) AS src;

    SELECT CustomerID, LooksUpper
    INTO #Ready
    FROM #Stage;

    TRUNCATE TABLE etl.UpperCheck;

    INSERT INTO etl.UpperCheck (CustomerID, LooksUpper)
    SELECT CustomerID, LooksUpper
    FROM #Ready;

    DROP TABLE #Ready;
    DROP TABLE #Stage;
END
GO

-- Append-only load (INSERT ... SELECT into an empty table) of etl.AliasMatches: the logic of dbo.vw_AliasMatches.
-- Trap: a join on = matches codes that differ in case and trailing spaces
-- Doc: https://learn.microsoft.com/en-us/troubleshoot/sql/database-engine/database-file-operations/how-sql-server-compares-strings-with-trailing-spaces
-- Doc: https://learn.microsoft.com/en-us/sql/relational-databases/collations/collation-and-unicode-support
CREATE PROCEDURE etl.usp_AppendAliasMatches
AS
BEGIN
    SET NOCOUNT ON;

    INSERT INTO etl.AliasMatches (AliasID, CustomerID, Alias)
    SELECT a.AliasID, c.CustomerID, a.Alias
    FROM dbo.CodeAliases AS a
    INNER JOIN dbo.Customers AS c ON c.CustomerCode = a.CustomerCode;
END
GO

-- Full reload (TRUNCATE, then INSERT ... SELECT) of etl.FirstNameOrder: the logic of dbo.vw_FirstNameOrder.
-- Trap: ORDER BY is case-insensitive and puts NULLs first
-- Doc: https://learn.microsoft.com/en-us/sql/t-sql/queries/select-order-by-clause-transact-sql
-- Doc: https://learn.microsoft.com/en-us/sql/t-sql/functions/row-number-transact-sql
CREATE PROCEDURE etl.usp_LoadFirstNameOrder
AS
BEGIN
    SET NOCOUNT ON;

    TRUNCATE TABLE etl.FirstNameOrder;

    INSERT INTO etl.FirstNameOrder (CustomerID, NameRank)
    SELECT CustomerID,
           ROW_NUMBER() OVER (ORDER BY FirstName, CustomerID) AS NameRank
    FROM dbo.Customers;
END
GO

-- Upsert (MERGE on the key) of etl.ProductLookup: the logic of dbo.vw_ProductLookup.
-- Trap: = and LIKE on nvarchar are case-insensitive
-- Doc: https://learn.microsoft.com/en-us/sql/relational-databases/collations/collation-and-unicode-support
-- Doc: https://learn.microsoft.com/en-us/sql/t-sql/language-elements/like-transact-sql
CREATE PROCEDURE etl.usp_MergeProductLookup
AS
BEGIN
    SET NOCOUNT ON;

    MERGE etl.ProductLookup AS tgt
    USING (
        SELECT ProductID, ProductName
        FROM dbo.Products
        WHERE ProductName = N'ESPRESSO BEANS' OR ProductName LIKE N'chai%' OR ProductName LIKE N'%PRESS'
    ) AS src
    ON tgt.ProductID = src.ProductID
    WHEN MATCHED THEN
        UPDATE SET tgt.ProductName = src.ProductName
    WHEN NOT MATCHED BY TARGET THEN
        INSERT (ProductID, ProductName)
        VALUES (src.ProductID, src.ProductName);
END
GO

-- Staged load through a chain of #temp tables (SELECT ... INTO) of etl.OrderQtyAverages: the logic of dbo.vw_OrderQtyAverages.
-- Trap: AVG over int is an int, truncated; SUM/COUNT is int division
-- Doc: https://learn.microsoft.com/en-us/sql/t-sql/functions/avg-transact-sql
CREATE PROCEDURE etl.usp_StageOrderQtyAverages
AS
BEGIN
    SET NOCOUNT ON;

    IF OBJECT_ID('tempdb..#Stage') IS NOT NULL
        DROP TABLE #Stage;

    SELECT OrderID, AvgQty, SumQty, Lines
    INTO #Stage
    FROM (
        SELECT OrderID,
               AVG(Quantity) AS AvgQty,
               SUM(Quantity) AS SumQty,
               COUNT(*) AS Lines
        FROM dbo.OrderLines
        GROUP BY OrderID
    ) AS src;

    SELECT OrderID, AvgQty, SumQty, Lines
    INTO #Ready
    FROM #Stage;

    TRUNCATE TABLE etl.OrderQtyAverages;

    INSERT INTO etl.OrderQtyAverages (OrderID, AvgQty, SumQty, Lines)
    SELECT OrderID, AvgQty, SumQty, Lines
    FROM #Ready;

    DROP TABLE #Ready;
    DROP TABLE #Stage;
END
GO

-- Append-only load (INSERT ... SELECT into an empty table) of etl.PriceRounding: the logic of dbo.vw_PriceRounding.
-- Trap: ROUND keeps the input's type and scale; ROUND(x, n, 1) truncates
-- Doc: https://learn.microsoft.com/en-us/sql/t-sql/functions/round-transact-sql
CREATE PROCEDURE etl.usp_AppendPriceRounding
AS
BEGIN
    SET NOCOUNT ON;

    INSERT INTO etl.PriceRounding (ProductID, PriceRounded, NegRounded, WeightRounded, WeightTruncated)
    SELECT ProductID,
           ROUND(UnitPrice, 0) AS PriceRounded,
           ROUND(-UnitPrice, 0) AS NegRounded,
           ROUND(Weight, 1) AS WeightRounded,
           ROUND(Weight, 1, 1) AS WeightTruncated
    FROM dbo.Products;
END
GO

-- Full reload (TRUNCATE, then INSERT ... SELECT) of etl.FreightBands: the logic of dbo.vw_FreightBands.
-- Trap: money to int rounds half away from zero; CASE over NULL falls to ELSE
-- Doc: https://learn.microsoft.com/en-us/sql/t-sql/functions/cast-and-convert-transact-sql
-- Doc: https://learn.microsoft.com/en-us/sql/t-sql/language-elements/case-transact-sql
CREATE PROCEDURE etl.usp_LoadFreightBands
AS
BEGIN
    SET NOCOUNT ON;

    TRUNCATE TABLE etl.FreightBands;

    INSERT INTO etl.FreightBands (OrderID, FreightInt, FreightRounded, Band)
    SELECT OrderID,
           CAST(Freight AS int) AS FreightInt,
           ROUND(Freight, 0) AS FreightRounded,
           CASE WHEN Freight >= 10 THEN 'high'
                WHEN Freight BETWEEN 5 AND 9.99 THEN 'medium'
                WHEN Freight < 5 THEN 'low'
                ELSE 'unknown' END AS Band
    FROM dbo.Orders;
END
GO

-- Upsert (MERGE on the key) of etl.ProductShare: the logic of dbo.vw_ProductShare.
-- Trap: 100.0 * int / SUM(int) OVER () is decimal; CAST rounds to one place
-- Doc: https://learn.microsoft.com/en-us/sql/t-sql/data-types/precision-scale-and-length-transact-sql
-- Doc: https://learn.microsoft.com/en-us/sql/t-sql/queries/select-over-clause-transact-sql
CREATE PROCEDURE etl.usp_MergeProductShare
AS
BEGIN
    SET NOCOUNT ON;

    MERGE etl.ProductShare AS tgt
    USING (
        SELECT ProductID,
               CAST(100.0 * StockQty / SUM(StockQty) OVER () AS decimal(5,1)) AS StockShare
        FROM dbo.Products
    ) AS src
    ON tgt.ProductID = src.ProductID
    WHEN MATCHED THEN
        UPDATE SET tgt.StockShare = src.StockShare
    WHEN NOT MATCHED BY TARGET THEN
        INSERT (ProductID, StockShare)
        VALUES (src.ProductID, src.StockShare);
END
GO

-- Staged load through a chain of #temp tables (SELECT ... INTO) of etl.EventSpansCalendar: the logic of dbo.vw_EventSpansCalendar.
-- Trap: DATEDIFF counts year/quarter/month/week boundaries crossed, not elapsed time
-- Doc: https://learn.microsoft.com/en-us/sql/t-sql/functions/datediff-transact-sql
CREATE PROCEDURE etl.usp_StageEventSpansCalendar
AS
BEGIN
    SET NOCOUNT ON;

    IF OBJECT_ID('tempdb..#Stage') IS NOT NULL
        DROP TABLE #Stage;

    SELECT EventID, Years, Quarters, Months, Weeks
    INTO #Stage
    FROM (
        SELECT EventID,
               DATEDIFF(YEAR, StartAt, EndAt) AS Years,
               DATEDIFF(QUARTER, StartAt, EndAt) AS Quarters,
               DATEDIFF(MONTH, StartAt, EndAt) AS Months,
               DATEDIFF(WEEK, StartAt, EndAt) AS Weeks
        FROM dbo.Events
    ) AS src;

    SELECT EventID, Years, Quarters, Months, Weeks
    INTO #Ready
    FROM #Stage;

    TRUNCATE TABLE etl.EventSpansCalendar;

    INSERT INTO etl.EventSpansCalendar (EventID, Years, Quarters, Months, Weeks)
    SELECT EventID, Years, Quarters, Months, Weeks
    FROM #Ready;

    DROP TABLE #Ready;
    DROP TABLE #Stage;
END
GO

-- Append-only load (INSERT ... SELECT into an empty table) of etl.MonthArithmetic: the logic of dbo.vw_MonthArithmetic.
-- Trap: DATEADD(month) clamps to the last day of a shorter month; EOMONTH
-- Doc: https://learn.microsoft.com/en-us/sql/t-sql/functions/dateadd-transact-sql
-- Doc: https://learn.microsoft.com/en-us/sql/t-sql/functions/eomonth-transact-sql
CREATE PROCEDURE etl.usp_AppendMonthArithmetic
AS
BEGIN
    SET NOCOUNT ON;

    INSERT INTO etl.MonthArithmetic (DateID, NextMonth, PrevMonth, NextYear, MonthEnd, NextMonthEnd, MonthStart)
    SELECT DateID,
           DATEADD(MONTH, 1, TheDate) AS NextMonth,
           DATEADD(MONTH, -1, TheDate) AS PrevMonth,
           DATEADD(YEAR, 1, TheDate) AS NextYear,
           EOMONTH(TheDate) AS MonthEnd,
           EOMONTH(TheDate, 1) AS NextMonthEnd,
           DATEADD(DAY, 1, EOMONTH(TheDate, -1)) AS MonthStart
    FROM dbo.KeyDates;
END
GO

-- Full reload (TRUNCATE, then INSERT ... SELECT) of etl.DateStyles: the logic of dbo.vw_DateStyles.
-- Trap: CONVERT styles 101, 103 and 112 for dates
-- Doc: https://learn.microsoft.com/en-us/sql/t-sql/functions/cast-and-convert-transact-sql
CREATE PROCEDURE etl.usp_LoadDateStyles
AS
BEGIN
    SET NOCOUNT ON;

    TRUNCATE TABLE etl.DateStyles;

    INSERT INTO etl.DateStyles (DateID, UsDate, UkDate, IsoBasic, DaysInMonth)
    SELECT DateID,
           CONVERT(varchar(10), TheDate, 101) AS UsDate,
           CONVERT(varchar(10), TheDate, 103) AS UkDate,
           CONVERT(varchar(8), TheDate, 112) AS IsoBasic,
           DAY(EOMONTH(TheDate)) AS DaysInMonth
    FROM dbo.KeyDates;
END
GO

-- Upsert (MERGE on the key) of etl.OrderDayMath: the logic of dbo.vw_OrderDayMath.
-- Trap: datetime + int adds days; DATEADD(day, DATEDIFF(day, 0, d), 0) is midnight
-- Doc: https://learn.microsoft.com/en-us/sql/t-sql/data-types/datetime-transact-sql
-- Doc: https://learn.microsoft.com/en-us/sql/t-sql/language-elements/add-transact-sql
CREATE PROCEDURE etl.usp_MergeOrderDayMath
AS
BEGIN
    SET NOCOUNT ON;

    MERGE etl.OrderDayMath AS tgt
    USING (
        SELECT OrderID,
               OrderDate + 1 AS NextDay,
               OrderDate - 1 AS PrevDay,
               CAST(OrderDate AS date) AS OrderDay,
               DATEADD(DAY, DATEDIFF(DAY, 0, OrderDate), 0) AS Midnight
        FROM dbo.Orders
    ) AS src
    ON tgt.OrderID = src.OrderID
    WHEN MATCHED THEN
        UPDATE SET tgt.NextDay = src.NextDay,
                   tgt.PrevDay = src.PrevDay,
                   tgt.OrderDay = src.OrderDay,
                   tgt.Midnight = src.Midnight
    WHEN NOT MATCHED BY TARGET THEN
        INSERT (OrderID, NextDay, PrevDay, OrderDay, Midnight)
        VALUES (src.OrderID, src.NextDay, src.PrevDay, src.OrderDay, src.Midnight);
END
GO

-- Staged load through a chain of #temp tables (SELECT ... INTO) of etl.OrderDateKeys: the logic of dbo.vw_OrderDateKeys.
-- Trap: integer yyyymmdd keys: CONVERT(date, char(8), 112), integer arithmetic, CAST(int AS datetime)
-- Doc: https://learn.microsoft.com/en-us/sql/t-sql/functions/cast-and-convert-transact-sql
-- Doc: https://learn.microsoft.com/en-us/sql/t-sql/data-types/datetime-transact-sql
CREATE PROCEDURE etl.usp_StageOrderDateKeys
AS
BEGIN
    SET NOCOUNT ON;

    IF OBJECT_ID('tempdb..#Stage') IS NOT NULL
        DROP TABLE #Stage;

    SELECT OrderID, KeyDate, KeyYear, KeyMonth, KeyMatches, DayNumber, FromDayNumber
    INTO #Stage
    FROM (
        SELECT OrderID,
               CONVERT(date, CAST(OrderDateKey AS char(8)), 112) AS KeyDate,
               OrderDateKey / 10000 AS KeyYear,
               OrderDateKey / 100 % 100 AS KeyMonth,
               CASE WHEN CAST(CONVERT(char(8), OrderDate, 112) AS int) = OrderDateKey THEN 1 ELSE 0 END AS KeyMatches,
               DATEDIFF(DAY, 0, OrderDate) AS DayNumber,
               CAST(DATEDIFF(DAY, 0, OrderDate) AS datetime) AS FromDayNumber
        FROM dbo.Orders
    ) AS src;

    SELECT OrderID, KeyDate, KeyYear, KeyMonth, KeyMatches, DayNumber, FromDayNumber
    INTO #Ready
    FROM #Stage;

    TRUNCATE TABLE etl.OrderDateKeys;

    INSERT INTO etl.OrderDateKeys (OrderID, KeyDate, KeyYear, KeyMonth, KeyMatches, DayNumber, FromDayNumber)
    SELECT OrderID, KeyDate, KeyYear, KeyMonth, KeyMatches, DayNumber, FromDayNumber
    FROM #Ready;

    DROP TABLE #Ready;
    DROP TABLE #Stage;
END
GO

-- Append-only load (INSERT ... SELECT into an empty table) of etl.ShippingDays: the logic of dbo.vw_ShippingDays.
-- Trap: DATEDIFF(day) from datetime to date counts midnights; NULL ship date gives NULL
-- Doc: https://learn.microsoft.com/en-us/sql/t-sql/functions/datediff-transact-sql
CREATE PROCEDURE etl.usp_AppendShippingDays
AS
BEGIN
    SET NOCOUNT ON;

    INSERT INTO etl.ShippingDays (OrderID, DaysToShip, ShippedLate)
    SELECT OrderID,
           DATEDIFF(DAY, OrderDate, ShipDate) AS DaysToShip,
           CASE WHEN DATEDIFF(DAY, OrderDate, ShipDate) > 2 THEN 1 ELSE 0 END AS ShippedLate
    FROM dbo.Orders;
END
GO

-- Full reload (TRUNCATE, then INSERT ... SELECT) of etl.WeekendOrders: the logic of dbo.vw_WeekendOrders.
-- Trap: DATENAME(weekday) compared with IN is case-insensitive
-- Doc: https://learn.microsoft.com/en-us/sql/t-sql/functions/datename-transact-sql
-- Doc: https://learn.microsoft.com/en-us/sql/t-sql/language-elements/in-transact-sql
CREATE PROCEDURE etl.usp_LoadWeekendOrders
AS
BEGIN
    SET NOCOUNT ON;

    TRUNCATE TABLE etl.WeekendOrders;

    INSERT INTO etl.WeekendOrders (OrderID, DayName)
    SELECT OrderID, DATENAME(WEEKDAY, OrderDate) AS DayName
    FROM dbo.Orders
    WHERE DATENAME(WEEKDAY, OrderDate) IN ('saturday', 'SUNDAY');
END
GO

-- Upsert (MERGE on the key) of etl.SignupCohorts: the logic of dbo.vw_SignupCohorts.
-- Trap: CONVERT(char(7), d, 120) cuts the ODBC format to yyyy-mm
-- Doc: https://learn.microsoft.com/en-us/sql/t-sql/functions/cast-and-convert-transact-sql
CREATE PROCEDURE etl.usp_MergeSignupCohorts
AS
BEGIN
    SET NOCOUNT ON;

    MERGE etl.SignupCohorts AS tgt
    USING (
        SELECT CONVERT(char(7), CreatedAt, 120) AS Cohort,
               COUNT(*) AS Customers
        FROM dbo.Customers
        GROUP BY CONVERT(char(7), CreatedAt, 120)
    ) AS src
    ON tgt.Cohort = src.Cohort
    WHEN MATCHED THEN
        UPDATE SET tgt.Customers = src.Customers
    WHEN NOT MATCHED BY TARGET THEN
        INSERT (Cohort, Customers)
        VALUES (src.Cohort, src.Customers);
END
GO

-- Staged load through a chain of #temp tables (SELECT ... INTO) of etl.TopFreightPercent: the logic of dbo.vw_TopFreightPercent.
-- Trap: TOP ... PERCENT rounds the row count up; NULLs sort last in DESC
-- Doc: https://learn.microsoft.com/en-us/sql/t-sql/queries/top-transact-sql
CREATE PROCEDURE etl.usp_StageTopFreightPercent
AS
BEGIN
    SET NOCOUNT ON;

    IF OBJECT_ID('tempdb..#Stage') IS NOT NULL
        DROP TABLE #Stage;

    SELECT OrderID, Freight
    INTO #Stage
    FROM (
        SELECT TOP (25) PERCENT OrderID, Freight
        FROM dbo.Orders
        ORDER BY Freight DESC, OrderID
    ) AS src;

    SELECT OrderID, Freight
    INTO #Ready
    FROM #Stage;

    TRUNCATE TABLE etl.TopFreightPercent;

    INSERT INTO etl.TopFreightPercent (OrderID, Freight)
    SELECT OrderID, Freight
    FROM #Ready;

    DROP TABLE #Ready;
    DROP TABLE #Stage;
END
GO

-- Append-only load (INSERT ... SELECT into an empty table) of etl.LowestCredit: the logic of dbo.vw_LowestCredit.
-- Trap: ORDER BY ASC puts NULLs first, so TOP picks the NULL rows
-- Doc: https://learn.microsoft.com/en-us/sql/t-sql/queries/select-order-by-clause-transact-sql
CREATE PROCEDURE etl.usp_AppendLowestCredit
AS
BEGIN
    SET NOCOUNT ON;

    INSERT INTO etl.LowestCredit (CustomerID, CreditLimit)
    SELECT TOP (3) CustomerID, CreditLimit
    FROM dbo.Customers
    ORDER BY CreditLimit, CustomerID;
END
GO

-- Full reload (TRUNCATE, then INSERT ... SELECT) of etl.CustomerRunningFreight: the logic of dbo.vw_CustomerRunningFreight.
-- Trap: running SUM over money ignores NULLs; LAG; COUNT(*) OVER partition
-- Doc: https://learn.microsoft.com/en-us/sql/t-sql/queries/select-over-clause-transact-sql
-- Doc: https://learn.microsoft.com/en-us/sql/t-sql/functions/lag-transact-sql
CREATE PROCEDURE etl.usp_LoadCustomerRunningFreight
AS
BEGIN
    SET NOCOUNT ON;

    TRUNCATE TABLE etl.CustomerRunningFreight;

    INSERT INTO etl.CustomerRunningFreight (OrderID, RunningFreight, PreviousOrderDate, CustomerOrders)
    SELECT OrderID,
           SUM(Freight) OVER (PARTITION BY CustomerID ORDER BY OrderDate, OrderID ROWS UNBOUNDED PRECEDING) AS RunningFreight,
           LAG(OrderDate) OVER (PARTITION BY CustomerID ORDER BY OrderDate, OrderID) AS PreviousOrderDate,
           COUNT(*) OVER (PARTITION BY CustomerID) AS CustomerOrders
    FROM dbo.Orders;
END
GO

-- Upsert (MERGE on the key) of etl.MonthSeries: the logic of dbo.vw_MonthSeries.
-- Trap: a recursive CTE generates months; DATEADD on date stays date
-- Doc: https://learn.microsoft.com/en-us/sql/t-sql/queries/with-common-table-expression-transact-sql
-- Doc: https://learn.microsoft.com/en-us/sql/t-sql/functions/dateadd-transact-sql
CREATE PROCEDURE etl.usp_MergeMonthSeries
AS
BEGIN
    SET NOCOUNT ON;

    WITH months AS (
        SELECT CAST('2024-01-01' AS date) AS MonthStart
        UNION ALL
        SELECT DATEADD(MONTH, 1, MonthStart)
        FROM months
        WHERE MonthStart < '2024-12-01'
    )
    MERGE etl.MonthSeries AS tgt
    USING (
        SELECT m.MonthStart,
               COUNT(o.OrderID) AS Orders
        FROM months AS m
        LEFT JOIN dbo.Orders AS o
          ON o.OrderDate >= m.MonthStart AND o.OrderDate < DATEADD(MONTH, 1, m.MonthStart)
        GROUP BY m.MonthStart
    ) AS src
    ON tgt.MonthStart = src.MonthStart
    WHEN MATCHED THEN
        UPDATE SET tgt.Orders = src.Orders
    WHEN NOT MATCHED BY TARGET THEN
        INSERT (MonthStart, Orders)
        VALUES (src.MonthStart, src.Orders);
END
GO

-- Staged load through a chain of #temp tables (SELECT ... INTO) of etl.FirstOrders: the logic of dbo.vw_FirstOrders.
-- Trap: OUTER APPLY keeps customers without orders, with NULLs
-- Doc: https://learn.microsoft.com/en-us/sql/t-sql/queries/from-transact-sql
CREATE PROCEDURE etl.usp_StageFirstOrders
AS
BEGIN
    SET NOCOUNT ON;

    IF OBJECT_ID('tempdb..#Stage') IS NOT NULL
        DROP TABLE #Stage;

    SELECT CustomerID, FirstOrderID, FirstFreight
    INTO #Stage
    FROM (
        SELECT c.CustomerID, fo.FirstOrderID, fo.FirstFreight
        FROM dbo.Customers AS c
        OUTER APPLY (
            SELECT TOP (1) o.OrderID AS FirstOrderID, o.Freight AS FirstFreight
            FROM dbo.Orders AS o
            WHERE o.CustomerID = c.CustomerID
            ORDER BY o.OrderDate, o.OrderID
        ) AS fo
    ) AS src;

    SELECT CustomerID, FirstOrderID, FirstFreight
    INTO #Ready
    FROM #Stage;

    TRUNCATE TABLE etl.FirstOrders;

    INSERT INTO etl.FirstOrders (CustomerID, FirstOrderID, FirstFreight)
    SELECT CustomerID, FirstOrderID, FirstFreight
    FROM #Ready;

    DROP TABLE #Ready;
    DROP TABLE #Stage;
END
GO

-- Append-only load (INSERT ... SELECT into an empty table) of etl.TargetsByQuarter: the logic of dbo.vw_TargetsByQuarter.
-- Trap: UNPIVOT drops NULL values
-- Doc: https://learn.microsoft.com/en-us/sql/t-sql/queries/from-using-pivot-and-unpivot
CREATE PROCEDURE etl.usp_AppendTargetsByQuarter
AS
BEGIN
    SET NOCOUNT ON;

    INSERT INTO etl.TargetsByQuarter (Region, Yr, QuarterName, Amount)
    SELECT Region, Yr, QuarterName, Amount
    FROM (SELECT Region, Yr, Q1, Q2, Q3, Q4 FROM dbo.SalesTargets) AS t
    UNPIVOT (Amount FOR QuarterName IN (Q1, Q2, Q3, Q4)) AS u;
END
GO

-- Full reload (TRUNCATE, then INSERT ... SELECT) of etl.NoteConversions: the logic of dbo.vw_NoteConversions.
-- Trap: TRY_CAST/TRY_CONVERT give NULL on failure; int accepts surrounding spaces, not '3.5' or '1e3'
-- Doc: https://learn.microsoft.com/en-us/sql/t-sql/functions/try-cast-transact-sql
-- Doc: https://learn.microsoft.com/en-us/sql/t-sql/functions/try-convert-transact-sql
CREATE PROCEDURE etl.usp_LoadNoteConversions
AS
BEGIN
    SET NOCOUNT ON;

    TRUNCATE TABLE etl.NoteConversions;

    INSERT INTO etl.NoteConversions (NoteID, AsInt, AsDecimal, AsDate)
    SELECT NoteID,
           TRY_CAST(NumText AS int) AS AsInt,
           TRY_CONVERT(decimal(6,2), NumText) AS AsDecimal,
           TRY_CONVERT(date, DateText, 112) AS AsDate
    FROM dbo.Notes;
END
GO

-- Upsert (MERGE on the key) of etl.OrderTotals: the logic of dbo.vw_OrderTotals.
-- Trap: a scalar function in a view: dbo.fn_LineNet casts to money
-- Doc: https://learn.microsoft.com/en-us/sql/t-sql/statements/create-function-transact-sql
CREATE PROCEDURE etl.usp_MergeOrderTotals
AS
BEGIN
    SET NOCOUNT ON;

    MERGE etl.OrderTotals AS tgt
    USING (
        SELECT o.OrderID,
               o.CustomerID,
               COUNT(*) AS LineCount,
               SUM(ol.Quantity) AS Units,
               SUM(dbo.fn_LineNet(ol.Quantity, ol.UnitPrice, ol.Discount)) AS NetAmount
        FROM dbo.Orders AS o
        INNER JOIN dbo.OrderLines AS ol ON ol.OrderID = o.OrderID
        GROUP BY o.OrderID, o.CustomerID
    ) AS src
    ON tgt.OrderID = src.OrderID
    WHEN MATCHED THEN
        UPDATE SET tgt.CustomerID = src.CustomerID,
                   tgt.LineCount = src.LineCount,
                   tgt.Units = src.Units,
                   tgt.NetAmount = src.NetAmount
    WHEN NOT MATCHED BY TARGET THEN
        INSERT (OrderID, CustomerID, LineCount, Units, NetAmount)
        VALUES (src.OrderID, src.CustomerID, src.LineCount, src.Units, src.NetAmount);
END
GO

-- Staged load through a chain of #temp tables (SELECT ... INTO) of etl.TopCustomers: the logic of dbo.vw_TopCustomers.
-- Trap: a view over two views; TOP (3) by money
-- Doc: https://learn.microsoft.com/en-us/sql/t-sql/queries/top-transact-sql
CREATE PROCEDURE etl.usp_StageTopCustomers
AS
BEGIN
    SET NOCOUNT ON;

    IF OBJECT_ID('tempdb..#Stage') IS NOT NULL
        DROP TABLE #Stage;

    SELECT CustomerID, FullName, NetAmount
    INTO #Stage
    FROM (
        SELECT TOP (3) s.CustomerID, n.FullName, s.NetAmount
        FROM dbo.vw_CustomerOrderSummary AS s
        INNER JOIN dbo.vw_CustomerNames AS n ON n.CustomerID = s.CustomerID
        ORDER BY s.NetAmount DESC, s.CustomerID
    ) AS src;

    SELECT CustomerID, FullName, NetAmount
    INTO #Ready
    FROM #Stage;

    TRUNCATE TABLE etl.TopCustomers;

    INSERT INTO etl.TopCustomers (CustomerID, FullName, NetAmount)
    SELECT CustomerID, FullName, NetAmount
    FROM #Ready;

    DROP TABLE #Ready;
    DROP TABLE #Stage;
END
GO

-- Append-only load (INSERT ... SELECT into an empty table) of etl.LineNet: the logic of dbo.vw_LineNet.
-- Trap: a scalar function over int, money and a nullable decimal discount
-- Doc: https://learn.microsoft.com/en-us/sql/t-sql/statements/create-function-transact-sql
-- Doc: https://learn.microsoft.com/en-us/sql/t-sql/functions/isnull-transact-sql
CREATE PROCEDURE etl.usp_AppendLineNet
AS
BEGIN
    SET NOCOUNT ON;

    INSERT INTO etl.LineNet (OrderLineID, NetAmount, CleanSku)
    SELECT ol.OrderLineID,
           dbo.fn_LineNet(ol.Quantity, ol.UnitPrice, ol.Discount) AS NetAmount,
           dbo.fn_CleanCode(p.Sku) AS CleanSku
    FROM dbo.OrderLines AS ol
    INNER JOIN dbo.Products AS p ON p.ProductID = ol.ProductID;
END
GO
