/*
    SalesDW: schemas.
    dbo holds the operational (order entry) tables; dw holds the reporting
    warehouse that the nightly ETL procedures fill.
*/
USE [SalesDW]
GO

IF NOT EXISTS (SELECT 1 FROM sys.schemas WHERE name = N'dw')
    EXEC (N'CREATE SCHEMA [dw] AUTHORIZATION [dbo]');
GO
