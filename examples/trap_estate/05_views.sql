/*
    TrapDW: views, one trap each.
    Written for this project: a SQL Server 2019 estate whose views and procedures exercise the
    places where T-SQL and PostgreSQL disagree. Expected rows are in expected/.
*/
USE [TrapDW]
GO

SET ANSI_NULLS ON
GO
SET QUOTED_IDENTIFIER ON
GO

-- Trap: `+` yields NULL when an operand is NULL; CONCAT treats NULL as an empty string
-- Doc: https://learn.microsoft.com/en-us/sql/t-sql/language-elements/string-concatenation-transact-sql
-- Doc: https://learn.microsoft.com/en-us/sql/t-sql/functions/concat-transact-sql
CREATE VIEW dbo.vw_CustomerNames
AS
SELECT c.CustomerID,
       c.FirstName + N' ' + c.LastName AS FullName,
       N'[' + CONCAT(c.FirstName, N' ', c.LastName) + N']' AS ConcatName
FROM dbo.Customers AS c
GO

-- Trap: LEN ignores trailing spaces; DATALENGTH counts them
-- Doc: https://learn.microsoft.com/en-us/sql/t-sql/functions/len-transact-sql
-- Doc: https://learn.microsoft.com/en-us/sql/t-sql/functions/datalength-transact-sql
CREATE VIEW dbo.vw_CodeLengths
AS
SELECT CustomerID,
       LEN(CustomerCode) AS CodeLen,
       DATALENGTH(CustomerCode) AS CodeBytes,
       '[' + CustomerCode + ']' AS BracketedCode
FROM dbo.Customers
GO

-- Trap: '5' + 3 is 8: int has the higher precedence, so the string is converted to int
-- Doc: https://learn.microsoft.com/en-us/sql/t-sql/data-types/data-type-precedence-transact-sql
CREATE VIEW dbo.vw_NumberTextPlus
AS
SELECT CustomerID,
       '5' + 3 AS FivePlusThree,
       CAST(CustomerID AS varchar(10)) + '0' AS IdText,
       CAST(CustomerID AS varchar(10)) + 0 AS IdNumber
FROM dbo.Customers
GO

-- Trap: = ignores case and trailing spaces under the default collation
-- Doc: https://learn.microsoft.com/en-us/troubleshoot/sql/database-engine/database-file-operations/how-sql-server-compares-strings-with-trailing-spaces
-- Doc: https://learn.microsoft.com/en-us/sql/relational-databases/collations/collation-and-unicode-support
CREATE VIEW dbo.vw_ParisCustomers
AS
SELECT CustomerID, LastName
FROM dbo.Customers
WHERE City = N'paris'
GO

-- Trap: IN compares like =: case-insensitive, trailing spaces ignored
-- Doc: https://learn.microsoft.com/en-us/sql/t-sql/language-elements/in-transact-sql
-- Doc: https://learn.microsoft.com/en-us/troubleshoot/sql/database-engine/database-file-operations/how-sql-server-compares-strings-with-trailing-spaces
CREATE VIEW dbo.vw_RetailOrOnline
AS
SELECT CustomerID, Segment
FROM dbo.Customers
WHERE Segment IN ('retail', 'online')
GO

-- Trap: LIKE with [a-c] character ranges is case-insensitive; [[] escapes a bracket
-- Doc: https://learn.microsoft.com/en-us/sql/t-sql/language-elements/like-transact-sql
CREATE VIEW dbo.vw_SkuRanges
AS
SELECT ProductID,
       CASE WHEN ProductName LIKE '%BEANS' THEN 1 ELSE 0 END AS IsBeans,
       CASE WHEN ProductName LIKE '[[]%' THEN 1 ELSE 0 END AS IsSample
FROM dbo.Products
WHERE Sku LIKE '[a-c]%'
GO

-- Trap: CHARINDEX follows the collation: the search is case-insensitive
-- Doc: https://learn.microsoft.com/en-us/sql/t-sql/functions/charindex-transact-sql
CREATE VIEW dbo.vw_NameSearch
AS
SELECT CustomerID,
       CHARINDEX('n', LastName) AS PosN,
       CHARINDEX('ON', LastName) AS PosOn
FROM dbo.Customers
GO

-- Trap: GROUP BY and COUNT(DISTINCT) fold case and trailing spaces: 'France', 'france', 'France ' are one group
-- Doc: https://learn.microsoft.com/en-us/sql/t-sql/queries/select-group-by-transact-sql
-- Doc: https://learn.microsoft.com/en-us/sql/relational-databases/collations/collation-and-unicode-support
CREATE VIEW dbo.vw_CountryCities
AS
SELECT UPPER(RTRIM(Country)) AS CountryName,
       COUNT(*) AS Customers,
       COUNT(DISTINCT City) AS Cities,
       COUNT(City) AS WithCity
FROM dbo.Customers
GROUP BY Country
GO

-- Trap: GROUP BY over mixed-case values makes one group per case-insensitive value; NULL is a group
-- Doc: https://learn.microsoft.com/en-us/sql/t-sql/queries/select-group-by-transact-sql
CREATE VIEW dbo.vw_SegmentCounts
AS
SELECT LOWER(RTRIM(Segment)) AS SegmentKey,
       COUNT(*) AS Customers
FROM dbo.Customers
GROUP BY Segment
GO

-- Trap: ISNULL returns the first argument's type: the replacement is cut to varchar(10); COALESCE is not
-- Doc: https://learn.microsoft.com/en-us/sql/t-sql/functions/isnull-transact-sql
-- Doc: https://learn.microsoft.com/en-us/sql/t-sql/language-elements/coalesce-transact-sql
CREATE VIEW dbo.vw_SegmentLabels
AS
SELECT CustomerID,
       ISNULL(Segment, 'Unassigned-Segment') AS IsNullLabel,
       COALESCE(Segment, 'Unassigned-Segment') AS CoalesceLabel
FROM dbo.Customers
GO

-- Trap: STUFF, REPLICATE, LEFT, RIGHT and SUBSTRING; RIGHT over char(8) keeps the padding
-- Doc: https://learn.microsoft.com/en-us/sql/t-sql/functions/stuff-transact-sql
-- Doc: https://learn.microsoft.com/en-us/sql/t-sql/functions/replicate-transact-sql
-- Doc: https://learn.microsoft.com/en-us/sql/t-sql/functions/right-transact-sql
-- Doc: https://learn.microsoft.com/en-us/sql/t-sql/functions/substring-transact-sql
CREATE VIEW dbo.vw_ProductStrings
AS
SELECT ProductID,
       STUFF(ProductName, 1, 3, N'XY') AS Stuffed,
       '[' + REPLICATE('*', StockQty % 5) + ']' AS Stars,
       LEFT(ProductName, 4) AS Prefix,
       '[' + RIGHT(Sku, 4) + ']' AS SkuTail,
       SUBSTRING(ProductName, 0, 4) AS FromZero
FROM dbo.Products
GO

-- Trap: LTRIM and RTRIM remove spaces only from their side; LEN ignores trailing spaces
-- Doc: https://learn.microsoft.com/en-us/sql/t-sql/functions/ltrim-transact-sql
-- Doc: https://learn.microsoft.com/en-us/sql/t-sql/functions/rtrim-transact-sql
CREATE VIEW dbo.vw_TrimmedNames
AS
SELECT CustomerID,
       N'[' + LTRIM(LastName) + N']' AS LeftTrimmed,
       N'[' + RTRIM(LastName) + N']' AS RightTrimmed,
       N'[' + LastName + N']' AS Raw,
       LEN(LastName) AS NameLen
FROM dbo.Customers
GO

-- Trap: STRING_AGG ... WITHIN GROUP (ORDER BY ...) fixes the order of the list
-- Doc: https://learn.microsoft.com/en-us/sql/t-sql/functions/string-agg-transact-sql
CREATE VIEW dbo.vw_SkuLists
AS
SELECT Discontinued,
       STRING_AGG(RTRIM(Sku), ',') WITHIN GROUP (ORDER BY ProductID) AS SkuList,
       STRING_AGG(CAST(ProductID AS varchar(10)), '|') WITHIN GROUP (ORDER BY ProductID DESC) AS IdList
FROM dbo.Products
GROUP BY Discontinued
GO

-- Trap: AVG over int returns int, truncated; categories group case-insensitively
-- Doc: https://learn.microsoft.com/en-us/sql/t-sql/functions/avg-transact-sql
CREATE VIEW dbo.vw_CategoryStock
AS
SELECT UPPER(RTRIM(Category)) AS CategoryKey,
       COUNT(*) AS Products,
       SUM(StockQty) AS TotalStock,
       AVG(StockQty) AS AvgStock,
       MIN(UnitPrice) AS MinPrice
FROM dbo.Products
GROUP BY Category
GO

-- Trap: UPPER(x) = x is true for every string under a case-insensitive collation
-- Doc: https://learn.microsoft.com/en-us/sql/relational-databases/collations/collation-and-unicode-support
CREATE VIEW dbo.vw_UpperCheck
AS
SELECT CustomerID,
       CASE WHEN UPPER(LastName) = LastName THEN 1 ELSE 0 END AS LooksUpper
FROM dbo.Customers
GO

-- Trap: REPLACE matches under the collation: 'tea' replaces 'Tea' and 'TEA'
-- Doc: https://learn.microsoft.com/en-us/sql/t-sql/functions/replace-transact-sql
CREATE VIEW dbo.vw_CategoryRenamed
AS
SELECT ProductID,
       '[' + REPLACE(Category, 'tea', 'Infusion') + ']' AS Renamed
FROM dbo.Products
GO

-- Trap: char(n) keeps its padding: concatenation and DATALENGTH see the trailing spaces
-- Doc: https://learn.microsoft.com/en-us/sql/t-sql/data-types/char-and-varchar-transact-sql
-- Doc: https://learn.microsoft.com/en-us/sql/t-sql/functions/len-transact-sql
CREATE VIEW dbo.vw_SkuPadding
AS
SELECT ProductID,
       '[' + Sku + ']' AS SkuBracketed,
       LEN(Sku) AS SkuLen,
       DATALENGTH(Sku) AS SkuBytes
FROM dbo.Products
GO

-- Trap: a join on = matches codes that differ in case and trailing spaces
-- Doc: https://learn.microsoft.com/en-us/troubleshoot/sql/database-engine/database-file-operations/how-sql-server-compares-strings-with-trailing-spaces
-- Doc: https://learn.microsoft.com/en-us/sql/relational-databases/collations/collation-and-unicode-support
CREATE VIEW dbo.vw_AliasMatches
AS
SELECT a.AliasID, c.CustomerID, a.Alias
FROM dbo.CodeAliases AS a
INNER JOIN dbo.Customers AS c ON c.CustomerCode = a.CustomerCode
GO

-- Trap: <> is case-insensitive too: 'SHIPPED' and 'shipped ' are not <> 'shipped'; NULL is filtered
-- Doc: https://learn.microsoft.com/en-us/sql/t-sql/language-elements/not-equal-to-transact-sql-traditional
-- Doc: https://learn.microsoft.com/en-us/troubleshoot/sql/database-engine/database-file-operations/how-sql-server-compares-strings-with-trailing-spaces
CREATE VIEW dbo.vw_NotShipped
AS
SELECT OrderID, '[' + Status + ']' AS StatusShown
FROM dbo.Orders
WHERE Status <> 'shipped'
GO

-- Trap: GROUP BY Status: one group per case-insensitive value; SUM of money ignores NULLs
-- Doc: https://learn.microsoft.com/en-us/sql/t-sql/queries/select-group-by-transact-sql
-- Doc: https://learn.microsoft.com/en-us/sql/t-sql/functions/sum-transact-sql
CREATE VIEW dbo.vw_StatusTotals
AS
SELECT LOWER(RTRIM(Status)) AS StatusKey,
       COUNT(*) AS Orders,
       SUM(Freight) AS Freight
FROM dbo.Orders
GROUP BY Status
GO

-- Trap: ORDER BY is case-insensitive and puts NULLs first
-- Doc: https://learn.microsoft.com/en-us/sql/t-sql/queries/select-order-by-clause-transact-sql
-- Doc: https://learn.microsoft.com/en-us/sql/t-sql/functions/row-number-transact-sql
CREATE VIEW dbo.vw_FirstNameOrder
AS
SELECT CustomerID,
       ROW_NUMBER() OVER (ORDER BY FirstName, CustomerID) AS NameRank
FROM dbo.Customers
GO

-- Trap: LIKE ranges and negated ranges compare case-insensitively
-- Doc: https://learn.microsoft.com/en-us/sql/t-sql/language-elements/like-transact-sql
CREATE VIEW dbo.vw_NotePatterns
AS
SELECT NoteID,
       CASE WHEN Txt LIKE '[a-c]%' THEN 1 ELSE 0 END AS StartsAtoC,
       CASE WHEN Txt LIKE '%[0-9]%' THEN 1 ELSE 0 END AS HasDigit,
       CASE WHEN Txt LIKE '[^a-m]%' THEN 1 ELSE 0 END AS NotAtoM,
       CASE WHEN Txt LIKE '[[]%]' THEN 1 ELSE 0 END AS IsBracketed
FROM dbo.Notes
GO

-- Trap: = and LIKE on nvarchar are case-insensitive
-- Doc: https://learn.microsoft.com/en-us/sql/relational-databases/collations/collation-and-unicode-support
-- Doc: https://learn.microsoft.com/en-us/sql/t-sql/language-elements/like-transact-sql
CREATE VIEW dbo.vw_ProductLookup
AS
SELECT ProductID, ProductName
FROM dbo.Products
WHERE ProductName = N'ESPRESSO BEANS' OR ProductName LIKE N'chai%' OR ProductName LIKE N'%PRESS'
GO

-- Trap: int / int truncates toward zero; % keeps the dividend's sign; int / 2.0 is decimal
-- Doc: https://learn.microsoft.com/en-us/sql/t-sql/language-elements/divide-transact-sql
-- Doc: https://learn.microsoft.com/en-us/sql/t-sql/language-elements/modulo-transact-sql
CREATE VIEW dbo.vw_LineArithmetic
AS
SELECT OrderLineID,
       Quantity / 2 AS HalfQty,
       (Quantity - 10) % 3 AS QtyMod3,
       (Quantity - 10) / 3 AS Shifted,
       Quantity / 2.0 AS HalfExact
FROM dbo.OrderLines
GO

-- Trap: AVG over int is an int, truncated; SUM/COUNT is int division
-- Doc: https://learn.microsoft.com/en-us/sql/t-sql/functions/avg-transact-sql
CREATE VIEW dbo.vw_OrderQtyAverages
AS
SELECT OrderID,
       AVG(Quantity) AS AvgQty,
       SUM(Quantity) AS SumQty,
       COUNT(*) AS Lines
FROM dbo.OrderLines
GROUP BY OrderID
GO

-- Trap: CAST money AS int rounds; CAST decimal AS int truncates
-- Doc: https://learn.microsoft.com/en-us/sql/t-sql/functions/cast-and-convert-transact-sql
CREATE VIEW dbo.vw_PriceIntegers
AS
SELECT ProductID,
       CAST(UnitPrice AS int) AS PriceFromMoney,
       CAST(CAST(UnitPrice AS decimal(10,2)) AS int) AS PriceFromDecimal,
       CAST(Weight * 1000 AS int) AS WeightGrams
FROM dbo.Products
GO

-- Trap: ROUND keeps the input's type and scale; ROUND(x, n, 1) truncates
-- Doc: https://learn.microsoft.com/en-us/sql/t-sql/functions/round-transact-sql
CREATE VIEW dbo.vw_PriceRounding
AS
SELECT ProductID,
       ROUND(UnitPrice, 0) AS PriceRounded,
       ROUND(-UnitPrice, 0) AS NegRounded,
       ROUND(Weight, 1) AS WeightRounded,
       ROUND(Weight, 1, 1) AS WeightTruncated
FROM dbo.Products
GO

-- Trap: int * money is money, shown with four decimals
-- Doc: https://learn.microsoft.com/en-us/sql/t-sql/data-types/money-and-smallmoney-transact-sql
CREATE VIEW dbo.vw_LineMoney
AS
SELECT ol.OrderLineID,
       ol.Quantity * ol.UnitPrice AS Gross,
       ISNULL(o.Freight, 0) + ol.UnitPrice AS FreightShare
FROM dbo.OrderLines AS ol
INNER JOIN dbo.Orders AS o ON o.OrderID = ol.OrderID
GO

-- Trap: bit compared with 1; a bit column shows as 1/0
-- Doc: https://learn.microsoft.com/en-us/sql/t-sql/data-types/bit-transact-sql
CREATE VIEW dbo.vw_ActiveCustomers
AS
SELECT CustomerID,
       IsActive,
       CAST(IsActive AS int) + 1 AS ActivePlusOne
FROM dbo.Customers
WHERE IsActive = 1
GO

-- Trap: money to int rounds half away from zero; CASE over NULL falls to ELSE
-- Doc: https://learn.microsoft.com/en-us/sql/t-sql/functions/cast-and-convert-transact-sql
-- Doc: https://learn.microsoft.com/en-us/sql/t-sql/language-elements/case-transact-sql
CREATE VIEW dbo.vw_FreightBands
AS
SELECT OrderID,
       CAST(Freight AS int) AS FreightInt,
       ROUND(Freight, 0) AS FreightRounded,
       CASE WHEN Freight >= 10 THEN 'high'
            WHEN Freight BETWEEN 5 AND 9.99 THEN 'medium'
            WHEN Freight < 5 THEN 'low'
            ELSE 'unknown' END AS Band
FROM dbo.Orders
GO

-- Trap: decimal / int keeps a decimal; CAST to decimal(10,2) rounds
-- Doc: https://learn.microsoft.com/en-us/sql/t-sql/data-types/precision-scale-and-length-transact-sql
CREATE VIEW dbo.vw_QuantityThirds
AS
SELECT OrderLineID,
       CAST(CAST(Quantity AS decimal(10,2)) / 3 AS decimal(10,2)) AS Third,
       Quantity / 3 AS IntThird
FROM dbo.OrderLines
GO

-- Trap: 100.0 * int / SUM(int) OVER () is decimal; CAST rounds to one place
-- Doc: https://learn.microsoft.com/en-us/sql/t-sql/data-types/precision-scale-and-length-transact-sql
-- Doc: https://learn.microsoft.com/en-us/sql/t-sql/queries/select-over-clause-transact-sql
CREATE VIEW dbo.vw_ProductShare
AS
SELECT ProductID,
       CAST(100.0 * StockQty / SUM(StockQty) OVER () AS decimal(5,1)) AS StockShare
FROM dbo.Products
GO

-- Trap: AVG over decimal(10,2) is decimal(38,6); departments group case-insensitively
-- Doc: https://learn.microsoft.com/en-us/sql/t-sql/functions/avg-transact-sql
CREATE VIEW dbo.vw_DeptSalaries
AS
SELECT UPPER(RTRIM(Dept)) AS DeptKey,
       COUNT(*) AS Staff,
       COUNT(Salary) AS Paid,
       AVG(Salary) AS AvgSalary,
       MAX(Salary) AS MaxSalary
FROM dbo.Employees
GROUP BY Dept
GO

-- Trap: DATEDIFF counts year/quarter/month/week boundaries crossed, not elapsed time
-- Doc: https://learn.microsoft.com/en-us/sql/t-sql/functions/datediff-transact-sql
CREATE VIEW dbo.vw_EventSpansCalendar
AS
SELECT EventID,
       DATEDIFF(YEAR, StartAt, EndAt) AS Years,
       DATEDIFF(QUARTER, StartAt, EndAt) AS Quarters,
       DATEDIFF(MONTH, StartAt, EndAt) AS Months,
       DATEDIFF(WEEK, StartAt, EndAt) AS Weeks
FROM dbo.Events
GO

-- Trap: DATEDIFF(day/hour/minute) counts midnights, hour and minute boundaries
-- Doc: https://learn.microsoft.com/en-us/sql/t-sql/functions/datediff-transact-sql
CREATE VIEW dbo.vw_EventSpansClock
AS
SELECT EventID,
       DATEDIFF(DAY, StartAt, EndAt) AS Days,
       DATEDIFF(HOUR, StartAt, EndAt) AS Hours,
       DATEDIFF(MINUTE, StartAt, EndAt) AS Minutes
FROM dbo.Events
GO

-- Trap: DATEADD(month) clamps to the last day of a shorter month; EOMONTH
-- Doc: https://learn.microsoft.com/en-us/sql/t-sql/functions/dateadd-transact-sql
-- Doc: https://learn.microsoft.com/en-us/sql/t-sql/functions/eomonth-transact-sql
CREATE VIEW dbo.vw_MonthArithmetic
AS
SELECT DateID,
       DATEADD(MONTH, 1, TheDate) AS NextMonth,
       DATEADD(MONTH, -1, TheDate) AS PrevMonth,
       DATEADD(YEAR, 1, TheDate) AS NextYear,
       EOMONTH(TheDate) AS MonthEnd,
       EOMONTH(TheDate, 1) AS NextMonthEnd,
       DATEADD(DAY, 1, EOMONTH(TheDate, -1)) AS MonthStart
FROM dbo.KeyDates
GO

-- Trap: DATEPART(weekday) depends on DATEFIRST (7: Sunday = 1); DATEPART(week) starts weeks on Sunday
-- Doc: https://learn.microsoft.com/en-us/sql/t-sql/functions/datepart-transact-sql
-- Doc: https://learn.microsoft.com/en-us/sql/t-sql/statements/set-datefirst-transact-sql
CREATE VIEW dbo.vw_DateParts
AS
SELECT DateID,
       DATEPART(WEEKDAY, TheDate) AS WeekdayNo,
       DATEPART(WEEK, TheDate) AS WeekNo,
       DATEPART(ISO_WEEK, TheDate) AS IsoWeek,
       DATEPART(DAYOFYEAR, TheDate) AS DayOfYear,
       DATEPART(QUARTER, TheDate) AS QuarterNo
FROM dbo.KeyDates
GO

-- Trap: DATENAME returns English names under us_english
-- Doc: https://learn.microsoft.com/en-us/sql/t-sql/functions/datename-transact-sql
CREATE VIEW dbo.vw_DateNames
AS
SELECT DateID,
       DATENAME(WEEKDAY, TheDate) AS DayName,
       DATENAME(MONTH, TheDate) AS MonthName
FROM dbo.KeyDates
GO

-- Trap: CONVERT styles 101, 103 and 112 for dates
-- Doc: https://learn.microsoft.com/en-us/sql/t-sql/functions/cast-and-convert-transact-sql
CREATE VIEW dbo.vw_DateStyles
AS
SELECT DateID,
       CONVERT(varchar(10), TheDate, 101) AS UsDate,
       CONVERT(varchar(10), TheDate, 103) AS UkDate,
       CONVERT(varchar(8), TheDate, 112) AS IsoBasic,
       DAY(EOMONTH(TheDate)) AS DaysInMonth
FROM dbo.KeyDates
GO

-- Trap: CONVERT styles 120 and 121 for datetime (121 shows milliseconds)
-- Doc: https://learn.microsoft.com/en-us/sql/t-sql/functions/cast-and-convert-transact-sql
CREATE VIEW dbo.vw_OrderTimestamps
AS
SELECT OrderID,
       CONVERT(varchar(19), OrderDate, 120) AS Odbc,
       CONVERT(varchar(23), OrderDate, 121) AS OdbcMs,
       CONVERT(char(7), OrderDate, 120) AS CohortMonth
FROM dbo.Orders
GO

-- Trap: datetime + int adds days; DATEADD(day, DATEDIFF(day, 0, d), 0) is midnight
-- Doc: https://learn.microsoft.com/en-us/sql/t-sql/data-types/datetime-transact-sql
-- Doc: https://learn.microsoft.com/en-us/sql/t-sql/language-elements/add-transact-sql
CREATE VIEW dbo.vw_OrderDayMath
AS
SELECT OrderID,
       OrderDate + 1 AS NextDay,
       OrderDate - 1 AS PrevDay,
       CAST(OrderDate AS date) AS OrderDay,
       DATEADD(DAY, DATEDIFF(DAY, 0, OrderDate), 0) AS Midnight
FROM dbo.Orders
GO

-- Trap: YEAR, MONTH, DAY and DATEPART(hour) of a datetime
-- Doc: https://learn.microsoft.com/en-us/sql/t-sql/functions/year-transact-sql
-- Doc: https://learn.microsoft.com/en-us/sql/t-sql/functions/datepart-transact-sql
CREATE VIEW dbo.vw_OrderDateParts
AS
SELECT OrderID,
       YEAR(OrderDate) AS OrderYear,
       MONTH(OrderDate) AS OrderMonth,
       DAY(OrderDate) AS OrderDayNo,
       DATEPART(HOUR, OrderDate) AS OrderHour
FROM dbo.Orders
GO

-- Trap: integer yyyymmdd keys: CONVERT(date, char(8), 112), integer arithmetic, CAST(int AS datetime)
-- Doc: https://learn.microsoft.com/en-us/sql/t-sql/functions/cast-and-convert-transact-sql
-- Doc: https://learn.microsoft.com/en-us/sql/t-sql/data-types/datetime-transact-sql
CREATE VIEW dbo.vw_OrderDateKeys
AS
SELECT OrderID,
       CONVERT(date, CAST(OrderDateKey AS char(8)), 112) AS KeyDate,
       OrderDateKey / 10000 AS KeyYear,
       OrderDateKey / 100 % 100 AS KeyMonth,
       CASE WHEN CAST(CONVERT(char(8), OrderDate, 112) AS int) = OrderDateKey THEN 1 ELSE 0 END AS KeyMatches,
       DATEDIFF(DAY, 0, OrderDate) AS DayNumber,
       CAST(DATEDIFF(DAY, 0, OrderDate) AS datetime) AS FromDayNumber
FROM dbo.Orders
GO

-- Trap: DATEADD(MONTH, DATEDIFF(MONTH, 0, d), 0) truncates to the month as datetime; SUM of all-NULL is NULL
-- Doc: https://learn.microsoft.com/en-us/sql/t-sql/functions/dateadd-transact-sql
-- Doc: https://learn.microsoft.com/en-us/sql/t-sql/functions/datediff-transact-sql
CREATE VIEW dbo.vw_MonthlyFreight
AS
SELECT DATEADD(MONTH, DATEDIFF(MONTH, 0, OrderDate), 0) AS MonthStart,
       COUNT(*) AS Orders,
       SUM(Freight) AS Freight
FROM dbo.Orders
GROUP BY DATEADD(MONTH, DATEDIFF(MONTH, 0, OrderDate), 0)
GO

-- Trap: DATEDIFF(day) from datetime to date counts midnights; NULL ship date gives NULL
-- Doc: https://learn.microsoft.com/en-us/sql/t-sql/functions/datediff-transact-sql
CREATE VIEW dbo.vw_ShippingDays
AS
SELECT OrderID,
       DATEDIFF(DAY, OrderDate, ShipDate) AS DaysToShip,
       CASE WHEN DATEDIFF(DAY, OrderDate, ShipDate) > 2 THEN 1 ELSE 0 END AS ShippedLate
FROM dbo.Orders
GO

-- Trap: DATEDIFF(year) counts year boundaries, not anniversaries
-- Doc: https://learn.microsoft.com/en-us/sql/t-sql/functions/datediff-transact-sql
CREATE VIEW dbo.vw_EmployeeTenure
AS
SELECT EmployeeID,
       DATEDIFF(YEAR, HireDate, '2024-06-30') AS TenureBoundaries,
       DATEDIFF(MONTH, HireDate, '2024-06-30') AS TenureMonths
FROM dbo.Employees
GO

-- Trap: an exact age corrects DATEDIFF(year) with DATEADD; 29 February birthdays
-- Doc: https://learn.microsoft.com/en-us/sql/t-sql/functions/datediff-transact-sql
-- Doc: https://learn.microsoft.com/en-us/sql/t-sql/functions/dateadd-transact-sql
CREATE VIEW dbo.vw_CustomerAges
AS
SELECT CustomerID,
       DATEDIFF(YEAR, BirthDate, '2024-02-28') AS YearBoundaries,
       DATEDIFF(YEAR, BirthDate, '2024-02-28')
         - CASE WHEN DATEADD(YEAR, DATEDIFF(YEAR, BirthDate, '2024-02-28'), BirthDate) > '2024-02-28'
                THEN 1 ELSE 0 END AS AgeYears
FROM dbo.Customers
WHERE BirthDate IS NOT NULL
GO

-- Trap: DATENAME(weekday) compared with IN is case-insensitive
-- Doc: https://learn.microsoft.com/en-us/sql/t-sql/functions/datename-transact-sql
-- Doc: https://learn.microsoft.com/en-us/sql/t-sql/language-elements/in-transact-sql
CREATE VIEW dbo.vw_WeekendOrders
AS
SELECT OrderID, DATENAME(WEEKDAY, OrderDate) AS DayName
FROM dbo.Orders
WHERE DATENAME(WEEKDAY, OrderDate) IN ('saturday', 'SUNDAY')
GO

-- Trap: YEAR and DATEPART(quarter) as grouping keys
-- Doc: https://learn.microsoft.com/en-us/sql/t-sql/functions/datepart-transact-sql
CREATE VIEW dbo.vw_QuarterlyOrders
AS
SELECT YEAR(OrderDate) AS OrderYear,
       DATEPART(QUARTER, OrderDate) AS OrderQuarter,
       COUNT(*) AS Orders,
       SUM(Freight) AS Freight
FROM dbo.Orders
GROUP BY YEAR(OrderDate), DATEPART(QUARTER, OrderDate)
GO

-- Trap: CONVERT(char(7), d, 120) cuts the ODBC format to yyyy-mm
-- Doc: https://learn.microsoft.com/en-us/sql/t-sql/functions/cast-and-convert-transact-sql
CREATE VIEW dbo.vw_SignupCohorts
AS
SELECT CONVERT(char(7), CreatedAt, 120) AS Cohort,
       COUNT(*) AS Customers
FROM dbo.Customers
GROUP BY CONVERT(char(7), CreatedAt, 120)
GO

-- Trap: TOP (n) with ORDER BY
-- Doc: https://learn.microsoft.com/en-us/sql/t-sql/queries/top-transact-sql
CREATE VIEW dbo.vw_TopPricedProducts
AS
SELECT TOP (3) ProductID, ProductName, UnitPrice
FROM dbo.Products
ORDER BY UnitPrice DESC
GO

-- Trap: TOP ... PERCENT rounds the row count up; NULLs sort last in DESC
-- Doc: https://learn.microsoft.com/en-us/sql/t-sql/queries/top-transact-sql
CREATE VIEW dbo.vw_TopFreightPercent
AS
SELECT TOP (25) PERCENT OrderID, Freight
FROM dbo.Orders
ORDER BY Freight DESC, OrderID
GO

-- Trap: TOP ... WITH TIES returns every row tied with the last one
-- Doc: https://learn.microsoft.com/en-us/sql/t-sql/queries/top-transact-sql
CREATE VIEW dbo.vw_LowStockWithTies
AS
SELECT TOP (3) WITH TIES ProductID, StockQty
FROM dbo.Products
ORDER BY StockQty
GO

-- Trap: ORDER BY ASC puts NULLs first, so TOP picks the NULL rows
-- Doc: https://learn.microsoft.com/en-us/sql/t-sql/queries/select-order-by-clause-transact-sql
CREATE VIEW dbo.vw_LowestCredit
AS
SELECT TOP (3) CustomerID, CreditLimit
FROM dbo.Customers
ORDER BY CreditLimit, CustomerID
GO

-- Trap: window ORDER BY puts NULLs first (ASC) / last (DESC); PARTITION BY groups case-insensitively
-- Doc: https://learn.microsoft.com/en-us/sql/t-sql/functions/rank-transact-sql
-- Doc: https://learn.microsoft.com/en-us/sql/t-sql/queries/select-over-clause-transact-sql
CREATE VIEW dbo.vw_CreditRanks
AS
SELECT CustomerID,
       ROW_NUMBER() OVER (ORDER BY CreditLimit, CustomerID) AS CreditRowNum,
       RANK() OVER (PARTITION BY Country ORDER BY CreditLimit DESC) AS CountryCreditRank,
       DENSE_RANK() OVER (ORDER BY Segment) AS SegmentRank
FROM dbo.Customers
GO

-- Trap: running SUM over money ignores NULLs; LAG; COUNT(*) OVER partition
-- Doc: https://learn.microsoft.com/en-us/sql/t-sql/queries/select-over-clause-transact-sql
-- Doc: https://learn.microsoft.com/en-us/sql/t-sql/functions/lag-transact-sql
CREATE VIEW dbo.vw_CustomerRunningFreight
AS
SELECT OrderID,
       SUM(Freight) OVER (PARTITION BY CustomerID ORDER BY OrderDate, OrderID ROWS UNBOUNDED PRECEDING) AS RunningFreight,
       LAG(OrderDate) OVER (PARTITION BY CustomerID ORDER BY OrderDate, OrderID) AS PreviousOrderDate,
       COUNT(*) OVER (PARTITION BY CustomerID) AS CustomerOrders
FROM dbo.Orders
GO

-- Trap: NTILE spreads the remainder over the first tiles; LEAD
-- Doc: https://learn.microsoft.com/en-us/sql/t-sql/functions/ntile-transact-sql
-- Doc: https://learn.microsoft.com/en-us/sql/t-sql/functions/lead-transact-sql
CREATE VIEW dbo.vw_PriceTiles
AS
SELECT ProductID,
       NTILE(4) OVER (ORDER BY UnitPrice, ProductID) AS PriceTile,
       LEAD(ProductID) OVER (ORDER BY UnitPrice DESC, ProductID) AS NextCheaperID
FROM dbo.Products
GO

-- Trap: a recursive CTE walks the management tree
-- Doc: https://learn.microsoft.com/en-us/sql/t-sql/queries/with-common-table-expression-transact-sql
CREATE VIEW dbo.vw_OrgChart
AS
WITH chain AS (
    SELECT EmployeeID, CAST(FullName AS nvarchar(400)) AS ChainPath, 0 AS Depth
    FROM dbo.Employees
    WHERE ManagerID IS NULL
    UNION ALL
    SELECT e.EmployeeID, CAST(c.ChainPath + N' > ' + e.FullName AS nvarchar(400)), c.Depth + 1
    FROM dbo.Employees AS e
    INNER JOIN chain AS c ON e.ManagerID = c.EmployeeID
)
SELECT EmployeeID, Depth, ChainPath
FROM chain
GO

-- Trap: a recursive CTE generates months; DATEADD on date stays date
-- Doc: https://learn.microsoft.com/en-us/sql/t-sql/queries/with-common-table-expression-transact-sql
-- Doc: https://learn.microsoft.com/en-us/sql/t-sql/functions/dateadd-transact-sql
CREATE VIEW dbo.vw_MonthSeries
AS
WITH months AS (
    SELECT CAST('2024-01-01' AS date) AS MonthStart
    UNION ALL
    SELECT DATEADD(MONTH, 1, MonthStart)
    FROM months
    WHERE MonthStart < '2024-12-01'
)
SELECT m.MonthStart,
       COUNT(o.OrderID) AS Orders
FROM months AS m
LEFT JOIN dbo.Orders AS o
  ON o.OrderDate >= m.MonthStart AND o.OrderDate < DATEADD(MONTH, 1, m.MonthStart)
GROUP BY m.MonthStart
GO

-- Trap: CROSS APPLY with TOP (1) ... ORDER BY: the latest order per customer; customers without orders drop out
-- Doc: https://learn.microsoft.com/en-us/sql/t-sql/queries/from-transact-sql
CREATE VIEW dbo.vw_LatestOrders
AS
SELECT c.CustomerID, lo.OrderID, lo.OrderDate
FROM dbo.Customers AS c
CROSS APPLY (
    SELECT TOP (1) o.OrderID, o.OrderDate
    FROM dbo.Orders AS o
    WHERE o.CustomerID = c.CustomerID
    ORDER BY o.OrderDate DESC, o.OrderID DESC
) AS lo
GO

-- Trap: OUTER APPLY keeps customers without orders, with NULLs
-- Doc: https://learn.microsoft.com/en-us/sql/t-sql/queries/from-transact-sql
CREATE VIEW dbo.vw_FirstOrders
AS
SELECT c.CustomerID, fo.FirstOrderID, fo.FirstFreight
FROM dbo.Customers AS c
OUTER APPLY (
    SELECT TOP (1) o.OrderID AS FirstOrderID, o.Freight AS FirstFreight
    FROM dbo.Orders AS o
    WHERE o.CustomerID = c.CustomerID
    ORDER BY o.OrderDate, o.OrderID
) AS fo
GO

-- Trap: PIVOT matches category values under the collation: 'coffee' and 'TEA ' land in [Coffee] and [Tea]
-- Doc: https://learn.microsoft.com/en-us/sql/t-sql/queries/from-using-pivot-and-unpivot
CREATE VIEW dbo.vw_OrderCategoryPivot
AS
SELECT OrderID,
       [Coffee] AS CoffeeQty,
       [Tea] AS TeaQty,
       [Kitchen] AS KitchenQty
FROM (
    SELECT ol.OrderID, p.Category, ol.Quantity
    FROM dbo.OrderLines AS ol
    INNER JOIN dbo.Products AS p ON p.ProductID = ol.ProductID
) AS src
PIVOT (SUM(Quantity) FOR Category IN ([Coffee], [Tea], [Kitchen])) AS pvt
GO

-- Trap: UNPIVOT drops NULL values
-- Doc: https://learn.microsoft.com/en-us/sql/t-sql/queries/from-using-pivot-and-unpivot
CREATE VIEW dbo.vw_TargetsByQuarter
AS
SELECT Region, Yr, QuarterName, Amount
FROM (SELECT Region, Yr, Q1, Q2, Q3, Q4 FROM dbo.SalesTargets) AS t
UNPIVOT (Amount FOR QuarterName IN (Q1, Q2, Q3, Q4)) AS u
GO

-- Trap: IIF compares case-insensitively; CHOOSE returns NULL out of range or for NULL
-- Doc: https://learn.microsoft.com/en-us/sql/t-sql/functions/logical-functions-iif-transact-sql
-- Doc: https://learn.microsoft.com/en-us/sql/t-sql/functions/logical-functions-choose-transact-sql
CREATE VIEW dbo.vw_OrderFlags
AS
SELECT OrderID,
       IIF(Status = 'shipped', 1, 0) AS IsShipped,
       CHOOSE(Priority, 'High', 'Medium', 'Low') AS PriorityName
FROM dbo.Orders
GO

-- Trap: TRY_CAST/TRY_CONVERT give NULL on failure; int accepts surrounding spaces, not '3.5' or '1e3'
-- Doc: https://learn.microsoft.com/en-us/sql/t-sql/functions/try-cast-transact-sql
-- Doc: https://learn.microsoft.com/en-us/sql/t-sql/functions/try-convert-transact-sql
CREATE VIEW dbo.vw_NoteConversions
AS
SELECT NoteID,
       TRY_CAST(NumText AS int) AS AsInt,
       TRY_CONVERT(decimal(6,2), NumText) AS AsDecimal,
       TRY_CONVERT(date, DateText, 112) AS AsDate
FROM dbo.Notes
GO

-- Trap: NOLOCK table hints are dropped by a translation; the rows are the join's
-- Doc: https://learn.microsoft.com/en-us/sql/t-sql/queries/hints-transact-sql-table
CREATE VIEW dbo.vw_OrderCustomers
AS
SELECT o.OrderID, c.CustomerCode, c.Country
FROM dbo.Orders AS o WITH (NOLOCK)
INNER JOIN dbo.Customers AS c WITH (NOLOCK) ON c.CustomerID = o.CustomerID
GO

-- Trap: self join with LEFT JOIN; ISNULL fits the replacement to nvarchar(40)
-- Doc: https://learn.microsoft.com/en-us/sql/t-sql/functions/isnull-transact-sql
CREATE VIEW dbo.vw_EmployeeManagers
AS
SELECT e.EmployeeID,
       ISNULL(m.FullName, N'(none)') AS ManagerName
FROM dbo.Employees AS e
LEFT JOIN dbo.Employees AS m ON m.EmployeeID = e.ManagerID
GO

-- Trap: a scalar function in a view: dbo.fn_LineNet casts to money
-- Doc: https://learn.microsoft.com/en-us/sql/t-sql/statements/create-function-transact-sql
CREATE VIEW dbo.vw_OrderTotals
AS
SELECT o.OrderID,
       o.CustomerID,
       COUNT(*) AS LineCount,
       SUM(ol.Quantity) AS Units,
       SUM(dbo.fn_LineNet(ol.Quantity, ol.UnitPrice, ol.Discount)) AS NetAmount
FROM dbo.Orders AS o
INNER JOIN dbo.OrderLines AS ol ON ol.OrderID = o.OrderID
GROUP BY o.OrderID, o.CustomerID
GO

-- Trap: a view over a view; AVG over int truncates
-- Doc: https://learn.microsoft.com/en-us/sql/t-sql/functions/avg-transact-sql
CREATE VIEW dbo.vw_CustomerOrderSummary
AS
SELECT t.CustomerID,
       COUNT(*) AS Orders,
       SUM(t.Units) AS Units,
       AVG(t.Units) AS AvgUnits,
       SUM(t.NetAmount) AS NetAmount
FROM dbo.vw_OrderTotals AS t
GROUP BY t.CustomerID
GO

-- Trap: a view over two views; TOP (3) by money
-- Doc: https://learn.microsoft.com/en-us/sql/t-sql/queries/top-transact-sql
CREATE VIEW dbo.vw_TopCustomers
AS
SELECT TOP (3) s.CustomerID, n.FullName, s.NetAmount
FROM dbo.vw_CustomerOrderSummary AS s
INNER JOIN dbo.vw_CustomerNames AS n ON n.CustomerID = s.CustomerID
ORDER BY s.NetAmount DESC, s.CustomerID
GO

-- Trap: a scalar function (UPPER(LTRIM(RTRIM()))) in a view, used as a grouping key
-- Doc: https://learn.microsoft.com/en-us/sql/t-sql/statements/create-function-transact-sql
CREATE VIEW dbo.vw_CleanCodes
AS
SELECT LEFT(dbo.fn_CleanCode(CustomerCode), 1) AS CodeLetter,
       COUNT(*) AS Customers
FROM dbo.Customers
GROUP BY LEFT(dbo.fn_CleanCode(CustomerCode), 1)
GO

-- Trap: a scalar function over int, money and a nullable decimal discount
-- Doc: https://learn.microsoft.com/en-us/sql/t-sql/statements/create-function-transact-sql
-- Doc: https://learn.microsoft.com/en-us/sql/t-sql/functions/isnull-transact-sql
CREATE VIEW dbo.vw_LineNet
AS
SELECT ol.OrderLineID,
       dbo.fn_LineNet(ol.Quantity, ol.UnitPrice, ol.Discount) AS NetAmount,
       dbo.fn_CleanCode(p.Sku) AS CleanSku
FROM dbo.OrderLines AS ol
INNER JOIN dbo.Products AS p ON p.ProductID = ol.ProductID
GO

-- Trap: a view over a view that groups by a case-folded key
-- Doc: https://learn.microsoft.com/en-us/sql/t-sql/queries/select-group-by-transact-sql
CREATE VIEW dbo.vw_SegmentSummary
AS
SELECT s.SegmentKey,
       s.Customers,
       (SELECT COUNT(*) FROM dbo.vw_ActiveCustomers AS a
         INNER JOIN dbo.Customers AS c ON c.CustomerID = a.CustomerID
         WHERE LOWER(RTRIM(c.Segment)) = s.SegmentKey) AS Active
FROM dbo.vw_SegmentCounts AS s
GO
