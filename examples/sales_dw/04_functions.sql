/*
    SalesDW: functions.
*/
USE [SalesDW]
GO

SET ANSI_NULLS ON
GO
SET QUOTED_IDENTIFIER ON
GO

-- Net amount of an order line: quantity times price, less the line discount.
CREATE FUNCTION dbo.fn_NetAmount (
    @Quantity  int,
    @UnitPrice money,
    @Discount  decimal(4,2)
)
RETURNS money
AS
BEGIN
    RETURN CAST(@Quantity * @UnitPrice * (1 - ISNULL(@Discount, 0)) AS money);
END
GO

-- "First Last", or just the last name when there is no first name (companies).
CREATE FUNCTION [dbo].[fn_FullName] (@FirstName nvarchar(50), @LastName nvarchar(50))
RETURNS nvarchar(101)
WITH SCHEMABINDING
AS
BEGIN
    RETURN LTRIM(ISNULL(@FirstName + N' ', N'') + @LastName);
END
GO

-- All lines of one customer's orders, with their net amounts.
CREATE FUNCTION dbo.fn_CustomerOrderLines (@CustomerID int)
RETURNS TABLE
AS
RETURN
(
    SELECT o.OrderID,
           o.OrderDate,
           ol.ProductID,
           ol.Quantity,
           dbo.fn_NetAmount(ol.Quantity, ol.UnitPrice, ol.Discount) AS NetAmount
    FROM dbo.Orders AS o
    INNER JOIN dbo.OrderLines AS ol ON ol.OrderID = o.OrderID
    WHERE o.CustomerID = @CustomerID
);
GO
