/*
    TrapDW: scalar functions used by views.
    Written for this project: a SQL Server 2019 estate whose views and procedures exercise the
    places where T-SQL and PostgreSQL disagree. Expected rows are in expected/.
*/
USE [TrapDW]
GO

SET ANSI_NULLS ON
GO
SET QUOTED_IDENTIFIER ON
GO

-- Net amount of an order line; the result is cast to money (four decimals).
-- Doc: https://learn.microsoft.com/en-us/sql/t-sql/statements/create-function-transact-sql
CREATE FUNCTION dbo.fn_LineNet (
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

-- A code without surrounding spaces, in upper case.
-- Doc: https://learn.microsoft.com/en-us/sql/t-sql/functions/upper-transact-sql
CREATE FUNCTION dbo.fn_CleanCode (@Code varchar(10))
RETURNS varchar(10)
AS
BEGIN
    RETURN UPPER(LTRIM(RTRIM(@Code)));
END
GO
