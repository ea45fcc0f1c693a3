/*
    SalesDW: reporting views over the operational tables.
*/
USE [SalesDW]
GO

SET ANSI_NULLS ON
GO
SET QUOTED_IDENTIFIER ON
GO

-- One row per customer, with a display name and the region spelled out.
CREATE VIEW dbo.vw_CustomerDirectory
AS
SELECT c.CustomerID,
       ISNULL(c.FirstName + ' ', '') + c.LastName AS FullName,
       ISNULL(c.CompanyName, N'(private customer)') AS CompanyName,
       c.Email,
       c.City,
       r.RegionName,
       r.Country,
       CASE WHEN c.IsActive = 1 THEN 'Active' ELSE 'Inactive' END AS CustomerStatus,
       YEAR(c.CreatedDate) AS CustomerSinceYear
FROM dbo.Customers c
JOIN dbo.Regions r ON r.RegionID = c.RegionID
GO

-- Order header with its totals; cancelled orders included, flagged by Status.
CREATE VIEW [dbo].[vw_OrderTotals]
AS
SELECT o.OrderID,
       o.CustomerID,
       o.EmployeeID,
       CAST(o.OrderDate AS date) AS OrderDate,
       o.Status,
       COUNT(*) AS LineCount,
       SUM(ol.Quantity) AS Units,
       SUM(dbo.fn_NetAmount(ol.Quantity, ol.UnitPrice, ol.Discount)) AS NetAmount,
       o.Freight,
       SUM(dbo.fn_NetAmount(ol.Quantity, ol.UnitPrice, ol.Discount)) + o.Freight AS OrderTotal
FROM dbo.Orders AS o
INNER JOIN dbo.OrderLines AS ol ON ol.OrderID = o.OrderID
GROUP BY o.OrderID, o.CustomerID, o.EmployeeID, CAST(o.OrderDate AS date), o.Status, o.Freight
GO

-- Product list with category, supplier and a margin band.
CREATE VIEW dbo.vw_ProductCatalog
AS
SELECT p.ProductID,
       p.ProductName,
       pc.CategoryName,
       parent.CategoryName AS ParentCategory,
       s.SupplierName,
       p.UnitPrice,
       p.UnitCost,
       CASE
           WHEN p.UnitCost IS NULL THEN 'Unknown'
           WHEN (p.UnitPrice - p.UnitCost) / p.UnitPrice >= 0.50 THEN 'High'
           WHEN (p.UnitPrice - p.UnitCost) / p.UnitPrice >= 0.40 THEN 'Medium'
           ELSE 'Low'
       END AS MarginBand,
       CASE p.Discontinued WHEN 1 THEN 'Y' ELSE 'N' END AS IsDiscontinued
FROM dbo.Products p WITH (NOLOCK)
INNER JOIN dbo.ProductCategories pc ON pc.CategoryID = p.CategoryID
LEFT JOIN dbo.ProductCategories parent ON parent.CategoryID = pc.ParentCategoryID
INNER JOIN dbo.Suppliers s ON s.SupplierID = p.SupplierID
GO

-- Sales by calendar month; cancelled orders excluded.
CREATE VIEW dbo.vw_MonthlySales
AS
SELECT YEAR(o.OrderDate) AS SalesYear,
       MONTH(o.OrderDate) AS SalesMonth,
       DATEADD(MONTH, DATEDIFF(MONTH, 0, o.OrderDate), 0) AS MonthStart,
       COUNT(DISTINCT o.OrderID) AS OrderCount,
       SUM(ol.Quantity) AS Units,
       SUM(dbo.fn_NetAmount(ol.Quantity, ol.UnitPrice, ol.Discount)) AS Revenue
FROM dbo.Orders o
JOIN dbo.OrderLines ol ON ol.OrderID = o.OrderID
WHERE o.Status <> 'Cancelled'
GROUP BY YEAR(o.OrderDate), MONTH(o.OrderDate), DATEADD(MONTH, DATEDIFF(MONTH, 0, o.OrderDate), 0)
GO

-- The ten best customers by net revenue: a view over a view.
CREATE VIEW dbo.vw_TopCustomers
AS
SELECT TOP (10)
       t.CustomerID,
       c.FirstName + ' ' + c.LastName AS CustomerName,
       COUNT(*) AS OrderCount,
       SUM(t.NetAmount) AS Revenue
FROM dbo.vw_OrderTotals t
JOIN dbo.Customers c ON c.CustomerID = t.CustomerID
WHERE t.Status <> 'Cancelled'
GROUP BY t.CustomerID, c.FirstName, c.LastName
ORDER BY SUM(t.NetAmount) DESC, t.CustomerID
GO

-- Sales reps with their manager and sales; tenure as of the 2024 year end.
CREATE VIEW dbo.vw_EmployeeSales
AS
SELECT e.EmployeeID,
       e.FirstName + ' ' + e.LastName AS EmployeeName,
       e.Title,
       ISNULL(m.FirstName + ' ' + m.LastName, N'(none)') AS ManagerName,
       DATEDIFF(YEAR, e.HireDate, '2024-12-31') AS YearsOfService,
       COUNT(DISTINCT o.OrderID) AS OrderCount,
       ISNULL(SUM(o.Freight), 0) AS FreightBilled
FROM dbo.Employees e
LEFT JOIN dbo.Employees m ON m.EmployeeID = e.ManagerID
LEFT JOIN dbo.Orders o ON o.EmployeeID = e.EmployeeID AND o.Status <> 'Cancelled'
GROUP BY e.EmployeeID, e.FirstName, e.LastName, e.Title, m.FirstName, m.LastName, e.HireDate
GO

-- Shipping performance per shipment against a 7-day promise.
CREATE VIEW dbo.vw_ShipmentDelays
AS
SELECT s.ShipmentID,
       s.OrderID,
       o.OrderDate,
       DATEADD(DAY, 7, o.OrderDate) AS PromisedBy,
       s.ShippedDate,
       DATEDIFF(DAY, o.OrderDate, s.ShippedDate) AS DaysToShip,
       CASE
           WHEN s.ShippedDate IS NULL THEN 'Pending'
           WHEN s.ShippedDate > DATEADD(DAY, 7, o.OrderDate) THEN 'Late'
           ELSE 'On time'
       END AS ShippingStatus,
       s.Carrier + ISNULL(' / ' + s.TrackingNumber, '') AS CarrierReference,
       r.RegionName AS ShipRegion
FROM dbo.Shipments s
INNER JOIN dbo.Orders o ON o.OrderID = s.OrderID
INNER JOIN dbo.Regions r ON r.RegionID = s.ShipRegionID
GO

-- Orders not yet delivered. GETDATE() only guards against future-dated rows.
CREATE VIEW dbo.vw_OpenOrders
AS
SELECT o.OrderID,
       o.OrderDate,
       o.RequiredDate,
       o.Status,
       cd.FullName AS CustomerName,
       cd.RegionName
FROM dbo.Orders o
JOIN dbo.vw_CustomerDirectory cd ON cd.CustomerID = o.CustomerID
WHERE o.Status IN ('Open', 'Shipped')
  AND o.OrderDate <= GETDATE()
GO
