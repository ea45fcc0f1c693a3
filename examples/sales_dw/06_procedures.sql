/*
    SalesDW: nightly ETL procedures that fill the dw schema, and one trigger.
    Run order: usp_LoadDimProduct, usp_MergeDimCustomer, usp_LoadFactSales,
    usp_LoadSalesDaily, usp_AppendCustomerSegments (see usp_RunNightlyLoad).
*/
USE [SalesDW]
GO

SET ANSI_NULLS ON
GO
SET QUOTED_IDENTIFIER ON
GO

-- Full reload of the product dimension.
CREATE PROCEDURE dw.usp_LoadDimProduct
AS
BEGIN
    SET NOCOUNT ON;

    TRUNCATE TABLE dw.DimProduct;

    INSERT INTO dw.DimProduct (ProductID, ProductName, CategoryName, ParentCategory,
                               SupplierName, UnitPrice, MarginPct, IsDiscontinued)
    SELECT p.ProductID,
           p.ProductName,
           pc.CategoryName,
           parent.CategoryName,
           s.SupplierName,
           p.UnitPrice,
           CAST(ROUND((p.UnitPrice - p.UnitCost) * 100.0 / p.UnitPrice, 2) AS decimal(5,2)),
           p.Discontinued
    FROM dbo.Products p
    INNER JOIN dbo.ProductCategories pc ON pc.CategoryID = p.CategoryID
    LEFT JOIN dbo.ProductCategories parent ON parent.CategoryID = pc.ParentCategoryID
    INNER JOIN dbo.Suppliers s ON s.SupplierID = p.SupplierID;
END
GO

-- Upsert of the customer dimension (type 1: attributes are overwritten).
CREATE PROCEDURE [dw].[usp_MergeDimCustomer]
AS
BEGIN
    SET NOCOUNT ON;

    MERGE dw.DimCustomer AS tgt
    USING (
        SELECT c.CustomerID,
               dbo.fn_FullName(c.FirstName, c.LastName) AS CustomerName,
               c.City,
               r.RegionName,
               c.IsActive
        FROM dbo.Customers c
        INNER JOIN dbo.Regions r ON r.RegionID = c.RegionID
    ) AS src
    ON tgt.CustomerID = src.CustomerID
    WHEN MATCHED THEN
        UPDATE SET tgt.CustomerName = src.CustomerName,
                   tgt.City = src.City,
                   tgt.RegionName = src.RegionName,
                   tgt.IsActive = src.IsActive,
                   tgt.LoadedAt = SYSDATETIME()
    WHEN NOT MATCHED THEN
        INSERT (CustomerID, CustomerName, City, RegionName, IsActive, LoadedAt)
        VALUES (src.CustomerID, src.CustomerName, src.City, src.RegionName, src.IsActive, SYSDATETIME());
END
GO

-- Full reload of the sales fact: one row per order line of a non-cancelled order.
CREATE PROCEDURE dw.usp_LoadFactSales
AS
BEGIN
    SET NOCOUNT ON;

    TRUNCATE TABLE dw.FactSales;

    INSERT INTO dw.FactSales (OrderLineID, OrderID, OrderDate, CustomerID, ProductID,
                              EmployeeID, Quantity, NetAmount, CostAmount)
    SELECT ol.OrderLineID,
           o.OrderID,
           CAST(o.OrderDate AS date),
           o.CustomerID,
           ol.ProductID,
           o.EmployeeID,
           ol.Quantity,
           dbo.fn_NetAmount(ol.Quantity, ol.UnitPrice, ol.Discount),
           ol.Quantity * p.UnitCost
    FROM dbo.OrderLines ol
    INNER JOIN dbo.Orders o ON o.OrderID = ol.OrderID
    INNER JOIN dbo.Products p ON p.ProductID = ol.ProductID
    WHERE o.Status <> 'Cancelled';
END
GO

-- Daily sales per region, staged through a temp table.
CREATE PROCEDURE dw.usp_LoadSalesDaily
AS
BEGIN
    SET NOCOUNT ON;

    IF OBJECT_ID('tempdb..#DailyLines') IS NOT NULL
        DROP TABLE #DailyLines;

    SELECT CAST(o.OrderDate AS date) AS SalesDate,
           c.RegionID,
           o.OrderID,
           ol.Quantity,
           dbo.fn_NetAmount(ol.Quantity, ol.UnitPrice, ol.Discount) AS NetAmount
    INTO #DailyLines
    FROM dbo.Orders o
    INNER JOIN dbo.OrderLines ol ON ol.OrderID = o.OrderID
    INNER JOIN dbo.Customers c ON c.CustomerID = o.CustomerID
    WHERE o.Status <> 'Cancelled';

    TRUNCATE TABLE dw.SalesDaily;

    INSERT INTO dw.SalesDaily (SalesDate, RegionID, RegionName, OrderCount, Units, Revenue)
    SELECT d.SalesDate,
           d.RegionID,
           r.RegionName,
           COUNT(DISTINCT d.OrderID),
           SUM(d.Quantity),
           SUM(d.NetAmount)
    FROM #DailyLines d
    INNER JOIN dbo.Regions r ON r.RegionID = d.RegionID
    GROUP BY d.SalesDate, d.RegionID, r.RegionName;

    DROP TABLE #DailyLines;
END
GO

-- Appends one snapshot of customer segments; earlier snapshots are kept.
CREATE PROCEDURE dw.usp_AppendCustomerSegments
    @SnapshotDate date = '2024-12-31'
AS
BEGIN
    SET NOCOUNT ON;

    INSERT INTO dw.CustomerSegments (SnapshotDate, CustomerID, OrderCount, TotalRevenue, Segment)
    SELECT @SnapshotDate,
           o.CustomerID,
           COUNT(DISTINCT o.OrderID),
           SUM(dbo.fn_NetAmount(ol.Quantity, ol.UnitPrice, ol.Discount)),
           CASE
               WHEN SUM(dbo.fn_NetAmount(ol.Quantity, ol.UnitPrice, ol.Discount)) >= 1000 THEN 'Gold'
               WHEN SUM(dbo.fn_NetAmount(ol.Quantity, ol.UnitPrice, ol.Discount)) >= 300 THEN 'Silver'
               ELSE 'Bronze'
           END
    FROM dbo.Orders o
    INNER JOIN dbo.OrderLines ol ON ol.OrderID = o.OrderID
    WHERE o.Status <> 'Cancelled'
      AND o.OrderDate < DATEADD(DAY, 1, @SnapshotDate)
    GROUP BY o.CustomerID;
END
GO

-- Runs the whole nightly load in one transaction and logs each step.
CREATE PROCEDURE dw.usp_RunNightlyLoad
AS
BEGIN
    SET NOCOUNT ON;
    DECLARE @Step sysname;

    BEGIN TRY
        BEGIN TRANSACTION;

        SET @Step = N'dw.usp_LoadDimProduct';
        EXEC dw.usp_LoadDimProduct;
        INSERT INTO dw.EtlLog (ProcedureName, RowsAffected) VALUES (@Step, @@ROWCOUNT);

        SET @Step = N'dw.usp_MergeDimCustomer';
        EXEC dw.usp_MergeDimCustomer;

        SET @Step = N'dw.usp_LoadFactSales';
        EXEC dw.usp_LoadFactSales;

        SET @Step = N'dw.usp_LoadSalesDaily';
        EXEC dw.usp_LoadSalesDaily;

        SET @Step = N'dw.usp_AppendCustomerSegments';
        EXEC dw.usp_AppendCustomerSegments @SnapshotDate = '2024-12-31';

        COMMIT TRANSACTION;
    END TRY
    BEGIN CATCH
        IF @@TRANCOUNT > 0
            ROLLBACK TRANSACTION;
        INSERT INTO dw.EtlLog (ProcedureName, Message) VALUES (@Step, ERROR_MESSAGE());
        THROW;
    END CATCH
END
GO

-- Row-by-row credit review, as it was written in 2009: a person must redo this one.
CREATE PROCEDURE dbo.usp_RecalculateCreditLimits
AS
BEGIN
    SET NOCOUNT ON;

    DECLARE @CustomerID int, @Revenue money;

    DECLARE customer_cursor CURSOR LOCAL FAST_FORWARD FOR
        SELECT o.CustomerID, SUM(ot.NetAmount)
        FROM dbo.Orders o
        INNER JOIN dbo.vw_OrderTotals ot ON ot.OrderID = o.OrderID
        WHERE o.Status = 'Delivered'
        GROUP BY o.CustomerID;

    OPEN customer_cursor;
    FETCH NEXT FROM customer_cursor INTO @CustomerID, @Revenue;

    WHILE @@FETCH_STATUS = 0
    BEGIN
        UPDATE dbo.Customers
        SET CreditLimit = CASE WHEN @Revenue > 2000 THEN 10000 ELSE 2500 END
        WHERE CustomerID = @CustomerID
          AND ISNULL(CreditLimit, 0) < CASE WHEN @Revenue > 2000 THEN 10000 ELSE 2500 END;

        FETCH NEXT FROM customer_cursor INTO @CustomerID, @Revenue;
    END

    CLOSE customer_cursor;
    DEALLOCATE customer_cursor;
END
GO

-- Keeps a history of list-price changes.
CREATE TRIGGER dbo.trg_Products_PriceAudit
ON dbo.Products
AFTER UPDATE
AS
BEGIN
    SET NOCOUNT ON;

    IF UPDATE(UnitPrice)
        INSERT INTO dbo.ProductPriceAudit (ProductID, OldPrice, NewPrice)
        SELECT i.ProductID, d.UnitPrice, i.UnitPrice
        FROM inserted i
        INNER JOIN deleted d ON d.ProductID = i.ProductID
        WHERE ISNULL(d.UnitPrice, -1) <> ISNULL(i.UnitPrice, -1);
END
GO
